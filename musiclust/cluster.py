"""Clustering algorithms on representations (:mod:`musiclust.representations`), as a registry.

Algorithms see only the features; scores join back through the keys. Every algorithm is one
entry of :data:`ALGORITHMS`: what runs, which files list it and how it is scored follow from there.
With held-out songs (:mod:`musiclust.split`) every algorithm is fit on the training songs' rows and
the other songs' rows are assigned out of sample (:func:`assign_nearest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Literal

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN, HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from .arrays import seeded_rows
from .config import check, check_seed
from .representations import TRACK_POOLING, Corpus, Representation
from .seeding import stable_seed


@dataclass(frozen=True)
class ClusterParams:
    algorithms: list[str] = field(default_factory=lambda: list(ALGORITHMS))  # names in ALGORITHMS, run in its order
    kmeans_seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])  # every seeded algorithm's seeds
    kmeans_n_init: int = 10
    agglomerative_linkage: Literal["ward", "average", "complete", "single"] = "ward"
    dbscan_min_samples: int = 5
    dbscan_eps_quantile: float = 0.5
    gmm_covariance: Literal["diag", "spherical", "tied", "full"] = "diag"
    gmm_n_init: int = 1
    spectral_n_neighbors: int = 15
    hdbscan_min_cluster_fraction: float = 0.02
    k_without_labels: list[int] = field(default_factory=lambda: [2, 4, 8])
    # beyond this many rows, the quadratic algorithms, the silhouette and the raw pixels see a seeded sample
    max_quadratic_rows: int = 5000
    sample_seed: int = 0  # seeds those samples
    # a track's row: these statistics of its chunk rows, side by side (representations.TRACK_POOLING)
    track_pooling: list[str] = field(default_factory=lambda: ["mean", "std"])

    def validate(self, key: str) -> None:
        check(len(self.algorithms) >= 1, f"{key}.algorithms", f"needs at least one of {list(ALGORITHMS)}")
        for i, name in enumerate(self.algorithms):
            check(name in ALGORITHMS, f"{key}.algorithms[{i}]", f"{name!r} is not one of {list(ALGORITHMS)}")
        check(len(set(self.algorithms)) == len(self.algorithms), f"{key}.algorithms", "names must be distinct")
        check(len(self.kmeans_seeds) >= 1, f"{key}.kmeans_seeds", "needs at least one seed")
        for i, seed in enumerate(self.kmeans_seeds):
            check_seed(seed, f"{key}.kmeans_seeds[{i}]")
        for i, k in enumerate(self.k_without_labels):
            check(k >= 2, f"{key}.k_without_labels[{i}]", f"a clustering needs k >= 2, got {k}")
        check(self.kmeans_n_init >= 1, f"{key}.kmeans_n_init", "must be >= 1")
        check(self.dbscan_min_samples >= 2, f"{key}.dbscan_min_samples", "must be >= 2")
        check(0 < self.dbscan_eps_quantile < 1, f"{key}.dbscan_eps_quantile",
               "must be strictly between 0 and 1")
        check(self.gmm_n_init >= 1, f"{key}.gmm_n_init", "must be >= 1")
        check(self.spectral_n_neighbors >= 2, f"{key}.spectral_n_neighbors", "must be >= 2")
        check(0 < self.hdbscan_min_cluster_fraction < 0.5, f"{key}.hdbscan_min_cluster_fraction",
              "must be strictly between 0 and 0.5 (a share of the rows)")
        check(self.max_quadratic_rows >= 100, f"{key}.max_quadratic_rows", "must be >= 100")
        check_seed(self.sample_seed, f"{key}.sample_seed")
        check(isinstance(self.track_pooling, list) and len(self.track_pooling) >= 1, f"{key}.track_pooling",
              f"must be a list of one or more of {list(TRACK_POOLING)}")
        for i, name in enumerate(self.track_pooling):
            check(name in TRACK_POOLING, f"{key}.track_pooling[{i}]", f"{name!r} is not one of {list(TRACK_POOLING)}")
        check(len(set(self.track_pooling)) == len(self.track_pooling), f"{key}.track_pooling", "names must be distinct")


def quadratic_part(rep: Representation, params: ClusterParams) -> Representation | None:
    """The rows the quadratic algorithms (N x N distances or affinities) see: None when the
    representation has at most ``max_quadratic_rows`` rows (they see it all), else a sample of that
    many rows, seeded by ``sample_seed`` and the representation's name and level only, so every
    training seed of one representation is sampled on the same rows (in their stored order)."""
    rows = seeded_rows(len(rep.features), params.max_quadratic_rows,
                       stable_seed(params.sample_seed, "quadratic", rep.name, rep.level))
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


def gmm(x: np.ndarray, k: int, *, seed: int, covariance: str = "diag", n_init: int = 1) -> np.ndarray:
    """A Gaussian mixture of ``k`` components (k-means initialised), each row in its likeliest.
    Diagonal covariances by default: a full one has d(d+1)/2 numbers per component, more than a
    few hundred tracks can estimate in 64 or more dimensions."""
    model = GaussianMixture(n_components=k, covariance_type=covariance, n_init=n_init, random_state=seed,
                            reg_covar=1e-4)
    return model.fit_predict(x.astype(np.float64)).astype(np.int32)


def spectral(x: np.ndarray, k: int, *, seed: int, n_neighbors: int = 15) -> np.ndarray:
    """Spectral clustering of the symmetrised ``n_neighbors``-nearest-neighbour graph (no kernel
    width to tune: it adapts to the local density), its embedding labelled by seeded k-means:
    scikit-learn's ``SpectralClustering(affinity="nearest_neighbors")``, with the graph's
    eigenvectors from a dense eigendecomposition in torch (:func:`spectral_embedding`) instead of
    ARPACK, whose iterations round differently under each BLAS kernel a CPU selects.

    Identical rows (a song's lyric embedding repeated on each of its chunks) are one node of the
    graph and share its label: as separate nodes they tie the neighbour lists and make the graph's
    eigenspace degenerate, so that the labels would follow the last bits of the arithmetic."""
    distinct, node = np.unique(x, axis=0, return_inverse=True)
    if len(distinct) <= k:  # no k clusters to find: each distinct row is its own
        return node.ravel().astype(np.int32)
    maps = spectral_embedding(distinct, min(n_neighbors, len(distinct) - 1), k)
    with threadpool_limits(1):  # the same labels whatever threads the caller allows
        return kmeans(maps, k, seed=seed)[node.ravel()]


_EMBEDDINGS: dict = {}
DENSE_EIGEN_ROWS = 2000  # up to this many nodes a dense eigendecomposition (about a second), beyond LOBPCG


def spectral_embedding(x: np.ndarray, n_neighbors: int, k: int) -> np.ndarray:
    """The ``k`` eigenvectors of the smallest eigenvalues of the normalised Laplacian of the
    symmetrised k-nearest-neighbour graph of the rows of ``x`` (itself included, as scikit-learn's),
    divided by the square root of the degree, signs fixed: scikit-learn's spectral embedding. In
    float64 on one torch thread, so the same bits under any BLAS kernel: a dense eigendecomposition
    up to :data:`DENSE_EIGEN_ROWS` nodes, beyond it ``torch.lobpcg`` from a fixed start. Kept for
    the last few inputs, as the clustering of one representation asks again for each k and seed."""
    import hashlib

    import torch
    from scipy.sparse.csgraph import laplacian
    from sklearn.neighbors import kneighbors_graph

    from .linalg import one_torch_thread, sign_fixed

    dense = len(x) <= DENSE_EIGEN_ROWS
    key = (hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(), x.shape, x.dtype.str, n_neighbors,
           None if dense else k)
    if key not in _EMBEDDINGS:
        graph = kneighbors_graph(x, n_neighbors=n_neighbors, include_self=True)
        lap, degree = laplacian(0.5 * (graph + graph.T), normed=True, return_diag=True)
        with torch.no_grad(), one_torch_thread():
            if dense:
                _, vectors = torch.linalg.eigh(torch.from_numpy(lap.toarray().astype(np.float64)))
            else:
                lap = lap.tocoo()
                sparse = torch.sparse_coo_tensor(np.vstack([lap.row, lap.col]), lap.data.astype(np.float64),
                                                 lap.shape, check_invariants=True).coalesce()
                start = torch.from_numpy(np.random.default_rng(0).standard_normal((len(x), k + 5)))
                _, vectors = torch.lobpcg(sparse, k=k + 5, X=start, largest=False, niter=1000, tol=1e-8)
            maps = sign_fixed(vectors.T / torch.from_numpy(np.asarray(degree, dtype=np.float64))).T
        while len(_EMBEDDINGS) >= 4:
            _EMBEDDINGS.pop(next(iter(_EMBEDDINGS)))
        _EMBEDDINGS[key] = maps.numpy()
    return _EMBEDDINGS[key][:, :k]


def hdbscan(distances: np.ndarray, *, min_cluster_fraction: float) -> np.ndarray:
    """HDBSCAN on precomputed distances; the smallest cluster is a share of the rows (at least 5),
    so that at chunk level a cluster is more than one song's chunks; -1 marks noise."""
    size = max(5, int(round(min_cluster_fraction * len(distances))))
    return HDBSCAN(min_cluster_size=size, metric="precomputed", copy=True).fit_predict(distances).astype(np.int32)


def distances(x: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix (N, N), computed once and shared by DBSCAN, HDBSCAN and the
    silhouette; the same bits under any BLAS kernel (:func:`musiclust.linalg.euclidean_distances`)."""
    from .linalg import euclidean_distances

    return euclidean_distances(x)


Fit = Callable[..., np.ndarray]  # fit(features, *, k, seed, params, distances) -> labels (N,) int32, -1 noise


@dataclass(frozen=True)
class Algorithm:
    """One clustering algorithm of :data:`ALGORITHMS`.

    fit : ``fit(features, *, k, seed, params, distances)`` -> cluster labels (N,), -1 for noise;
        ``distances()`` gives the rows' distance matrix (computed once, on first call)
    needs_k : it is run for every k (one per label's class count); else once, with ``k`` 0,
        and scored against every label, with its noise fraction and cluster count
    quadratic : its cost grows with N x N: it sees the bounded sample (:func:`quadratic_part`)
    seeded : it is run once per seed of ``kmeans_seeds`` (``seed`` -1 otherwise)
    min_rows : fewer rows than ``min_rows(params)`` (of the rows it sees) and it is not run
    """

    fit: Fit
    needs_k: bool
    quadratic: bool
    seeded: bool
    min_rows: Callable[[ClusterParams], int] = lambda params: 0


ALGORITHMS: dict[str, Algorithm] = {
    "kmeans": Algorithm(lambda x, *, k, seed, params, distances: kmeans(x, k, seed=seed, n_init=params.kmeans_n_init),
                        needs_k=True, quadratic=False, seeded=True),
    "agglomerative": Algorithm(lambda x, *, k, seed, params, distances:
                               agglomerative(x, k, linkage=params.agglomerative_linkage),
                               needs_k=True, quadratic=True, seeded=False),
    "dbscan": Algorithm(lambda x, *, k, seed, params, distances:
                        dbscan(distances(), min_samples=params.dbscan_min_samples,
                               eps_quantile=params.dbscan_eps_quantile),
                        needs_k=False, quadratic=True, seeded=False,
                        min_rows=lambda params: params.dbscan_min_samples + 1),
    "gmm": Algorithm(lambda x, *, k, seed, params, distances:
                     gmm(x, k, seed=seed, covariance=params.gmm_covariance, n_init=params.gmm_n_init),
                     needs_k=True, quadratic=False, seeded=True),
    "spectral": Algorithm(lambda x, *, k, seed, params, distances:
                          spectral(x, k, seed=seed, n_neighbors=params.spectral_n_neighbors),
                          needs_k=True, quadratic=True, seeded=True),
    "hdbscan": Algorithm(lambda x, *, k, seed, params, distances:
                         hdbscan(distances(), min_cluster_fraction=params.hdbscan_min_cluster_fraction),
                         needs_k=False, quadratic=True, seeded=False, min_rows=lambda params: 6),
}


ASSIGNMENT_COLUMNS = ["representation", "level", "algorithm", "k", "train_seed", "seed", "track_id", "chunk",
                      "cluster", "split"]
_INT_COLUMNS = {"k": "int32", "train_seed": "int32", "seed": "int32", "chunk": "int32", "cluster": "int32"}


def ks_for(targets: dict[str, pd.Series], k_without_labels: list[int]) -> list[int]:
    """k = the number of classes of each label; a corpus without labels uses ``k_without_labels``."""
    return sorted({int(t.nunique()) for t in targets.values()}) or sorted(set(k_without_labels))


def _runs(rep: Representation, ks: list[int], params: ClusterParams, quad: Representation, dist) -> list[tuple]:
    """``(algorithm, k, seed, rows, labels)`` of every run on one representation: for each k the
    algorithms that need one, in registry order, then those that need none."""
    chosen = [(name, ALGORITHMS[name]) for name in ALGORITHMS if name in params.algorithms]
    runs = []

    def fit(name, algorithm, k):
        rows = quad if algorithm.quadratic else rep
        if len(rows.features) < algorithm.min_rows(params):
            return
        distances = dist if rows is quad else cache(lambda: _distances_of(rows))
        for seed in params.kmeans_seeds if algorithm.seeded else [-1]:
            runs.append((name, k, seed, rows,
                         algorithm.fit(rows.features, k=k, seed=seed, params=params, distances=distances)))

    for k in sorted(set(ks)):
        if 2 <= k < len(rep.features):
            for name, algorithm in chosen:
                if algorithm.needs_k:
                    fit(name, algorithm, k)
    for name, algorithm in chosen:
        if not algorithm.needs_k:
            fit(name, algorithm, 0)
    return runs


def _distances_of(rows: Representation) -> np.ndarray:
    return distances(rows.features)


def centroids(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(cluster ids, their centroids)``: the mean of each cluster's rows (noise, -1, left out)."""
    ids = np.unique(labels[labels >= 0])
    if not len(ids):
        return ids, np.zeros((0, features.shape[1]))
    return ids, np.stack([features[labels == i].astype(np.float64).mean(axis=0) for i in ids])


def assign_nearest(features: np.ndarray, labels: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Rows ``new`` assigned to the clusters of the fitted rows ``features`` (labels ``labels``):
    each to the cluster whose centroid is nearest. For KMeans this is its ``predict``; it is the
    inductive rule for the algorithms that have none (agglomerative, spectral, DBSCAN, HDBSCAN),
    and for a Gaussian mixture it assigns by distance, not likelihood. Without a cluster (all
    noise) every row is noise (-1). The distances are BLAS-free (the same bits on any CPU)."""
    from .linalg import euclidean_distances

    ids, centres = centroids(features, labels)
    if not len(ids) or not len(new):
        return np.full(len(new), -1, dtype=np.int32)
    return ids[np.argmin(euclidean_distances(new, centres), axis=1)].astype(np.int32)


def cluster_representation(rep: Representation, ks: list[int], params: ClusterParams,
                           dist: np.ndarray | None = None, quadratic: Representation | None = None,
                           fit_tracks=None) -> pd.DataFrame:
    """Every algorithm of ``params.algorithms`` on one representation: those needing k for every
    k in ``ks`` (each seed, for seeded ones), the others once. With ``fit_tracks`` (the training
    songs) the algorithms see those songs' rows only and the other rows are assigned to their
    clusters out of sample (:func:`assign_nearest`); ``quadratic`` and ``dist`` are then about the
    training rows.

    Parameters
    ----------
    dist : the distance matrix (:func:`distances`) of the rows the quadratic algorithms see,
        computed here when needed and not given
    quadratic : the sample the quadratic algorithms see instead of every row
        (:func:`quadratic_part`), or None; their assignments then cover the sample's rows only

    Returns
    -------
    assignments : DataFrame with columns ``ASSIGNMENT_COLUMNS``; ``train_seed`` is the
        representation's (-1 untrained); ``k`` is 0 and ``seed`` -1 where they do not apply;
        ``cluster`` -1 is noise (DBSCAN, HDBSCAN); ``split`` is "train" for the rows the
        algorithm was fit on, else the held-out row's split ("validation" or "test").
    """
    fitted, held_out = rep, None
    if fit_tracks is not None:
        in_fit = np.isin(rep.keys["track_id"].to_numpy(), np.asarray(fit_tracks))
        fitted, held_out = _rows(rep, np.flatnonzero(in_fit)), _rows(rep, np.flatnonzero(~in_fit))
    quad = quadratic or fitted
    shared = cache(lambda: _distances_of(quad) if dist is None else dist)
    parts = []
    for algorithm, k, seed, rows, labels in _runs(fitted, ks, params, quad, shared):
        part = _part(rep, algorithm, k, seed, rows.keys, labels, "train")
        parts.append(part)
        if held_out is not None and len(held_out.keys):
            parts.append(_part(rep, algorithm, k, seed, held_out.keys,
                               assign_nearest(rows.features, labels, held_out.features), None))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int32" if c in _INT_COLUMNS else object) for c in ASSIGNMENT_COLUMNS})
    out = pd.concat(parts, ignore_index=True)[ASSIGNMENT_COLUMNS]
    return out.astype(_INT_COLUMNS)


def _rows(rep: Representation, rows: np.ndarray) -> Representation:
    return Representation(rep.name, rep.level, rep.keys.iloc[rows].reset_index(drop=True), rep.features[rows],
                          rep.train_seed)


def _part(rep: Representation, algorithm: str, k: int, seed: int, keys: pd.DataFrame, labels: np.ndarray,
          split: str | None) -> pd.DataFrame:
    part = keys.copy()
    part.insert(0, "representation", rep.name)
    part.insert(1, "level", rep.level)
    part.insert(2, "algorithm", algorithm)
    part.insert(3, "k", k)
    part.insert(4, "train_seed", rep.train_seed)
    part.insert(5, "seed", seed)
    part["cluster"] = labels
    part["split"] = split or "held_out"
    return part


def grouped(reps: list[Representation]) -> list[list[Representation]]:
    """Representations grouped by (name, level), each group's training seeds in order: a
    representation's seeds are clustered, and scored, together."""
    groups: dict[tuple[str, str], list[Representation]] = {}
    for rep in reps:
        groups.setdefault((rep.name, rep.level), []).append(rep)
    return list(groups.values())


def cluster_corpus(corpus: Corpus, targets: dict[str, pd.Series], params: ClusterParams, *,
                   progress: bool = True) -> pd.DataFrame:
    """Every algorithm of ``params.algorithms`` on every representation (each training seed) and
    level, with k = each label's number of classes (``k_without_labels`` without labels).

    Returns the assignments (``ASSIGNMENT_COLUMNS``); a quadratic algorithm's cover the rows of
    its sample only, which is how the scoring knows which rows it saw.
    """
    ks = ks_for(targets, params.k_without_labels)
    fit_tracks = corpus.fit_tracks
    parts = []
    for members in tqdm(grouped(corpus.representations()), desc="cluster", unit="representation",
                        disable=not progress):
        for rep in members:
            fitted = rep if fit_tracks is None else \
                _rows(rep, np.flatnonzero(np.isin(rep.keys["track_id"].to_numpy(), fit_tracks)))
            parts.append(cluster_representation(rep, ks, params, quadratic=quadratic_part(fitted, params),
                                                fit_tracks=fit_tracks))
    out = pd.concat(parts, ignore_index=True)
    if corpus.split is not None:  # each held-out row's own split
        held = out["split"] == "held_out"
        out.loc[held, "split"] = corpus.split.reindex(out.loc[held, "track_id"]).to_numpy()
    return out
