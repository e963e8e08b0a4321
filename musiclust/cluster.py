"""Representations (audio latents, lyrics, their post-hoc fusion) and clustering algorithms.

Every representation is a pair ``(keys, features)``: ``keys`` is a DataFrame
with ``track_id`` and ``chunk`` (-1 at track level), sorted, and row i of
``features`` belongs to row i of ``keys``. Algorithms see only the features;
scores join back through the keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import pairwise_distances
from sklearn.preprocessing import StandardScaler

KEYS = ["track_id", "chunk"]
TRACK_CHUNK = -1  # the ``chunk`` key of track-level rows


@dataclass
class Representation:
    name: str
    level: str  # "chunk" or "track"
    keys: pd.DataFrame
    features: np.ndarray


def latents_to_frame(keys: pd.DataFrame, latents: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Chunk-level latents → chunk rows plus track rows (the mean of each track's chunks).

    Returns
    -------
    rows : DataFrame with ``level``, ``track_id``, ``chunk`` (-1 for track rows), sorted
    latents : np.ndarray, float32, shape (len(rows), d)
    """
    chunk_rows = keys[KEYS].reset_index(drop=True).copy()
    order = np.lexsort((chunk_rows["chunk"].to_numpy(), chunk_rows["track_id"].to_numpy()))
    chunk_rows, latents = chunk_rows.iloc[order].reset_index(drop=True), latents[order]
    track_ids, first = np.unique(chunk_rows["track_id"].to_numpy(), return_index=True)
    sums = np.add.reduceat(latents.astype(np.float64), first, axis=0)
    counts = np.diff(np.append(first, len(latents)))[:, None]
    rows = pd.concat([
        chunk_rows.assign(level="chunk"),
        pd.DataFrame({"track_id": track_ids, "chunk": TRACK_CHUNK, "level": "track"}),
    ], ignore_index=True)[["level", "track_id", "chunk"]]
    rows["chunk"] = rows["chunk"].astype("int32")
    return rows, np.vstack([latents, sums / counts]).astype(np.float32)


def track_rows(track_ids) -> pd.DataFrame:
    """Keys of track-level-only rows (``level`` "track", ``chunk`` -1)."""
    rows = pd.DataFrame({"level": "track", "track_id": list(track_ids), "chunk": TRACK_CHUNK})
    rows["chunk"] = rows["chunk"].astype("int32")
    return rows


def track_source(track_ids, features: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-track features (e.g. the 43 clip statistics) as a track-level-only source, standardised."""
    return track_rows(track_ids), standardise(features)


def select_level(rows: pd.DataFrame, latents: np.ndarray, level: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of one level, sorted by key → (keys, features)."""
    mask = (rows["level"] == level).to_numpy()
    if not mask.any():
        raise ValueError(f"no rows at level {level!r}")
    keys = rows.loc[mask, KEYS].reset_index(drop=True)
    x = latents[mask]
    order = np.lexsort((keys["chunk"].to_numpy(), keys["track_id"].to_numpy()))
    return keys.iloc[order].reset_index(drop=True), x[order]


def standardise(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per column; constant columns become 0."""
    return StandardScaler().fit_transform(x).astype(np.float32)


def fuse(audio_keys: pd.DataFrame, audio: np.ndarray, lyric_ids: pd.Series,
         lyrics: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The study's post-hoc hybrid: standardise each block, concatenate by track_id.

    Rows whose track has no lyric embedding are dropped.
    """
    lyric_index = pd.Index(lyric_ids)
    pos = lyric_index.get_indexer(audio_keys["track_id"])
    keep = pos >= 0
    keys = audio_keys[keep].reset_index(drop=True)
    fused = np.hstack([standardise(audio[keep]), standardise(lyrics[pos[keep]])])
    return keys, fused


def lyrics_rows(keys: pd.DataFrame, lyric_ids: pd.Series, lyrics: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The lyric embedding of each row's track (repeated over a track's chunks, as the study did)."""
    pos = pd.Index(lyric_ids).get_indexer(keys["track_id"])
    keep = pos >= 0
    return keys[keep].reset_index(drop=True), lyrics[pos[keep]].astype(np.float32)


def isometric_compact(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` (N, D) with D > N re-expressed in N coordinates, all distances kept.

    Centred data span at most N dimensions; their SVD coordinates ``U S`` keep
    every pairwise distance and every centroid distance, so KMeans, Ward,
    DBSCAN and all scores are unchanged while running about D/N times faster
    (raw 16384-pixel spectrograms of 1000 chunks become 1000 numbers each).
    """
    n, d = x.shape
    if d <= n:
        return x
    centred = x.astype(np.float64) - x.mean(axis=0, dtype=np.float64)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    return (u * s).astype(np.float32)


def build_representations(latents: dict[str, tuple[pd.DataFrame, np.ndarray]], lyric_ids: pd.Series | None,
                          lyrics: np.ndarray | None, levels=("chunk", "track")) -> list[Representation]:
    """Every representation at every level: each model alone, lyrics alone, each model + lyrics.

    Parameters
    ----------
    latents : {model name: (rows, latents) as returned by :func:`latents_to_frame`}
    lyric_ids, lyrics : track ids and their embeddings (N_tracks, D), or None when
        the corpus has no lyrics (lyric representations are then skipped).
    """
    reps: list[Representation] = []
    for level in levels:
        keys_for_lyrics = None
        for name in sorted(latents):
            if not (latents[name][0]["level"] == level).any():
                continue  # e.g. clip statistics exist per track only
            keys, x = select_level(*latents[name], level)
            reps.append(Representation(name, level, keys, isometric_compact(x)))
            if lyrics is not None and len(lyrics):
                fk, fx = fuse(keys, x, lyric_ids, lyrics)
                reps.append(Representation(f"{name}+lyrics", level, fk, isometric_compact(fx)))
                keys_for_lyrics = keys
        if keys_for_lyrics is not None:
            lk, lx = lyrics_rows(keys_for_lyrics, lyric_ids, lyrics)
            reps.append(Representation("lyrics", level, lk, lx))
    return reps


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


ASSIGNMENT_COLUMNS = ["representation", "level", "algorithm", "k", "seed", "track_id", "chunk", "cluster"]


def cluster_all(reps: list[Representation], ks: list[int], *, kmeans_seeds: list[int], n_init: int,
                linkage: str, dbscan_min_samples: int, dbscan_eps_quantile: float,
                progress: bool = True) -> pd.DataFrame:
    """KMeans (each seed) and agglomerative clustering for every k, and DBSCAN, on every representation.

    Returns
    -------
    assignments : DataFrame with columns ``ASSIGNMENT_COLUMNS``; ``k`` is 0 and
        ``seed`` -1 where they do not apply; ``cluster`` -1 is DBSCAN noise.
    """
    from tqdm.auto import tqdm

    parts = []
    for rep in tqdm(reps, desc="cluster", unit="representation", disable=not progress):
        runs = []
        for k in sorted(set(ks)):
            if not 2 <= k < len(rep.features):
                continue
            for seed in kmeans_seeds:
                runs.append(("kmeans", k, seed, kmeans(rep.features, k, seed=seed, n_init=n_init)))
            runs.append(("agglomerative", k, -1, agglomerative(rep.features, k, linkage=linkage)))
        if len(rep.features) > dbscan_min_samples:
            labels = dbscan(distances(rep.features), min_samples=dbscan_min_samples,
                            eps_quantile=dbscan_eps_quantile)
            runs.append(("dbscan", 0, -1, labels))
        for algorithm, k, seed, labels in runs:
            part = rep.keys.copy()
            part.insert(0, "representation", rep.name)
            part.insert(1, "level", rep.level)
            part.insert(2, "algorithm", algorithm)
            part.insert(3, "k", k)
            part.insert(4, "seed", seed)
            part["cluster"] = labels
            parts.append(part)
    out = pd.concat(parts, ignore_index=True)[ASSIGNMENT_COLUMNS]
    return out.astype({"k": "int32", "seed": "int32", "chunk": "int32", "cluster": "int32"})
