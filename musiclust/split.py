"""Held-out songs: a seeded, label-stratified split of a corpus's songs into training, validation
and test songs.

Models, standardisers, PCA and the cluster models learn from the training songs only; validation
songs choose settings (each model's epoch: the one with the lowest validation loss); test songs
are encoded and assigned to the learned clusters out of sample, and give the headline scores.
A song's chunks always stay together on one side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import InputError, check, check_seed
from .labels import targets_of
from .seeding import stable_seed

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class SplitParams:
    fractions: list[float] = field(default_factory=lambda: [0.6, 0.2, 0.2])  # train, validation, test
    seed: int = 0

    def validate(self, key: str) -> None:
        check(len(self.fractions) == 3, f"{key}.fractions", "expected [train, validation, test]")
        check(all(f >= 0 for f in self.fractions), f"{key}.fractions", "must not be negative")
        check(abs(sum(self.fractions) - 1) < 1e-9, f"{key}.fractions", f"must sum to 1, got {sum(self.fractions)}")
        check(self.fractions[0] > 0, f"{key}.fractions[0]", "the training share must be positive")
        check_seed(self.seed, f"{key}.seed")


def split_songs(tracks: pd.DataFrame, fractions, seed: int) -> pd.DataFrame:
    """``track_id`` and ``split`` (one of :data:`SPLITS`) of every track, sorted by track id.

    Stratified by the finest label the corpus has (language x genre, else the one label, else
    none): within each class the songs are shuffled (seeded by ``seed`` and the class name, so a
    class's split does not depend on the others) and cut by ``fractions``, rounding each share
    to the nearest song. A class keeps at least one training song; a class of fewer songs than
    shares gives its songs to training first.
    """
    if tracks.empty:
        raise InputError("split: the corpus has no tracks")
    if tracks["track_id"].duplicated().any():
        raise InputError(f"split: track {tracks['track_id'][tracks['track_id'].duplicated()].iloc[0]!r} is listed twice")
    ids = np.sort(tracks["track_id"].to_numpy())
    targets = targets_of(tracks)
    strata = next((targets[t] for t in ("language_genre", "genre", "language") if t in targets), None)
    classes = pd.Series("all", index=ids) if strata is None else strata.reindex(ids).astype(str)
    train_share, validation_share, _ = (float(f) for f in fractions)
    split = pd.Series("train", index=ids, dtype=object)
    for name in sorted(classes.unique()):
        members = np.sort(classes.index[classes.to_numpy() == name].to_numpy())
        order = members[np.random.default_rng(stable_seed(seed, "split", name)).permutation(len(members))]
        n = len(order)
        n_train = max(1, int(round(train_share * n)))
        n_validation = min(n - n_train, int(round(validation_share * n)))
        split[order[n_train : n_train + n_validation]] = "validation"
        split[order[n_train + n_validation :]] = "test"
    return pd.DataFrame({"track_id": ids, "split": split.to_numpy()})


def read_split(path) -> pd.Series:
    """``split`` by ``track_id`` from a split table (:func:`split_songs`), checked."""
    frame = pd.read_parquet(path)
    missing = {"track_id", "split"} - set(frame.columns)
    if missing:
        raise InputError(f"{path}: not a split table (missing {', '.join(sorted(missing))})")
    unknown = sorted(set(frame["split"]) - set(SPLITS))
    if unknown:
        raise InputError(f"{path}: split {unknown[0]!r} is not one of {list(SPLITS)}")
    return frame.set_index("track_id")["split"]


def tracks_in(split: pd.Series | None, name: str) -> np.ndarray | None:
    """The track ids of one split (sorted), or None without a split (every track then trains)."""
    if split is None:
        return None
    return np.sort(split.index[split.to_numpy() == name].to_numpy())
