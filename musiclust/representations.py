"""Representations: audio latents, clip statistics, raw pixels, lyrics and their post-hoc fusion.

Every representation is a pair ``(keys, features)``: ``keys`` is a DataFrame
with ``track_id`` and ``chunk`` (-1 at track level), sorted, and row i of
``features`` belongs to row i of ``keys``. Everything joins on ``track_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from .config import InputError
from .io import read_vectors
from .split import read_split

KEYS = ["track_id", "chunk"]
TRACK_CHUNK = -1  # the ``chunk`` key of track-level rows


_TRACKS_PER_BLOCK = 64  # tracks summed at a time into track means

# How a track's chunk rows become its one row (:func:`pool_tracks`): each statistic over its chunks,
# per column, side by side. The mean alone loses how a song moves over time, which the clip
# statistics keep (their per-band spread); mean and std keep both, for every chunk representation alike.
TRACK_POOLING = ("mean", "std", "max", "min")

UNTRAINED = -1  # the training seed of a representation no model was trained for (pixels, statistics, lyrics)


@dataclass
class Representation:
    name: str
    level: str  # "chunk" or "track"
    keys: pd.DataFrame
    features: np.ndarray
    train_seed: int = UNTRAINED  # the seed of the model whose latents these are


def stack_seeds(per_seed) -> tuple[pd.DataFrame, np.ndarray]:
    """One latents table from ``(training seed, rows, latents)`` triples, in the order given: rows
    gain a ``seed`` column (the inverse of :func:`split_seeds`)."""
    frames, blocks = [], []
    for seed, rows, latents in per_seed:
        frames.append(rows.assign(seed=np.int32(seed)))
        blocks.append(latents)
    if not frames:
        raise ValueError("no models to encode with")
    return pd.concat(frames, ignore_index=True), np.concatenate(blocks)


def split_seeds(rows: pd.DataFrame, latents: np.ndarray) -> list[tuple[int, pd.DataFrame, np.ndarray]]:
    """One ``(training seed, rows, latents)`` per seed of a latents table with a ``seed`` column
    (as the encode stage writes), in seed order; a table without one is a single untrained source."""
    if "seed" not in rows:
        return [(UNTRAINED, rows, latents)]
    seeds = rows["seed"].to_numpy()
    out = []
    for seed in np.unique(seeds):
        mask = seeds == seed
        out.append((int(seed), rows.loc[mask].drop(columns="seed").reset_index(drop=True), latents[mask]))
    return out


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
    tracks, means = pool_tracks(chunk_rows, latents, ("mean",))
    rows = pd.concat([
        chunk_rows.assign(level="chunk"),
        pd.DataFrame({"track_id": tracks["track_id"].to_numpy(), "chunk": TRACK_CHUNK, "level": "track"}),
    ], ignore_index=True)[["level", "track_id", "chunk"]]
    rows["chunk"] = rows["chunk"].astype("int32")
    return rows, np.vstack([latents.astype(np.float32, copy=False), means])


def pool_tracks(keys: pd.DataFrame, x: np.ndarray, statistics=("mean",)) -> tuple[pd.DataFrame, np.ndarray]:
    """Chunk rows → one row per track: each of ``statistics`` (names in :data:`TRACK_POOLING`; std
    with ddof 0) over the track's chunks, per column, concatenated in that order → (keys of track
    rows sorted by track, float32 (n_tracks, d * len(statistics))). :func:`latents_to_frame` stores
    the track rows with ``("mean",)``; reading them back this way gives them bit for bit."""
    unknown = [s for s in statistics if s not in TRACK_POOLING]
    if unknown or not len(statistics):
        raise InputError(f"track pooling {list(statistics)}: each must be one of {list(TRACK_POOLING)}")
    track_ids = keys["track_id"].to_numpy()
    order = np.lexsort((keys["chunk"].to_numpy(), track_ids))
    x, track_ids = x[order], track_ids[order]
    tracks, first = np.unique(track_ids, return_index=True)
    bounds = np.append(first, len(x))
    parts = {name: np.empty((len(tracks), x.shape[1]), dtype=np.float64) for name in statistics}
    for start in range(0, len(tracks), _TRACKS_PER_BLOCK):  # a block of whole tracks in float64 at a time
        stop = min(start + _TRACKS_PER_BLOCK, len(tracks))
        block = x[bounds[start] : bounds[stop]].astype(np.float64)
        offsets = first[start:stop] - bounds[start]
        counts = np.diff(bounds[start : stop + 1])[:, None]
        mean = np.add.reduceat(block, offsets, axis=0) / counts
        for name in statistics:
            if name == "mean":
                parts[name][start:stop] = mean
            elif name == "std":
                deviation = block - np.repeat(mean, counts[:, 0], axis=0)
                parts[name][start:stop] = np.sqrt(np.add.reduceat(deviation ** 2, offsets, axis=0) / counts)
            else:
                parts[name][start:stop] = (np.maximum if name == "max" else np.minimum).reduceat(block, offsets, axis=0)
    pooled = np.hstack([parts[name].astype(np.float32) for name in statistics])
    return track_rows(tracks)[KEYS], pooled


def level_rows(rows: pd.DataFrame, latents: np.ndarray, level: str,
               pooling=("mean",)) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of one level, sorted by key: chunk rows as stored; track rows pooled from the
    source's chunk rows by ``pooling`` (:func:`pool_tracks`) where it has any, else as stored
    (a track-level source: the clip statistics)."""
    if level == "track" and (rows["level"] == "chunk").any():
        return pool_tracks(*select_level(rows, latents, "chunk"), pooling)
    return select_level(rows, latents, level)


def track_rows(track_ids) -> pd.DataFrame:
    """Keys of track-level-only rows (``level`` "track", ``chunk`` -1)."""
    rows = pd.DataFrame({"level": "track", "track_id": list(track_ids), "chunk": TRACK_CHUNK})
    rows["chunk"] = rows["chunk"].astype("int32")
    return rows


def track_source(track_ids, features: np.ndarray, fit_tracks=None) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-track features (e.g. the 43 clip statistics) as a track-level-only source, standardised
    by the mean and spread of the tracks ``fit_tracks`` (the training songs; None: every track)."""
    return track_rows(track_ids), standardise(features, _among(track_ids, fit_tracks))


def _among(track_ids, fit_tracks) -> np.ndarray | None:
    """The mask of ``track_ids`` in ``fit_tracks`` (None: None, every row)."""
    if fit_tracks is None:
        return None
    mask = np.isin(np.asarray(track_ids), np.asarray(fit_tracks))
    if not mask.any():
        raise InputError("none of these rows belongs to a training song: nothing to fit a standardiser on")
    return mask


def select_level(rows: pd.DataFrame, latents: np.ndarray, level: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of one level, sorted by key → (keys, features)."""
    mask = (rows["level"] == level).to_numpy()
    if not mask.any():
        raise ValueError(f"no rows at level {level!r}")
    keys = rows.loc[mask, KEYS].reset_index(drop=True)
    x = latents[mask]
    order = np.lexsort((keys["chunk"].to_numpy(), keys["track_id"].to_numpy()))
    return keys.iloc[order].reset_index(drop=True), x[order]


def standardise(x: np.ndarray, fit_rows: np.ndarray | None = None) -> np.ndarray:
    """Zero mean, unit variance per column, by the mean and spread of the rows ``fit_rows`` (a
    boolean mask; None: every row), so held-out rows never shape the scaling; constant columns
    become 0."""
    scaler = StandardScaler().fit(x if fit_rows is None else x[fit_rows])
    return scaler.transform(x).astype(np.float32)


def fuse(audio_keys: pd.DataFrame, audio: np.ndarray, lyric_ids: pd.Series,
         lyrics: np.ndarray, fit_tracks=None) -> tuple[pd.DataFrame, np.ndarray]:
    """The study's post-hoc hybrid: standardise each block (by the rows of the tracks
    ``fit_tracks``, the training songs; None: every row), concatenate by track_id.

    Rows whose track has no lyric embedding are dropped.
    """
    lyric_index = pd.Index(lyric_ids)
    pos = lyric_index.get_indexer(audio_keys["track_id"])
    keep = pos >= 0
    keys = audio_keys[keep].reset_index(drop=True)
    fit_rows = _among(keys["track_id"], fit_tracks)
    fused = np.hstack([standardise(audio[keep], fit_rows), standardise(lyrics[pos[keep]], fit_rows)])
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
    from .linalg import principal_coordinates  # torch: imported here, the report reads this module without it

    return principal_coordinates(x)


def build_representations(latents: dict[str, tuple[pd.DataFrame, np.ndarray]], lyric_ids: pd.Series | None,
                          lyrics: np.ndarray | None, levels=("chunk", "track"),
                          fit_tracks=None, track_pooling=("mean",)) -> list[Representation]:
    """Every representation at every level: each model alone, lyrics alone, each model + lyrics;
    a model's once per training seed (:func:`split_seeds`).

    Parameters
    ----------
    latents : {model name: (rows, latents) as returned by :func:`latents_to_frame`, with a
        ``seed`` column for trained models}
    lyric_ids, lyrics : track ids and their embeddings (N_tracks, D), or None when
        the corpus has no lyrics (lyric representations are then skipped).
    fit_tracks : the training songs, whose rows alone set the hybrids' standardisation (None: all)
    track_pooling : the statistics of a track's chunk rows that make its track row (:func:`level_rows`)
    """
    reps: list[Representation] = []
    for level in levels:
        keys_for_lyrics = None
        for name in sorted(latents):
            for seed, rows, z in split_seeds(*latents[name]):
                if not (rows["level"] == level).any():
                    continue  # e.g. clip statistics exist per track only
                keys, x = level_rows(rows, z, level, track_pooling)
                reps.append(Representation(name, level, keys, isometric_compact(x), seed))
                if lyrics is not None and len(lyrics):
                    fk, fx = fuse(keys, x, lyric_ids, lyrics, fit_tracks)
                    reps.append(Representation(f"{name}+lyrics", level, fk, isometric_compact(fx), seed))
                    keys_for_lyrics = keys
        if keys_for_lyrics is not None:
            lk, lx = lyrics_rows(keys_for_lyrics, lyric_ids, lyrics)
            reps.append(Representation("lyrics", level, lk, lx))
    return reps


@dataclass
class Features:
    """Rows a model learns from or encodes: keys, and the data row for each key.

    ``level`` is "chunk" for mel chunks (``data`` (N, n_mels, frames), memory-mapped)
    and "track" for per-track feature vectors (``data`` (N, F), standardised).
    ``keys`` is None for mel chunks read without their chunks.parquet (training needs no keys).
    """

    keys: pd.DataFrame | None
    data: np.ndarray
    level: str


def read_features(path, chunks=None, fit_tracks=None) -> Features:
    """Mel chunks (``mels.npy``, rows described by ``chunks``) or clip statistics (``.parquet``,
    standardised by the tracks ``fit_tracks``, the training songs; None: every track)."""
    path = Path(path)
    if path.suffix == ".npy":
        keys = None if chunks is None else pd.read_parquet(chunks)[KEYS]
        return Features(keys, np.load(path, mmap_mode="r"), "chunk")
    frame, stats = read_vectors(path, "stats")
    rows, standardised = track_source(frame["track_id"], stats, fit_tracks)
    return Features(rows[KEYS], standardised, "track")


def subset_features(features: Features, track_ids) -> Features:
    """The rows of ``features`` whose track is in ``track_ids`` (read into memory), in their order."""
    if features.keys is None:
        raise InputError("choosing rows by song needs the keys of the rows (chunks.parquet for mels.npy)")
    rows = np.flatnonzero(np.isin(features.keys["track_id"].to_numpy(), np.asarray(track_ids)))
    return Features(features.keys.iloc[rows].reset_index(drop=True), np.asarray(features.data[rows]), features.level)


def read_latents(files) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """{model name (the file's stem): (rows, latents)} for exactly the latents files named.

    Every ``.parquet`` file in their folders must be one of them: a stray file (a model no
    longer in the params, a copy) stops the reading with an :class:`InputError` naming it,
    rather than being clustered unannounced or silently left out.
    """
    files = [Path(f) for f in files]
    if not files:
        raise InputError("latents: no latents files named: run the encode stages first")
    for f in files:
        if not f.is_file():
            raise InputError(f"{f}: latents file not found: run its encode stage first")
    named = {f.resolve() for f in files}
    for folder in sorted({f.parent for f in files}):
        stray = sorted(p for p in folder.glob("*.parquet") if p.resolve() not in named)
        if stray:
            raise InputError(f"{stray[0]}: a latents file no parameter names (named: "
                             f"{', '.join(sorted(f.name for f in files))}); remove it or add its model to the params")
    stems = [f.stem for f in files]
    duplicate = sorted({s for s in stems if stems.count(s) > 1})
    if duplicate:
        raise InputError(f"latents: {duplicate[0]} is named twice")
    return {f.stem: read_vectors(f, "z") for f in sorted(files)}


def track_sample(track_ids: np.ndarray, max_rows: int, seed: int) -> np.ndarray | None:
    """Rows (sorted) of a seeded sample of whole tracks holding at most ``max_rows`` rows, or None
    when every row fits. Tracks are drawn in a seeded order and kept while their rows fit."""
    if len(track_ids) <= max_rows:
        return None
    tracks, counts = np.unique(track_ids, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(tracks))
    kept = order[np.cumsum(counts[order]) <= max_rows]
    if not len(kept):
        raise ValueError(f"no whole track fits in {max_rows} rows (the smallest has {counts.min()})")
    return np.flatnonzero(np.isin(track_ids, tracks[kept]))


def raw_pixels(mels, chunks, max_chunks: int | None = None,
               seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, dict | None]:
    """The study's raw-spectrogram baseline, read from ``mels.npy`` in place: flattened pixels
    per chunk, and their mean per track, as :func:`latents_to_frame` rows.

    With more than ``max_chunks`` chunks only a seeded sample of whole tracks holding at most
    that many is read (:func:`track_sample`), so memory stays bounded however large the corpus.

    Returns
    -------
    rows, pixels : as :func:`latents_to_frame`
    sample : None when every chunk was read, else ``{"tracks", "chunks"}`` read ``"of_tracks",
        "of_chunks"``
    """
    images = np.load(mels, mmap_mode="r")
    keys = pd.read_parquet(chunks)[KEYS]
    rows = None if max_chunks is None else track_sample(keys["track_id"].to_numpy(), max_chunks, seed)
    if rows is None:
        return (*latents_to_frame(keys, np.asarray(images, dtype=np.float32).reshape(len(images), -1)), None)
    sample = {"tracks": int(keys["track_id"].iloc[rows].nunique()), "chunks": len(rows),
              "of_tracks": int(keys["track_id"].nunique()), "of_chunks": len(keys)}
    picked = np.asarray(images[rows], dtype=np.float32)  # only the sampled rows leave the file
    return (*latents_to_frame(keys.iloc[rows].reset_index(drop=True), picked.reshape(len(rows), -1)), sample)


def read_lyrics(path) -> tuple[pd.Series | None, np.ndarray | None]:
    """Track ids and lyric embeddings, or (None, None) for a corpus without lyrics."""
    path = Path(path)
    if not path.exists():
        return None, None
    frame, vectors = read_vectors(path, "embedding")
    if frame.empty:
        return None, None
    return frame["track_id"], vectors


@dataclass
class Corpus:
    """Everything the clustering and scoring of one corpus read, joined on ``track_id``."""

    tracks: pd.DataFrame
    status: pd.DataFrame
    latents: dict[str, tuple[pd.DataFrame, np.ndarray]]     # each model's latents (every seed), and the raw pixels
    clipstats: dict[str, tuple[pd.DataFrame, np.ndarray]]   # {"clipstats": ...} where they exist
    lyric_ids: pd.Series | None
    lyrics: np.ndarray | None
    raw_sample: dict | None = None  # the tracks the raw pixels were read for, when not all (:func:`raw_pixels`)
    split: pd.Series | None = None  # train / validation / test by track_id (:mod:`musiclust.split`); None: all train
    track_pooling: tuple[str, ...] = ("mean",)  # how chunk rows make a track's row (:func:`pool_tracks`)

    @property
    def fit_tracks(self) -> np.ndarray | None:
        """The training songs (None: every song trains)."""
        return None if self.split is None else np.sort(self.split.index[self.split.to_numpy() == "train"].to_numpy())

    def representations(self) -> list[Representation]:
        return build_representations({**self.latents, **self.clipstats}, self.lyric_ids, self.lyrics,
                                     fit_tracks=self.fit_tracks, track_pooling=self.track_pooling)


def read_corpus(*, tracks, status=None, latents, mels, chunks, clipstats, lyrics,
                raw_max_chunks: int | None = None, seed: int = 0, split=None, track_pooling=("mean",)) -> Corpus:
    """Read a corpus's labels, per-track status (none: an empty table, for clustering, which
    needs none) and every representation's source from files: the latents files named in
    ``latents`` (:func:`read_latents`), the raw pixels of at most ``raw_max_chunks`` chunks (a
    sample of tracks seeded by ``seed`` beyond it: :func:`raw_pixels`), and the held-out split
    (``split.parquet``: :func:`musiclust.split.read_split`; None: every song trains). A track's row
    pools its chunk rows by ``track_pooling`` (:func:`pool_tracks`)."""
    split_of = None if split is None else read_split(split)
    fit_tracks = None if split_of is None else split_of.index[split_of.to_numpy() == "train"].to_numpy()
    *raw, raw_sample = raw_pixels(mels, chunks, raw_max_chunks, seed)
    sources = {**read_latents(latents), "raw": tuple(raw)}
    stats = {}
    if Path(clipstats).exists():
        frame, values = read_vectors(clipstats, "stats")
        stats["clipstats"] = track_source(frame["track_id"], values, fit_tracks)
    status = pd.DataFrame(columns=["track_id", "status", "n_chunks"]) if status is None else pd.read_parquet(status)
    return Corpus(pd.read_parquet(tracks), status, sources, stats, *read_lyrics(lyrics),
                  raw_sample=raw_sample, split=split_of, track_pooling=tuple(track_pooling))
