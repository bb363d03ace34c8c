#!/usr/bin/python3
"""Writes the reference fixtures of packages/core/src/stats and src/filters (test/fixtures/stats-*.json).

Run by hand from packages/core with the system Python, which has numpy 1.24, scipy 1.10.1 and mpmath:

    /usr/bin/python3 scripts/generate_stats_fixtures.py

Sources of truth:
- normal distribution: mpmath at 40 digits;
- Wilcoxon signed-rank: scipy.stats.wilcoxon (scipy 1.10.1), every zero method, alternative and correction;
- Mann-Kendall: a direct numpy transcription of pymannkendall 1.4.3 (github.com/mmhs013/pyMannKendall,
  pymannkendall/pymannkendall.py at commit ec2e3ab: __mk_score, __variance_s, __z_score, __p_value, __acf,
  sens_slope, original_test, yue_wang_modification_test). pymannkendall is not installed here, so the
  transcription is first checked against the 49 cases of test/fixtures/pymannkendall-scipy-reference.json, which
  were produced by pymannkendall itself;
- Kalman filter: the textbook predict/update recursion of a random-walk local-level model, in 50-digit mpmath;
- k-sigma: numpy mean and std (ddof=0, numpy's default, as the reference service used);
- ranks: scipy.stats.rankdata(method='average').
All inputs come from numpy's seeded default_rng, so reruns give identical files.
"""

import json
import math
import os
import warnings

import mpmath
import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures')
REFERENCE = os.path.join(OUT, 'pymannkendall-scipy-reference.json')
rng = np.random.default_rng(20240611)


def write(name, payload):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(payload, f, indent=1)
        f.write('\n')


def floats(a):
    return [float(v) for v in a]


# ---------------------------------------------------------------- normal distribution (mpmath)
def normal_fixture():
    mpmath.mp.dps = 40
    xs = [0.0, 1e-300, 1e-10, 0.1, 0.5, 0.9, 1.0, 1.2, 1.2499, 1.25, 1.3, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.5,
          8.0, 10.0, 13.6, 20.0, 26.0, 27.0, -0.3, -1.0, -2.0, -5.0, -10.0, -27.0]
    zs = [0.0, 0.5, 1.0, 1.959963984540054, 2.5, 3.0, 5.0, 8.3, 10.0, 20.0, 37.0, -1.0, -3.0, -8.0, -20.0, -37.0]
    # A sweep through erfc's rational-function interval [0.46875, 4] (z = x √2 for the normal tail).
    xs += [round(0.46875 + i * (4 - 0.46875) / 40, 6) for i in range(41)]
    zs += [round(-5.7 + i * 11.4 / 38, 6) for i in range(39)]
    ps = [1e-300, 1e-100, 1e-20, 1e-8, 1e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 0.975, 0.99,
          0.999999, 1 - 1e-12]

    def quantile(p):
        with mpmath.workdps(400):  # 2p − 1 must keep p's digits even for p = 1e-300
            return float(mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(p) - 1))

    return {
        'erfc': [{'x': x, 'value': float(mpmath.erfc(x))} for x in xs],
        'cdf': [{'z': z, 'value': float(mpmath.ncdf(z))} for z in zs],
        'sf': [{'z': z, 'value': float(mpmath.ncdf(-mpmath.mpf(z)))} for z in zs],
        # The quantile of the double p (which is what the caller passes), not of the decimal literal.
        'quantile': [{'p': p, 'value': quantile(p)} for p in ps],
    }


# ---------------------------------------------------------------- pymannkendall 1.4.3, transcribed
def pmk_acf(x, nlags):
    y = x - x.mean()
    n = len(x)
    d = n * np.ones(2 * n - 1)
    acov = (np.correlate(y, y, 'full') / d)[n - 1:]
    return acov[:nlags + 1] / acov[0] if acov[0] != 0 else acov[:nlags + 1]


def pmk_score(x, n):
    s = 0
    demo = np.ones(n)
    for k in range(n - 1):
        s = s + np.sum(demo[k + 1:n][x[k + 1:n] > x[k]]) - np.sum(demo[k + 1:n][x[k + 1:n] < x[k]])
    return s


def pmk_variance_s(x, n):
    unique_x, tp = np.unique(x, return_counts=True)
    if n == len(unique_x):
        return (n * (n - 1) * (2 * n + 5)) / 18
    return (n * (n - 1) * (2 * n + 5) - np.sum(tp * (tp - 1) * (2 * tp + 5))) / 18


def pmk_z_score(s, var_s):
    if s > 0:
        return (s - 1) / np.sqrt(var_s)
    if s < 0:
        return (s + 1) / np.sqrt(var_s)
    return 0


def pmk_p_value(z, alpha):
    p = 2 * (1 - stats.norm.cdf(abs(z)))
    h = abs(z) > stats.norm.ppf(1 - alpha / 2)
    trend = 'decreasing' if (z < 0 and h) else 'increasing' if (z > 0 and h) else 'no trend'
    return p, h, trend


def pmk_sens_slope(x):
    n = len(x)
    d = np.ones(int(n * (n - 1) / 2))
    idx = 0
    for i in range(n - 1):
        j = np.arange(i + 1, n)
        d[idx:idx + len(j)] = (x[j] - x[i]) / (j - i)
        idx = idx + len(j)
    slope = np.nanmedian(d)
    return slope, np.nanmedian(x) - np.median(np.arange(n)) * slope


def pmk_test(x, yue_wang, alpha=0.05):
    x = np.asarray(x, dtype=float)
    n = len(x)
    s = pmk_score(x, n)
    var_s = pmk_variance_s(x, n)
    tau = s / (.5 * n * (n - 1))
    slope, intercept = pmk_sens_slope(x)
    if yue_wang:
        x_detrend = x - np.arange(1, n + 1) * slope
        acf_1 = pmk_acf(x_detrend, nlags=n - 1)
        idx = np.arange(1, n)
        var_s = var_s * (1 + 2 * np.sum((1 - idx / n) * acf_1[idx]))
    z = pmk_z_score(s, var_s)
    p, h, trend = pmk_p_value(z, alpha)
    return {'trend': trend, 'h': bool(h), 'p': float(p), 'z': float(z), 'tau': float(tau), 's': float(s),
            'varS': float(var_s), 'slope': float(slope), 'intercept': float(intercept)}


def check_transcription():
    """The transcription must reproduce pymannkendall's own outputs before it may produce new cases."""
    with open(REFERENCE) as f:
        cases = json.load(f)['cases']
    for c in cases:
        for key, yue_wang in (('original', False), ('yueWang', True)):
            mine, theirs = pmk_test(c['x'], yue_wang), c[key]
            for field in ('trend', 'h', 's'):
                assert mine[field] == theirs[field], (c['kind'], c['n'], key, field)
            for field in ('p', 'z', 'tau', 'varS', 'slope', 'intercept'):
                assert math.isclose(mine[field], theirs[field], rel_tol=1e-9, abs_tol=1e-15), \
                    (c['kind'], c['n'], key, field, mine[field], theirs[field])


def ar1(n, phi, scale=1.0):
    e = rng.normal(0, scale, n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def mann_kendall_fixture():
    check_transcription()
    t = np.arange
    series = {
        'noise n=4': rng.normal(size=4),
        'ties and trend n=40': np.round(t(40) * 0.05 + rng.normal(0, 0.5, 40)),
        'heavy ties n=500 (four levels)': rng.integers(0, 4, 500).astype(float),
        'exact linear trend n=30': 0.25 * t(30) + 3.0,
        'strong negative autocorrelation n=200': ar1(200, -0.9),
        'strong positive autocorrelation n=300': ar1(300, 0.95) + 0.01 * t(300),
        'level shift n=128': np.concatenate([rng.normal(0, 1, 64), rng.normal(2, 1, 64)]),
        'seasonal n=1024': np.sin(t(1024) * 2 * np.pi / 96) + rng.normal(0, 0.3, 1024),
        'weak trend n=1000': 0.002 * t(1000) + rng.normal(0, 1, 1000),
        'noise n=5000': rng.normal(size=5000),
        'trend n=5000 (p underflows in pymannkendall)': 0.01 * t(5000) + rng.normal(0, 1, 5000),
    }
    return {'cases': [{'name': name, 'x': floats(x), 'original': pmk_test(x, False), 'yueWang': pmk_test(x, True)}
                      for name, x in series.items()]}


# ---------------------------------------------------------------- scipy.stats.wilcoxon
def wilcoxon_case(name, x, y):
    results = []
    for zero_method in ('wilcox', 'pratt', 'zsplit'):
        for alternative in ('two-sided', 'less', 'greater'):
            for correction in (False, True):
                entry = {'zeroMethod': zero_method, 'alternative': alternative, 'correction': correction}
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter('ignore')
                        r = stats.wilcoxon(x, y, zero_method=zero_method, alternative=alternative,
                                           correction=correction)
                    entry.update(statistic=float(r.statistic), p=float(r.pvalue))
                except ValueError as e:
                    entry['error'] = str(e)
                results.append(entry)
    return {'name': name, 'x': floats(x), 'y': None if y is None else floats(y), 'results': results}


def wilcoxon_fixture():
    cases = []
    for n in (1, 2, 3, 7, 20, 49, 50, 51, 100, 256, 1000):
        cases.append(wilcoxon_case(f'paired noise n={n}', rng.normal(size=n), rng.normal(size=n)))
    cases.append(wilcoxon_case('one-sample shifted n=30', rng.normal(0.6, 1, 30), None))
    cases.append(wilcoxon_case('one-sample shifted n=300', rng.normal(0.2, 1, 300), None))
    # Ties without zeros: exact for n <= 50 (scipy truncates a half-integer r_plus), approximate beyond.
    cases.append(wilcoxon_case('ties, no zeros n=12', rng.integers(1, 4, 12) * rng.choice([-1.0, 1.0], 12), None))
    cases.append(wilcoxon_case('ties, no zeros n=50', rng.integers(1, 6, 50) * rng.choice([-1.0, 1.0], 50), None))
    cases.append(wilcoxon_case('ties, no zeros n=80', rng.integers(1, 6, 80) * rng.choice([-1.0, 1.0], 80), None))
    # Zeros in the differences switch scipy to the normal approximation, and each zero method differs.
    cases.append(wilcoxon_case('zeros and ties n=10', rng.integers(-2, 3, 10).astype(float), None))
    cases.append(wilcoxon_case('zeros and ties n=60', rng.integers(-3, 4, 60).astype(float), None))
    x = rng.normal(size=256)
    y = x.copy()
    y[::4] += rng.normal(0.3, 1, 64)
    cases.append(wilcoxon_case('paired, 3/4 zeros n=256', x, y))
    cases.append(wilcoxon_case('one non-zero n=5', np.array([0.0, 0.0, 1.5, 0.0, 0.0]), None))
    cases.append(wilcoxon_case('all zeros n=8', np.zeros(8), None))
    cases.append(wilcoxon_case('all positive n=50', rng.uniform(0.1, 2, 50), None))
    cases.append(wilcoxon_case('symmetric centre n=4', np.array([1.0, -2.0, 3.0, -4.0]), None))
    cases.append(wilcoxon_case('large shift n=5000', rng.normal(0.05, 1, 5000), None))
    return {'cases': cases}


# ---------------------------------------------------------------- Kalman filter (textbook recursion)
def kalman_reference(z, q, r, x0, p0):
    """Local level model x_t = x_{t-1} + w (var q), z_t = x_t + v (var r): predict, then update, every step.

    Evaluated in 50-digit mpmath so the reference is exact to the last double whatever form of the covariance
    update is used (in doubles, (1 - K) P cancels when K is close to 1).
    """
    mpmath.mp.dps = 50
    x, p, q, r = mpmath.mpf(x0), mpmath.mpf(p0), mpmath.mpf(q), mpmath.mpf(r)
    estimates, innovations, variances = [], [], []
    for obs in z:
        p = p + q
        s = p + r
        k = p / s
        innovation = mpmath.mpf(float(obs)) - x
        x = x + k * innovation
        p = (1 - k) * p
        estimates.append(float(x))
        innovations.append(float(innovation))
        variances.append(float(s))
    return estimates, innovations, variances


def kalman_fixture():
    level = np.concatenate([np.full(150, 2.0), np.full(150, 5.0), np.linspace(5, 1, 200)])
    z = level + rng.normal(0, 0.7, len(level))
    z[320] += 15  # a spike
    options = [
        {'q': 0.001, 'r': 1, 'x0': 0, 'p0': 1},
        {'q': 0.1, 'r': 0.5, 'x0': 2, 'p0': 10},
        {'q': 0, 'r': 2, 'x0': 0, 'p0': 0},
        {'q': 1e-6, 'r': 1e-3, 'x0': -3, 'p0': 1e6},
    ]
    cases = []
    for o in options:
        est, inn, var = kalman_reference(z, o['q'], o['r'], o['x0'], o['p0'])
        cases.append({'options': o, 'estimate': est, 'innovation': inn, 'innovationVariance': var})
    return {'z': floats(z), 'cases': cases}


# ---------------------------------------------------------------- k-sigma and ranks
def k_sigma_fixture():
    samples = {
        'normal n=1000': rng.normal(3, 2, 1000),
        'lognormal n=333': rng.lognormal(0, 1, 333),
        'single value': np.array([4.2]),
        'large offset n=100': 1e9 + rng.normal(0, 1e-3, 100),
    }
    cases = []
    for name, e in samples.items():
        for k in (0, 3, 5):
            cases.append({'name': name, 'errors': floats(e), 'k': k, 'mean': float(np.mean(e)),
                          'std': float(np.std(e)), 'threshold': float(np.mean(e) + k * np.std(e))})
    return {'cases': cases}


def ranks_fixture():
    inputs = [rng.normal(size=20), rng.integers(0, 5, 40).astype(float), np.array([2.0, 2.0, 2.0]),
              np.array([-0.0, 0.0, 1.0, -1.0, 1.0])]
    return {'cases': [{'values': floats(v), 'ranks': floats(stats.rankdata(v))} for v in inputs]}


if __name__ == '__main__':
    write('stats-normal.json', normal_fixture())
    write('stats-mann-kendall.json', mann_kendall_fixture())
    write('stats-wilcoxon.json', wilcoxon_fixture())
    write('stats-kalman.json', kalman_fixture())
    write('stats-k-sigma.json', k_sigma_fixture())
    write('stats-ranks.json', ranks_fixture())
