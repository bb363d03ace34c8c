"""Reference scores for the Isolation Forest tests (packages/core/src/forest/isolation-forest.test.ts).

Run by hand with the system Python that has scikit-learn 1.2.1:

    /usr/bin/python3 packages/core/scripts/generate_forest_fixtures.py

Writes packages/core/test/fixtures/forest-univariate.json and forest-5d.json: a fixed data set with planted
outliers, query points, and the Isolation Forest score s(x) = -IsolationForest(...).score_samples(x) of
scikit-learn (which returns the negated score), averaged over several random_states to damp sklearn's own
randomness. `sklearnSpread` is the mean absolute difference between a single random_state and that average: the
noise floor any other implementation is compared against.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest

RANDOM_STATES = range(10)
OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures"


def sklearn_scores(train, queries):
    """Mean of -score_samples over RANDOM_STATES, and the seed-to-average spread."""
    if train.ndim == 1:
        train, queries = train.reshape(-1, 1), queries.reshape(-1, 1)
    runs = []
    for state in RANDOM_STATES:
        forest = IsolationForest(n_estimators=100, max_samples=256, random_state=state).fit(train)
        runs.append(-forest.score_samples(queries))
    runs = np.array(runs)
    mean = runs.mean(axis=0)
    spread = float(np.abs(runs - mean).mean())
    return mean, spread


def write(name, description, train, queries):
    train_scores, train_spread = sklearn_scores(train, train)
    query_scores, query_spread = sklearn_scores(train, queries)
    fixture = {
        "description": description,
        "generatedBy": "packages/core/scripts/generate_forest_fixtures.py",
        "sklearnVersion": sklearn.__version__,
        "call": "-IsolationForest(n_estimators=100, max_samples=256, random_state=s).fit(train).score_samples(x), "
        f"mean over s in {list(RANDOM_STATES)}",
        "train": train.tolist(),
        "trainScores": np.round(train_scores, 6).tolist(),
        "queries": queries.tolist(),
        "queryScores": np.round(query_scores, 6).tolist(),
        "sklearnSpread": round(max(train_spread, query_spread), 6),
    }
    (OUT / name).write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"{name}: spread {fixture['sklearnSpread']}")


def main():
    rng = np.random.default_rng(20240531)
    OUT.mkdir(parents=True, exist_ok=True)

    # Univariate: a river level around 10 with 2% planted spikes and drops.
    inliers = rng.normal(10.0, 2.0, 980)
    outliers = np.concatenate([rng.uniform(20.0, 30.0, 10), rng.uniform(-10.0, 0.0, 10)])
    train = np.round(rng.permutation(np.concatenate([inliers, outliers])), 4)
    queries = np.round(np.linspace(-15.0, 35.0, 201), 4)
    write(
        "forest-univariate.json",
        "980 N(10, 2) values and 20 planted outliers in [20, 30] and [-10, 0]; queries: a grid over [-15, 35]",
        train,
        queries,
    )

    # 5-D: correlated Gaussian cloud with 3% of rows shifted far along random directions.
    mixing = rng.normal(0.0, 1.0, (5, 5))
    inliers = rng.normal(0.0, 1.0, (582, 5)) @ mixing
    directions = rng.normal(0.0, 1.0, (18, 5))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    outliers = directions * rng.uniform(8.0, 12.0, (18, 1))
    train = np.round(rng.permutation(np.concatenate([inliers, outliers])), 4)
    queries = np.round(rng.normal(0.0, 1.0, (100, 5)) @ mixing * 1.5, 4)
    write(
        "forest-5d.json",
        "582 rows of a correlated 5-D Gaussian and 18 planted outliers at distance 8-12; queries: 100 rows of the "
        "same Gaussian scaled by 1.5",
        train,
        queries,
    )


if __name__ == "__main__":
    main()
