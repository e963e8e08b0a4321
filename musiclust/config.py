"""Typed settings of the pipeline's steps, each able to validate itself.

The library takes these objects (or plain values); building them from a
configuration file is the caller's business. ``validate(key)`` raises
:class:`ConfigError` naming ``key.<field>`` for a bad value. The settings of
the spectrograms live in :class:`musiclust.audio.MelConfig`, those of each
model kind in its model file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


class ConfigError(ValueError):
    """A parameter is missing, unknown, or has a bad value; the message names it."""


def check(cond: bool, key: str, message: str) -> None:
    """Raise :class:`ConfigError` naming ``key`` unless ``cond`` holds."""
    if not cond:
        raise ConfigError(f"params: {key}: {message}")


@dataclass(frozen=True)
class SyntheticParams:
    layout: Literal["hblm", "gtzan"] = "hblm"
    design: Literal["study", "crossed"] = "study"   # hblm layout
    tracks_per_cell: int = 10                       # hblm layout, crossed design
    scale: float = 1.0                              # hblm layout, study design
    tracks_per_genre: int = 10                      # gtzan layout
    plant_unreadable: bool = True                   # gtzan layout: one undecodable file, as in GTZAN
    seed: int = 0
    sample_rate: int = 22050
    min_seconds: float = 30.0                       # track lengths are drawn in [min, max]
    max_seconds: float = 45.0                       # (gtzan layout: every clip is max_seconds long)
    audio_format: Literal["flac", "wav"] = "flac"

    def validate(self, key: str) -> None:
        check(self.tracks_per_cell >= 1, f"{key}.tracks_per_cell", "must be >= 1")
        check(self.tracks_per_genre >= 1, f"{key}.tracks_per_genre", "must be >= 1")
        check(self.scale > 0, f"{key}.scale", "must be > 0")
        check(self.sample_rate >= 8000, f"{key}.sample_rate", "must be >= 8000")
        check(0 < self.min_seconds <= self.max_seconds, f"{key}.min_seconds",
               "must be > 0 and <= max_seconds")


@dataclass(frozen=True)
class DatasetParams:
    format: Literal["synthetic", "hblm", "gtzan", "folder"] = "synthetic"
    source: str = ""          # https URL, local archive or local folder (real corpora)
    sha256: str = ""          # required with a URL
    labels_csv: str = ""      # folder format: optional CSV of labels and lyrics
    synthetic: SyntheticParams = field(default_factory=SyntheticParams)

    def validate(self, key: str) -> None:
        if self.format != "synthetic":
            check(bool(self.source), f"{key}.source",
                   f"format {self.format!r} needs a source: an https URL, an archive or a folder")
        if self.source.startswith(("https://", "http://")):
            digest = self.sha256.lower()
            check(len(digest) == 64 and all(c in "0123456789abcdef" for c in digest),
                   f"{key}.sha256", "a URL source needs its 64-hex-digit sha256")


@dataclass(frozen=True)
class ClipStatsParams:
    sample_rate: int = 22050
    crop_seconds: float = 30.0

    def validate(self, key: str) -> None:
        check(self.sample_rate >= 8000, f"{key}.sample_rate", "must be >= 8000")
        check(self.crop_seconds > 0, f"{key}.crop_seconds", "must be > 0")


@dataclass(frozen=True)
class LyricsParams:
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    batch_size: int = 32

    def validate(self, key: str) -> None:
        check(bool(self.model.strip()), f"{key}.model", "must name a model or a path")
        check(self.batch_size >= 1, f"{key}.batch_size", "must be >= 1")


@dataclass(frozen=True)
class ComputeParams:
    device: str = "auto"
    threads: int = 2

    def validate(self, key: str) -> None:
        check(self.device == "auto" or self.device.split(":")[0] in ("cpu", "cuda", "mps"),
               f"{key}.device", f"{self.device!r} is not auto, cpu, cuda[:n] or mps")
        check(self.threads >= 1, f"{key}.threads", "must be >= 1")


@dataclass(frozen=True)
class ClusterParams:
    kmeans_seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    kmeans_n_init: int = 10
    agglomerative_linkage: Literal["ward", "average", "complete", "single"] = "ward"
    dbscan_min_samples: int = 5
    dbscan_eps_quantile: float = 0.5
    k_without_labels: list[int] = field(default_factory=lambda: [2, 4, 8])

    def validate(self, key: str) -> None:
        check(len(self.kmeans_seeds) >= 1, f"{key}.kmeans_seeds", "needs at least one seed")
        check(self.kmeans_n_init >= 1, f"{key}.kmeans_n_init", "must be >= 1")
        check(self.dbscan_min_samples >= 2, f"{key}.dbscan_min_samples", "must be >= 2")
        check(0 < self.dbscan_eps_quantile < 1, f"{key}.dbscan_eps_quantile",
               "must be strictly between 0 and 1")


@dataclass(frozen=True)
class ReportParams:
    headline_model: str = "conv_bvae"
    tsne_seed: int = 0
    tsne_perplexity: float = 30.0
    n_reconstructions: int = 4

    def validate(self, key: str) -> None:
        check(self.n_reconstructions >= 1, f"{key}.n_reconstructions", "must be >= 1")
