#!/usr/bin/python3
"""Writes the reference fixtures of the default detector's members and calibration (test/fixtures/detector-*.json).

Run by hand from packages/core with the system Python (numpy, scipy):

    /usr/bin/python3 scripts/generate_detector_fixtures.py

Each part is an independent transcription of its published definition, in double precision, written from the
definitions (the doc comments of src/detectors/members/*.ts and calibration/*.ts and the sources they cite), not
from the TypeScript:
- level member: exponentially weighted means and variance (West 1979) with a 1/n start;
- daily-profile member: per-slot exponentially weighted means across days, a scaled and smoothed residual;
- sequence member: a 16 x 16 transition table with Laplace's rule of succession;
- windowed anomaly likelihood: Numenta's anomaly_likelihood.py as its paper describes it (Ahmad et al. 2017): a
  10-sample moving average, a normal fit over a window of moving averages (numpy mean and variance, ddof 0)
  refitted every 100 samples, floors 0.03 and 3e-4, a two-sided tail from scipy.stats.norm.sf, the "first red only"
  filter, and the novelty gate's exponentially weighted histogram. Here the window is kept as a plain list, not as
  block sums, so the fixture also checks the block bookkeeping.
Inputs come from numpy's seeded default_rng, so reruns give identical files.
"""

import json
import math
import os

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures')
rng = np.random.default_rng(20261207)
DAY_MS = 86_400_000


def write(name, payload):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(payload, f, separators=(',', ':'))
        f.write('\n')


def level_member(values):
    raws = []
    count = 0
    fast = mean = var = 0.0
    lo = hi = 0.0
    for x in values:
        if count == 0:
            count, fast, mean, lo, hi = 1, x, x, x, x
            raws.append(0.0)
            continue
        fast = 0.5 * x + 0.5 * fast
        spread = max(math.sqrt(var), 0.001 * (hi - lo), 5e-324)
        raws.append(min(abs(fast - mean) / spread, 8) / 8)
        count += 1
        w = max(0.01, 1 / count)
        d = x - mean
        mean += w * d
        var = (1 - w) * (var + w * d * d)
        lo, hi = min(lo, x), max(hi, x)
    return raws


def profile_member(values, times):
    raws = []
    interval = 0
    first = last = None
    profile = None
    scale = smoothed = 0.0
    scale_count = 0
    lo, hi = math.inf, -math.inf
    for i, (x, t) in enumerate(zip(values, times)):
        if last is not None and t - last > 0:
            interval = t - last if interval == 0 else min(interval, t - last)
        first = t if first is None else first
        last = t
        rng_ = hi - lo if hi >= lo else 0.0
        if profile is None and i + 1 >= 12 and interval > 0 and DAY_MS // interval >= 24:
            profile = [None] * min(DAY_MS // interval, 144)
        raw = None
        if profile is not None:
            scoring = t - first >= 3 * DAY_MS
            if scoring:
                raw = 0.0
            slot = min(len(profile) - 1, int(((t % DAY_MS) / DAY_MS) * len(profile)))
            if profile[slot] is None:
                profile[slot] = x
            else:
                r = x - profile[slot]
                if scoring and scale > 0:
                    spread = max(scale, 0.01 * rng_)
                    smoothed = 0.95 * smoothed + 0.05 * (r / spread)
                    raw = min(abs(smoothed), 8) / 8
                scale_count += 1
                scale += max(0.01, 1 / scale_count) * (abs(r) - scale)
                profile[slot] = profile[slot] + 0.3 * r
        lo, hi = min(lo, x), max(hi, x)
        raws.append(raw)
    return raws


def sequence_member(values):
    raws = []
    first = []
    table = None
    previous = -1
    for x in values:
        if table is None:
            first.append(x)
            if len(first) >= 150:
                lo, hi = min(first), max(first)
                table = np.zeros((16, 16))
            raws.append(0.0)
            continue
        width = hi - lo
        b = max(0, min(15, math.floor((x - lo) / width * 16))) if width > 0 else 0
        raw = 0.0
        if previous >= 0:
            raw = 1 - (table[previous, b] + 1) / (table[previous].sum() + 16)
            table[previous, b] += 1
        previous = b
        raws.append(raw)
    return raws


def likelihood(raws, novelty=False, window=8700):
    tails = []
    recent = []
    averages = []  # (sample number, average) of every sample, the window is sliced from it
    mean = sd = None
    previous_red = False
    counts = np.zeros(64)
    weight = 1.0
    for n, raw in enumerate(raws, start=1):
        recent = (recent + [raw])[-10:]
        average = sum(recent) / len(recent)
        tail = 0.5 if mean is None else stats.norm.sf(abs(average - mean) / sd)
        averages.append(average)
        if n % 100 == 0 and n >= 300:
            fitted = [a for k, a in enumerate(averages, start=1) if k > 150 and k > n - window]
            m = float(np.mean(fitted))
            mean = max(m, 0.03)
            sd = math.sqrt(max(float(np.mean(np.square(fitted))) - m * m, 0.0003))
        red = tail <= 1e-5
        if novelty:
            level = max(0, min(63, math.floor(average * 64)))
            if red and counts[level:].sum() / weight > 30:
                tail, red = 1e-3, False
            weight /= 1 - 1 / 8640
            counts[level] += weight
            if weight > 1e30:
                counts /= weight
                weight = 1.0
        tails.append(1e-3 if red and previous_red else tail)
        previous_red = red
    return tails


def significant(values, digits):
    return [None if v is None else float(f'{v:.{digits}g}') for v in values]


def raw_scores(n):
    """Raw scores of an ordinary member with bursts: mostly small, a few runs of high scores."""
    base = np.clip(rng.gamma(2.0, 0.05, n), 0, 1)
    for start in rng.integers(400, n - 30, 12):
        base[start:start + int(rng.integers(1, 25))] = rng.uniform(0.6, 1.0)
    return [round(float(v), 3) for v in base]


def station_series(n):
    """15-minute samples: a daily cycle, a slow wander, noise, a spike and a level shift, three decimals."""
    t = np.arange(n)
    wander = np.cumsum(rng.normal(0, 0.02, n))
    x = 20 + 2 * np.sin(2 * np.pi * t / 96) + wander + rng.normal(0, 0.2, n)
    x[n // 3] += 9
    x[2 * n // 3:] += 4
    return [round(float(v), 3) for v in x]


def main():
    n = 1500
    values = station_series(n)
    start = 1_704_067_200_000  # 2024-01-01T00:00:00Z
    times = [start + i * 900_000 for i in range(n)]
    write('detector-members.json', {
        'values': values,
        'times': times,
        'level': significant(level_member(values), 10),
        'profile': significant(profile_member(values, times), 10),
        # Five-minute samples: 288 a day share 144 slots.
        'profileFiveMinutes': significant(profile_member(values, [start + i * 300_000 for i in range(n)]), 10),
        'sequence': significant(sequence_member(values), 10),
    })
    raws = raw_scores(10_000)  # past the 8700-sample window, so it slides
    write('detector-likelihood.json', {
        'raws': raws,
        'tails': significant(likelihood(raws), 7),
        'gatedTails': significant(likelihood(raws, novelty=True), 7),
    })


main()
