#!/usr/bin/env python3
"""Writes test/fixtures/tiny-streams/ (a hand-built gen_streams.py-style set: 2 stations x 2 variables x 60 rows)
and test/fixtures/tiny-streams-score.json: the flags of a pretend server and harness.py's own score() of them
(load_dataset with --limit 50 and the default --shift-tol 2, and with --shift-tol 0), so stream-score.ts is
checked against the harness itself.

  /usr/bin/python3 packages/cli/scripts/generate_stream_score_fixture.py
"""
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "shared", "tools", "station-streams"))
import harness  # noqa: E402

OUT = os.path.join(HERE, "..", "test", "fixtures")
DATA = os.path.join(OUT, "tiny-streams")
STATIONS, VARIABLES, N, LIMIT = ["st1", "st2"], ["a", "b"], 60, 50
EVENTS = [  # (station, variable, kind, start, end, magnitude_sigma)
    ("st1", "a", "spike_pos", 5, 5, 4.0),
    ("st1", "a", "spike_neg", 10, 10, 20.0),
    ("st1", "a", "spike_pos", 30, 30, 20.0),
    ("st1", "b", "level_shift", 20, 22, 5.5),
    ("st1", "b", "level_shift", 40, 40, 3.1),
    ("st2", "a", "stuck", 2, 11, None),
    ("st2", "a", "burst", 45, 52, 9.0),      # clipped to row 49 by the limit
    ("st2", "b", "dropout", 55, 56, 2.0),    # dropped: starts past the limit
    ("st2", "b", "drift", 15, 34, 4.2),
]
FLAGS = [  # (station, variable, rows) as a server would report them, a duplicate included
    ("st1", "a", [5, 47, 31]),
    ("st1", "b", [22, 42, 43]),
    ("st2", "a", [3, 4, 4, 49]),
    ("st2", "b", [1, 34, 35]),
]


def main():
    os.makedirs(DATA, exist_ok=True)
    stamps = [f"2023-01-01 {i // 4:02d}:{15 * (i % 4):02d}:00" for i in range(N)]
    man = {"seed": 7, "digest": "0" * 64, "variables": VARIABLES, "stations": STATIONS, "files": {}, "events": []}
    for st in STATIONS:
        for var in VARIABLES:
            fname = f"{st}_{var}.csv"
            spans = [e for e in EVENTS if e[0] == st and e[1] == var]
            with open(os.path.join(DATA, fname), "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["timestamp", "value", "label", "anomaly_kind", "event_id"])
                for i, t in enumerate(stamps):
                    hit = [e for e in spans if e[3] <= i <= e[4]]
                    w.writerow([t, f"{(i % 7) * 0.5:.1f}", int(bool(hit)), hit[0][2] if hit else "", ""])
            man["files"][f"{st}/{var}"] = {"file": fname}
    for eid, (st, var, kind, s, e, mag) in enumerate(EVENTS):
        man["events"].append({"station": st, "variable": var, "id": eid, "kind": kind, "start": s, "end": e,
                              "magnitude_sigma": mag, "sigma_local": 1.0})
    with open(os.path.join(DATA, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)

    ds = harness.load_dataset(DATA, None, LIMIT)

    class Rec:  # what the harness's receiver recorded: (path, station id, variable, dates)
        outliers = [(None, "p" + st, var, [stamps[i] for i in rows]) for st, var, rows in FLAGS]

    expected = {"limit": LIMIT, "flags": [{"station": s, "variable": v, "rows": r} for s, v, r in FLAGS],
                "score": {str(tol): harness.score(ds, Rec, "p", tol) for tol in (2, 0)}}
    with open(os.path.join(OUT, "tiny-streams-score.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
