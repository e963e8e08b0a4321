"""Corpora: obtaining them (download, local archive or folder, synthesis) and reading them.

:func:`fetch_corpus` does both for a dataset entry: :func:`obtain` or
:func:`synthesise` puts a corpus's files into a folder; :func:`read_tracks`
lists its tracks in the common contract (``track_id``, ``path``, ``language``,
``genre``, ``lyrics``, source columns).
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from ..config import InputError, check, check_seed
from ..io import atomic_dir
from .records import MetadataError


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
        check_seed(self.seed, f"{key}.seed")


@dataclass(frozen=True)
class DatasetParams:
    format: Literal["synthetic", "hblm", "gtzan", "folder"] = ""  # required: validate refuses the default
    source: str = ""          # https URL, local archive or local folder (real corpora)
    sha256: str = ""          # required with a URL; checked for a local archive when given
    labels_csv: str = ""      # folder format: optional CSV of labels and lyrics
    synthetic: SyntheticParams = field(default_factory=SyntheticParams)
    max_download_bytes: int = 20 * 10**9        # a larger download is stopped
    download_deadline_s: float = 6 * 3600.0     # the whole download, retries included
    min_download_rate: float = 10_000.0         # bytes/s over the last 60 s; 0: no minimum
    max_extract_bytes: int = 100 * 10**9        # uncompressed size of an archive's members
    max_extract_members: int = 1_000_000
    max_compression_ratio: float = 100.0        # uncompressed / archive size (audio: about 1.1)

    def validate(self, key: str) -> None:
        check(self.format in FORMATS, f"{key}.format", f"missing or unknown; one of {list(FORMATS)}")
        if self.format == "synthetic":
            for name in ("source", "sha256"):
                check(not getattr(self, name), f"{key}.{name}", "a synthetic corpus is generated from `synthetic`, "
                      "it has no source or sha256")
        else:
            check(bool(self.source), f"{key}.source",
                   f"format {self.format!r} needs a source: an https URL, an archive or a folder")
        check(not self.labels_csv or self.format == "folder", f"{key}.labels_csv",
              f"only the folder format reads a labels CSV, not {self.format!r}")
        parts = self.labels_csv.replace("\\", "/").split("/")
        check(not self.labels_csv or not (self.labels_csv.startswith(("/", "\\", "~")) or ".." in parts
                                          or (len(self.labels_csv) > 1 and self.labels_csv[1] == ":")),
              f"{key}.labels_csv", "must be a path inside the corpus folder, relative to it (put the CSV in the "
              "folder): a path outside it would be read unhashed and unchecked")
        self._validate_source(key)
        for name in ("max_download_bytes", "download_deadline_s", "max_extract_bytes", "max_extract_members"):
            check(getattr(self, name) > 0, f"{key}.{name}", "must be > 0")
        check(self.min_download_rate >= 0, f"{key}.min_download_rate", "must be >= 0")
        check(self.max_compression_ratio >= 1, f"{key}.max_compression_ratio", "must be >= 1")

    def _validate_source(self, key: str) -> None:
        from .download import check_url

        if _is_url(self.source):
            try:
                check_url(self.source)
            except ValueError as exc:
                check(False, f"{key}.source", str(exc))
            check(bool(self.sha256), f"{key}.sha256", "a URL source needs its 64-hex-digit sha256")
        if self.sha256:
            digest = self.sha256.lower()
            check(len(digest) == 64 and all(c in "0123456789abcdef" for c in digest),
                   f"{key}.sha256", "must be 64 hex digits")
            check(self.format != "folder" and not Path(self.source).expanduser().is_dir(), f"{key}.sha256",
                  "a folder source has no checksum; give sha256 only for a URL or an archive")


FORMATS = ("synthetic", "hblm", "gtzan", "folder")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _is_url(source: str) -> bool:
    """Any ``scheme://`` (any case) is a URL, so ``HTTPS://`` or ``ftp://`` is never taken for a path."""
    return bool(_URL_RE.match(source))


def _copy_folder(source: Path, target: Path) -> Path:
    """Copy a folder corpus without following symbolic links.

    A link could lead out of the folder (to files never meant for the corpus)
    or back into it (``audio/loop -> ..``, copied without end), so a link is
    refused, naming it, as is any special file; the copy is atomic.
    """
    src = source.resolve()
    dest = target.resolve()
    if dest == src or src in dest.parents:
        raise ValueError(f"source folder {source} holds the target {target}; it would be copied into itself")
    with atomic_dir(target) as tmp:
        for dirpath, dirnames, filenames in os.walk(src):
            rel = Path(dirpath).relative_to(src)
            for name in sorted(dirnames + filenames):
                path = Path(dirpath, name)
                if path.is_symlink():
                    raise ValueError(f"source folder {source}: {(rel / name).as_posix()!r} is a symbolic link "
                                     f"(to {os.readlink(path)!r}); links are not followed, copy the files in")
                if name in filenames and not path.is_file():
                    raise ValueError(f"source folder {source}: {(rel / name).as_posix()!r} is not a regular file")
            for name in dirnames:
                (tmp / rel / name).mkdir()
            for name in filenames:
                shutil.copy2(Path(dirpath, name), tmp / rel / name)
    return target


def obtain(source: str, target: Path, *, sha256: str = "", cache_dir: Path | None = None,
           progress: bool = True, limits: DatasetParams = DatasetParams()) -> Path:
    """Fill ``target`` (a fresh folder) with a corpus from a URL, a local archive or a local folder.

    Parameters
    ----------
    source : str
        ``https://...`` (downloaded, then extracted), a path to a ``.zip`` /
        ``.tar[.gz|.bz2|.xz]`` archive, or a path to a folder (copied; a
        symbolic link or special file in it is an error naming it).
    sha256 : str
        Required for URLs; checked for local archives when given; an error
        for a folder.
    cache_dir : path
        Where downloads are kept between runs (default: ``target``'s parent /
        ``.downloads``), named by their sha256 so that a partial download is
        only ever resumed against the file it belongs to.
    limits : DatasetParams
        Its download and extraction limits (``max_download_bytes`` ...) apply.
    """
    from .download import download, sha256_of
    from .extract import archive_suffix

    target = Path(target)
    if _is_url(source):
        if not sha256:
            raise ValueError(f"source {source!r} is a URL: its sha256 is required")
        name = urllib.parse.urlsplit(source).path.rstrip("/").rsplit("/", 1)[-1]
        cache = Path(cache_dir) if cache_dir else target.parent / ".downloads"
        archive = download(source, cache / f"{sha256.lower()}{archive_suffix(name)}", sha256=sha256,
                           progress=progress, max_bytes=limits.max_download_bytes,
                           deadline=limits.download_deadline_s, min_rate=limits.min_download_rate)
        return _extract(archive, target, limits)
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"source {source!r} does not exist (expected a URL, an archive or a folder)")
    if path.is_dir():
        if sha256:
            raise ValueError(f"source {source!r} is a folder: it has no sha256 to check")
        return _copy_folder(path, target)
    if sha256 and sha256_of(path) != sha256.lower():
        raise ValueError(f"{path}: sha256 is {sha256_of(path)}, expected {sha256.lower()}")
    return _extract(path, target, limits)


def _extract(archive: Path, target: Path, limits: DatasetParams) -> Path:
    from .extract import extract_archive

    return extract_archive(archive, target, max_bytes=limits.max_extract_bytes,
                           max_members=limits.max_extract_members, max_ratio=limits.max_compression_ratio)


def read_tracks(format: str, root: Path, *, labels_csv: str = "", display: str | None = None) -> pd.DataFrame:
    """List the tracks of a corpus folder in the common contract.

    ``display`` is how errors name ``root``: the final folder when ``root`` is
    a temporary one that will be gone when the message is read.
    """
    try:
        return _read_tracks(format, Path(root), labels_csv)
    except MetadataError as exc:
        if display is None:
            raise
        raise MetadataError(_renamed(str(exc), Path(root), display)) from None


def _renamed(message: str, root: Path, display: str) -> str:
    """``message`` with the folder ``root`` (as given, and resolved) named ``display`` instead."""
    for name in dict.fromkeys((str(root), str(root.resolve()))):
        message = message.replace(name, display)
    return message


def _read_tracks(format: str, root: Path, labels_csv: str) -> pd.DataFrame:
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


def generator_factors(spec: DatasetParams, root: Path, tracks: pd.DataFrame) -> pd.DataFrame:
    """The per-song factors a synthetic corpus's generator drew (its ``factors.csv``), one row per
    track of ``tracks`` (column ``track_id`` first); only ``track_id`` for corpora without them (every
    corpus that is not generated, and the GTZAN-like layout)."""
    from .synthetic.hblm import FACTORS_FILE

    path = Path(root) / FACTORS_FILE
    ids = tracks[["track_id"]].reset_index(drop=True)
    if spec.format != "synthetic" or spec.synthetic.layout == "gtzan" or not path.is_file():
        return ids
    drawn = pd.read_csv(path)
    by_file = tracks[["track_id", "filename"]].merge(drawn, on="filename", how="left", validate="one_to_one")
    missing = by_file.loc[by_file.drop(columns=["track_id", "filename"]).isna().any(axis=1), "filename"]
    if len(missing):
        raise InputError(f"{FACTORS_FILE}: no factors for {', '.join(map(str, missing[:5]))}")
    return by_file.drop(columns="filename").reset_index(drop=True)


def fetch_corpus(spec: DatasetParams, target: Path, *, cache_dir: Path | None = None,
                 progress: bool = True, display: str | os.PathLike | None = None) -> pd.DataFrame:
    """Fill ``target`` (a fresh folder) with the corpus ``spec`` describes and list its tracks.

    ``target`` is often a temporary folder (``io.atomic_dir``); errors about
    the corpus's files name it ``display`` (the final folder) if given, else
    ``<corpus>``, so that no message points at a folder that no longer exists.
    """
    if spec.format == "synthetic":
        layout = synthesise(spec.synthetic, target, progress=progress)
    else:
        obtain(spec.source, target, sha256=spec.sha256, cache_dir=cache_dir, progress=progress, limits=spec)
        layout = spec.format
    return read_tracks(layout, target, labels_csv=spec.labels_csv,
                       display=str(display) if display is not None else "<corpus>")
