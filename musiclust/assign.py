"""New tracks assigned to the clusters a pipeline learned: the same out-of-sample rule as the
held-out songs (:func:`musiclust.cluster.assign_nearest`), for a folder of audio files.

The learned clusters are the training songs' rows of one clustering (representation, level,
algorithm, k, training seed, clustering seed) in ``assignments.parquet`` and their latents; a new
track is decoded with the corpus's spectrogram recipe, encoded by the same trained model and
given the cluster whose training centroid is nearest. Audio representations only: a new track
has no lyric embedding of the corpus's lyric model unless it is computed, so hybrids are refused.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .cluster import assign_nearest
from .config import InputError
from .datasets.folder import read_folder
from .features import corpus_features
from .mel_config import MelConfig
from .representations import Features, level_rows, split_seeds


@dataclass(frozen=True)
class Clustering:
    """Which learned clustering to assign to (a row group of ``assignments.parquet``)."""

    representation: str
    level: str = "track"
    algorithm: str = "kmeans"
    k: int = 0             # 0: the only k the representation was clustered with, else an error naming them
    train_seed: int = 0
    seed: int = 0          # the clustering seed (-1 for an unseeded algorithm)


def training_rows(assignments: pd.DataFrame, clustering: Clustering) -> pd.DataFrame:
    """The assignments of one clustering's training rows (the rows its algorithm was fit on)."""
    c = clustering
    mine = assignments[(assignments["representation"] == c.representation) & (assignments["level"] == c.level)
                       & (assignments["algorithm"] == c.algorithm) & (assignments["train_seed"] == c.train_seed)
                       & (assignments["seed"] == c.seed) & (assignments["split"] == "train")]
    if mine.empty:
        raise InputError(f"assignments: no training rows of {c.representation} ({c.level}, {c.algorithm}, training "
                         f"seed {c.train_seed}, clustering seed {c.seed})")
    ks = sorted(int(v) for v in mine["k"].unique())
    k = c.k or (ks[0] if len(ks) == 1 else None)
    if k not in ks:
        raise InputError(f"assignments: {c.representation} was clustered with k in {ks}: choose one")
    return mine[mine["k"] == k]


def learned_clusters(assignments: pd.DataFrame, rows: pd.DataFrame, latents: np.ndarray,
                     clustering: Clustering, track_pooling=("mean",)) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``(keys, features, labels)`` of the training rows of one clustering: the rows its algorithm
    was fit on, their latents (a latents table as the encode stage writes it; track rows pooled by
    ``track_pooling``, as the cluster stage pooled them) and their clusters."""
    c = clustering
    mine = training_rows(assignments, c)
    per_seed = {seed: (r, z) for seed, r, z in split_seeds(rows, latents)}
    if c.train_seed not in per_seed:
        raise InputError(f"latents: no training seed {c.train_seed} (have {sorted(per_seed)})")
    keys, features = level_rows(*per_seed[c.train_seed], c.level, track_pooling)
    position = pd.MultiIndex.from_frame(keys[["track_id", "chunk"]])
    wanted = pd.MultiIndex.from_frame(mine[["track_id", "chunk"]])
    index = position.get_indexer(wanted)
    if (index < 0).any():
        raise InputError("assignments and latents disagree: a clustered row has no latent (re-run the pipeline)")
    return mine[["track_id", "chunk"]].reset_index(drop=True), features[index], mine["cluster"].to_numpy()


def assign_folder(folder, *, encoder, kind: str, clustering: Clustering, assignments: pd.DataFrame,
                  rows: pd.DataFrame, latents: np.ndarray, mel: MelConfig, progress: bool = True,
                  track_pooling=("mean",)) -> pd.DataFrame:
    """Every audio file under ``folder`` (:func:`musiclust.datasets.folder.read_folder`) decoded with
    ``mel``, encoded by ``encoder`` (a trained model of ``kind``: :func:`musiclust.models.load_model`)
    and assigned to the learned clusters of ``clustering`` (a track's row: its chunk rows pooled by
    ``track_pooling``, the cluster stage's ``cluster.track_pooling``).

    Returns
    -------
    One row per track (at chunk level, per chunk): ``track_id``, ``path``, ``chunk`` (-1 for a
    track), ``status`` (ok, or skipped: too short, undecodable) and ``cluster`` (-1 where skipped).
    """
    from .models import ModelInputs, encode_seeds, kind_of  # torch: imported when used

    if "mels" not in kind_of(kind).inputs or len(kind_of(kind).inputs) != 1:
        raise InputError(f"a {kind} model does not read audio alone: new tracks are assigned by audio models only")
    tracks = read_folder(folder)
    _, fitted, labels = learned_clusters(assignments, rows, latents, clustering, track_pooling)
    with tempfile.TemporaryDirectory() as tmp:
        features = corpus_features(tracks, Path(folder), mel, Path(tmp) / "mels.npy", progress=progress)
        mels = Features(features.chunks[["track_id", "chunk"]], np.load(Path(tmp) / "mels.npy"), "chunk")
        encoded = encode_seeds(kind, {clustering.train_seed: encoder}, ModelInputs(mels=mels, given=frozenset({"mels"})),
                               progress=progress)[""]
    keys, x = level_rows(*_drop_seed(*encoded), clustering.level, track_pooling)
    out = keys.assign(cluster=assign_nearest(fitted, labels, x))
    status = features.status[["track_id", "status"]]
    out = status.merge(out, on="track_id", how="left").merge(tracks[["track_id", "path"]], on="track_id")
    out["cluster"] = out["cluster"].fillna(-1).astype("int32")
    out["chunk"] = out["chunk"].fillna(-1).astype("int32")
    return out[["track_id", "path", "chunk", "status", "cluster"]].sort_values(["track_id", "chunk"],
                                                                             ignore_index=True)


def _drop_seed(rows: pd.DataFrame, latents: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    return rows.drop(columns="seed"), latents


def cluster_profile(assignments: pd.DataFrame, tracks: pd.DataFrame, clustering: Clustering,
                    labels=("language", "genre")) -> pd.DataFrame:
    """What each learned cluster holds: per cluster, its training rows and, for each label the
    corpus has, the most common value among them and that value's share."""
    rows = training_rows(assignments, clustering)[["track_id", "cluster"]].merge(tracks, on="track_id")
    out = rows.groupby("cluster").size().rename("training_rows").to_frame()
    for label in labels:
        if label in rows and rows[label].notna().any():
            counts = rows.groupby("cluster")[label].value_counts(normalize=True)
            top = counts.groupby(level=0).head(1).reset_index(level=1)
            out[f"top_{label}"], out[f"top_{label}_share"] = top[label], top["proportion"].round(3)
    return out.reset_index()
