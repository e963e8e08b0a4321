"""Chance levels: what a score is worth against clusterings that know nothing.

A permutation null keeps a clustering's cluster sizes and shuffles which item is in which
cluster: the scores of those shuffles are what the same-sized clusters earn by chance
(NMI in particular is biased upwards when clusters are many and small). Label floors give,
for a crossed target such as language x genre, the score of a clustering that is exactly
one of the two labels.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.optimize import linear_sum_assignment

NULL_METRICS = ("nmi", "ari", "accuracy")


def _contingency(true_codes: np.ndarray, pred_codes: np.ndarray, n_true: int, n_pred: int) -> np.ndarray:
    return np.bincount(true_codes * n_pred + pred_codes, minlength=n_true * n_pred).reshape(n_true, n_pred)


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def accuracy_from_contingency(table: np.ndarray) -> float:
    """Accuracy after the one-to-one cluster→class matching that maximises it (Hungarian)."""
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / table.sum())


def scores_from_contingency(table: np.ndarray) -> dict[str, float]:
    """NMI (arithmetic normalisation, as sklearn's default), ARI and Hungarian accuracy of a
    contingency table (classes x clusters), without recomputing it from labels."""
    n = table.sum()
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    nz = table > 0
    outer = np.outer(rows, cols)[nz]
    mi = float((table[nz] / n * (np.log(table[nz]) + np.log(n) - np.log(outer))).sum())
    h_true, h_pred = _entropy(rows), _entropy(cols)
    nmi = 1.0 if h_true == h_pred == 0 else max(mi, 0.0) / max((h_true + h_pred) / 2, np.finfo(float).eps)

    def pairs(x):
        return (x * (x - 1) / 2).sum()

    index, expected = pairs(table), pairs(rows) * pairs(cols) / pairs(np.array([n]))
    top = (pairs(rows) + pairs(cols)) / 2
    ari = 1.0 if top == expected else float((index - expected) / (top - expected))
    return {"nmi": float(nmi), "ari": ari, "accuracy": accuracy_from_contingency(table)}


def stable_seed(*parts) -> int:
    """A seed that depends only on ``parts`` (not on Python's per-process string hashing)."""
    return zlib.crc32("/".join(map(str, parts)).encode("utf-8"))


def permutation_null(y_true, clusterings: list, *, draws: int = 200, seed: int = 0) -> dict[str, float]:
    """Mean and 95th percentile of each score over ``draws`` shuffles of the given clusterings.

    Parameters
    ----------
    y_true : array (N,), the class of each item
    clusterings : list of arrays (N,), e.g. one per KMeans seed; the draws are spread over them
        in turn, so the null keeps each run's cluster sizes
    draws : int >= 1
    seed : seeds the shuffles

    Returns
    -------
    ``{"<metric>_null_mean", "<metric>_null_p95"}`` for NMI, ARI and accuracy

    Examples
    --------
    >>> null = permutation_null(np.repeat([0, 1], 50), [np.tile([0, 1], 50)], draws=200, seed=0)
    >>> 0 <= null["nmi_null_mean"] < null["nmi_null_p95"] < 0.1
    True
    """
    classes, true_codes = np.unique(np.asarray(y_true), return_inverse=True)
    coded = [np.unique(np.asarray(labels), return_inverse=True) for labels in clusterings]
    rng = np.random.default_rng(seed)
    scores = {m: np.empty(draws) for m in NULL_METRICS}
    for i in range(draws):
        clusters, pred = coded[i % len(coded)]
        table = _contingency(true_codes, rng.permutation(pred), len(classes), len(clusters))
        for metric, value in scores_from_contingency(table).items():
            scores[metric][i] = value
    out = {}
    for metric, values in scores.items():
        out[f"{metric}_null_mean"] = float(values.mean())
        out[f"{metric}_null_p95"] = float(np.percentile(values, 95))
    return out


def label_floors(language, genre) -> dict[str, dict[str, float]]:
    """Scores against language x genre of a clustering that is exactly the language, or exactly the
    genre: what a representation earns on the crossed target by knowing one label only."""
    crossed = np.char.add(np.char.add(np.asarray(language, dtype=str), "/"), np.asarray(genre, dtype=str))
    _, true_codes = np.unique(crossed, return_inverse=True)
    out = {}
    for name, labels in (("language", language), ("genre", genre)):
        clusters, pred = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
        table = _contingency(true_codes, pred, true_codes.max() + 1, len(clusters))
        out[f"{name}_only"] = scores_from_contingency(table)
    return out
