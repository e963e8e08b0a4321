"""The log-mel recipe's settings, apart from the torch code that computes it (:mod:`musiclust.audio`),
so that readers of the features (the report) need not import torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .config import check


@dataclass(frozen=True)
class MelConfig:
    """The spectrogram recipe and how it is stored; the defaults are the study's."""

    sample_rate: int = 22050
    crop_seconds: float = 30.0
    chunk_seconds: float = 3.0
    min_seconds: float = 3.0      # shorter tracks are skipped with a reason
    n_mels: int = 128
    n_fft: int = 2048
    hop_length: int = 512
    frames: int = 128
    top_db: float = 80.0
    # chunk: the study's dB relative to each chunk's maximum, min-max scaled per chunk (a chunk's level
    # is lost); absolute: dB relative to a full-scale sine, [-top_db, 0] mapped to [0, 1] for every chunk
    level: Literal["chunk", "absolute"] = "chunk"
    dtype: Literal["float32", "float16"] = "float32"
    batch_size: int = 64          # chunks per mel transform

    def validate(self, key: str) -> None:
        check(self.chunk_seconds > 0, f"{key}.chunk_seconds", "must be > 0")
        check(self.crop_seconds >= self.chunk_seconds, f"{key}.crop_seconds", "must be >= chunk_seconds")
        for name in ("sample_rate", "n_mels", "n_fft", "hop_length", "frames", "batch_size"):
            check(getattr(self, name) >= 1, f"{key}.{name}", "must be >= 1")
        check(self.top_db > 0, f"{key}.top_db", "must be > 0")
        check(self.level in ("chunk", "absolute"), f"{key}.level", "must be chunk or absolute")
        check(self.chunk_seconds <= self.min_seconds, f"{key}.min_seconds",
              "must be >= chunk_seconds (a track needs at least one whole chunk)")

    @property
    def chunk_samples(self) -> int:
        return int(round(self.chunk_seconds * self.sample_rate))

    @property
    def crop_samples(self) -> int:
        return int(round(self.crop_seconds * self.sample_rate))
