"""Clustering algorithms on representations (:mod:`musiclust.representations`).

Algorithms see only the features; scores join back through the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import pairwise_distances

from .arrays import seeded_rows
from .chance import stable_seed
from .config import check, check_seed
from .representations import Representation


@dataclass(frozen=True)
class ClusterParams:
    kmeans_seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    kmeans_n_init: int = 10
    agglomerative_linkage: Literal["ward", "average", "complete", "single"] = "ward"
    dbscan_min_samples: int = 5
    dbscan_eps_quantile: float = 0.5
    k_without_labels: list[int] = field(default_factory=lambda: [2, 4, 8])
    null_draws: int = 200        # shuffles per permutation null (0: no nulls)
    null_seed: int = 0
    # beyond this many rows, agglomerative, DBSCAN, the silhouette and the raw pixels see a seeded sample
    max_quadratic_rows: int = 5000

    def validate(self, key: str) -> None:
        check(len(self.kmeans_seeds) >= 1, f"{key}.kmeans_seeds", "needs at least one seed")
        for i, seed in enumerate(self.kmeans_seeds):
            check_seed(seed, f"{key}.kmeans_seeds[{i}]")
        check(self.null_draws == 0 or self.null_draws >= 100, f"{key}.null_draws",
              "must be 0 (no nulls) or >= 100 for a 95th percentile worth reading")
        check_seed(self.null_seed, f"{key}.null_seed")
        for i, k in enumerate(self.k_without_labels):
            check(k >= 2, f"{key}.k_without_labels[{i}]", f"a clustering needs k >= 2, got {k}")
        check(self.kmeans_n_init >= 1, f"{key}.kmeans_n_init", "must be >= 1")
        check(self.dbscan_min_samples >= 2, f"{key}.dbscan_min_samples", "must be >= 2")
        check(0 < self.dbscan_eps_quantile < 1, f"{key}.dbscan_eps_quantile",
               "must be strictly between 0 and 1")
        check(self.max_quadratic_rows >= 100, f"{key}.max_quadratic_rows", "must be >= 100")


def quadratic_part(rep: Representation, params: ClusterParams) -> Representation | None:
    """The rows the quadratic algorithms (agglomerative, DBSCAN, the silhouette: N x N distances)
    see: None when the representation has at most ``max_quadratic_rows`` rows (they see it all),
    else a sample of that many rows, seeded by the representation's name and level only, so every
    training seed of one representation is sampled on the same rows (in their stored order)."""
    rows = seeded_rows(len(rep.features), params.max_quadratic_rows,
                       stable_seed(params.null_seed, "quadratic", rep.name, rep.level))
    if rows is None:
        return None
    return Representation(rep.name, rep.level, rep.keys.iloc[rows].reset_index(drop=True), rep.features[rows],
                          rep.train_seed)


def kmeans(x: np.ndarray, k: int, *, seed: int, n_init: int = 10) -> np.ndarray:
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(x).astype(np.int32)


def agglomerative(x: np.ndarray, k: int, *, linkage: str = "ward") -> np.ndarray:
    return AgglomerativeClustering(n_clusters=k, linkage=linkage).fit_predict(x).astype(np.int32)


def dbscan_eps(distances: np.ndarray, min_samples: int, quantile: float) -> float:
    """A scale-free eps: the given quantile of each point's distance to its min_samples-th neighbour."""
    k = min(min_samples, len(distances) - 1)
    kth = np.partition(distances, k, axis=1)[:, k]
    eps = float(np.quantile(kth, quantile))
    return eps if eps > 0 else float(np.finfo(np.float32).eps)


def dbscan(distances: np.ndarray, *, min_samples: int, eps_quantile: float) -> np.ndarray:
    """DBSCAN on precomputed distances; -1 marks noise."""
    eps = dbscan_eps(distances, min_samples, eps_quantile)
    return DBSCAN(eps=eps, min_samples=min_samples, metric="precomputed").fit_predict(distances).astype(np.int32)


def distances(x: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix (N, N), computed once and shared by DBSCAN and the silhouette."""
    return pairwise_distances(x.astype(np.float64), metric="euclidean")


ASSIGNMENT_COLUMNS = ["representation", "level", "algorithm", "k", "train_seed", "seed", "track_id", "chunk",
                      "cluster"]
_INT_COLUMNS = {"k": "int32", "train_seed": "int32", "seed": "int32", "chunk": "int32", "cluster": "int32"}


def ks_for(targets: dict[str, pd.Series], k_without_labels: list[int]) -> list[int]:
    """k = the number of classes of each label; a corpus without labels uses ``k_without_labels``."""
    return sorted({int(t.nunique()) for t in targets.values()}) or sorted(set(k_without_labels))


def cluster_representation(rep: Representation, ks: list[int], params: ClusterParams,
                           dist: np.ndarray | None = None, quadratic: Representation | None = None) -> pd.DataFrame:
    """KMeans (each seed) and agglomerative clustering for every k, and DBSCAN, on one representation.

    Parameters
    ----------
    dist : the distance matrix (:func:`distances`) of the rows DBSCAN sees, computed here when not given
    quadratic : the sample agglomerative clustering and DBSCAN see instead of every row
        (:func:`quadratic_part`), or None; their assignments then cover the sample's rows only

    Returns
    -------
    assignments : DataFrame with columns ``ASSIGNMENT_COLUMNS``; ``train_seed`` is the
        representation's (-1 untrained); ``k`` is 0 and ``seed`` (the KMeans seed) -1 where
        they do not apply; ``cluster`` -1 is DBSCAN noise.
    """
    quad = quadratic or rep
    runs = []
    for k in sorted(set(ks)):
        if not 2 <= k < len(rep.features):
            continue
        for seed in params.kmeans_seeds:
            runs.append(("kmeans", k, seed, rep, kmeans(rep.features, k, seed=seed, n_init=params.kmeans_n_init)))
        runs.append(("agglomerative", k, -1, quad,
                     agglomerative(quad.features, k, linkage=params.agglomerative_linkage)))
    if len(quad.features) > params.dbscan_min_samples:
        labels = dbscan(distances(quad.features) if dist is None else dist,
                        min_samples=params.dbscan_min_samples, eps_quantile=params.dbscan_eps_quantile)
        runs.append(("dbscan", 0, -1, quad, labels))
    parts = []
    for algorithm, k, seed, rows, labels in runs:
        part = rows.keys.copy()
        part.insert(0, "representation", rep.name)
        part.insert(1, "level", rep.level)
        part.insert(2, "algorithm", algorithm)
        part.insert(3, "k", k)
        part.insert(4, "train_seed", rep.train_seed)
        part.insert(5, "seed", seed)
        part["cluster"] = labels
        parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int32" if c in _INT_COLUMNS else object) for c in ASSIGNMENT_COLUMNS})
    out = pd.concat(parts, ignore_index=True)[ASSIGNMENT_COLUMNS]
    return out.astype(_INT_COLUMNS)
