"""Corpora: obtaining them (download, local archive or folder, synthesis) and reading them.

:func:`fetch_corpus` does both for a dataset entry: :func:`obtain` or
:func:`synthesise` puts a corpus's files into a folder; :func:`read_tracks`
lists its tracks in the common contract (``track_id``, ``path``, ``language``,
``genre``, ``lyrics``, source columns).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from ..config import check


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

FORMATS = ("synthetic", "hblm", "gtzan", "folder")


def _is_url(source: str) -> bool:
    return source.startswith(("https://", "http://"))


def obtain(source: str, target: Path, *, sha256: str = "", cache_dir: Path | None = None,
           progress: bool = True) -> Path:
    """Fill ``target`` (a fresh folder) with a corpus from a URL, a local archive or a local folder.

    Parameters
    ----------
    source : str
        ``https://...`` (downloaded, then extracted), a path to a ``.zip`` /
        ``.tar[.gz|.bz2|.xz]`` archive, or a path to a folder (copied).
    sha256 : str
        Required for URLs; checked for local archives when given.
    cache_dir : path
        Where downloads are kept between runs (default: ``target``'s parent / ``.downloads``).
    """
    from .download import download, sha256_of
    from .extract import extract_archive

    target = Path(target)
    if _is_url(source):
        if not sha256:
            raise ValueError(f"source {source!r} is a URL: its sha256 is required")
        name = source.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "download"
        cache = Path(cache_dir) if cache_dir else target.parent / ".downloads"
        archive = download(source, cache / name, sha256=sha256, progress=progress)
        return extract_archive(archive, target)
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"source {source!r} does not exist (expected a URL, an archive or a folder)")
    if path.is_dir():
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(path, target, symlinks=False)
        return target
    if sha256 and sha256_of(path) != sha256.lower():
        raise ValueError(f"{path}: sha256 is {sha256_of(path)}, expected {sha256.lower()}")
    return extract_archive(path, target)


def read_tracks(format: str, root: Path, *, labels_csv: str = "") -> pd.DataFrame:
    """List the tracks of a corpus folder in the common contract."""
    if format in ("hblm", "synthetic"):
        from .hblm import read_hblm

        return read_hblm(root)
    if format == "gtzan":
        from .gtzan import read_gtzan

        return read_gtzan(root)
    if format == "folder":
        from .folder import read_folder

        return read_folder(root, labels_csv or None)
    raise ValueError(f"unknown dataset format {format!r}; known: {FORMATS}")


def synthesise(spec: SyntheticParams, out: Path, *, progress: bool = True) -> str:
    """Generate an embedded corpus into ``out``; returns the reader format of its layout."""
    from . import synthetic

    if spec.layout == "gtzan":
        synthetic.generate_gtzan_corpus(out, tracks_per_genre=spec.tracks_per_genre, seed=spec.seed,
                                        sample_rate=spec.sample_rate, seconds=spec.max_seconds,
                                        audio_format=spec.audio_format, plant_unreadable=spec.plant_unreadable,
                                        progress=progress)
        return "gtzan"
    synthetic.generate_corpus(out, design=spec.design, tracks_per_cell=spec.tracks_per_cell, scale=spec.scale,
                              seed=spec.seed, sample_rate=spec.sample_rate, min_seconds=spec.min_seconds,
                              max_seconds=spec.max_seconds, audio_format=spec.audio_format, progress=progress)
    return "hblm"


def fetch_corpus(spec: DatasetParams, target: Path, *, cache_dir: Path | None = None,
                 progress: bool = True) -> pd.DataFrame:
    """Fill ``target`` (a fresh folder) with the corpus ``spec`` describes and list its tracks."""
    if spec.format == "synthetic":
        layout = synthesise(spec.synthetic, target, progress=progress)
    else:
        obtain(spec.source, target, sha256=spec.sha256, cache_dir=cache_dir, progress=progress)
        layout = spec.format
    return read_tracks(layout, target, labels_csv=spec.labels_csv)
