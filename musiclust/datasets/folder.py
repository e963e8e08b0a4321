"""Reader for a plain folder of audio files, with an optional labels CSV.

Every audio file (``.wav .mp3 .flac .ogg``, case-insensitive) under the root,
at any depth, is a track.  Without labels, a file in a subfolder takes the name
of its top-level subfolder as its genre (``root/jazz/live/a.mp3`` -> ``jazz``);
files directly in the root have no genre.  A labels CSV can set or override
``language``, ``genre`` and ``lyrics`` per file::

    filename,language,genre,lyrics
    jazz/live/a.mp3,English,Jazz,"first line
    second line"
    b.wav,,Pop,

The CSV is UTF-8 with or without a byte-order mark, quoted multi-line fields are
allowed, ``filename`` is relative to the root (``/`` or ``\\`` separators) and
must stay inside it; so must every audio file once symbolic links are resolved.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .hblm import track_id_from_filename
from .records import MetadataError, contained_path, read_records, utf8_name

__all__ = ["AUDIO_EXTENSIONS", "LABEL_COLUMNS", "is_audio_file", "list_audio_files", "read_folder"]

AUDIO_EXTENSIONS: tuple[str, ...] = (".wav", ".mp3", ".flac", ".ogg")
"""File extensions (compared in lower case) that readers list as tracks."""

LABEL_COLUMNS: tuple[str, ...] = ("language", "genre", "lyrics")
"""Columns of a labels CSV that override the defaults of the contract."""

_RESERVED = ("track_id", "path", "filename", "folder")


def is_audio_file(name: str) -> bool:
    """True if ``name`` has an audio extension (case-insensitive) and is not hidden.

    Hidden files (``.DS_Store``, AppleDouble ``._song.wav`` companions) are
    never tracks.
    """
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS


def list_audio_files(root: str | Path) -> list[str]:
    """Relative paths (forward slashes, sorted) of the audio files under ``root``, at any depth.

    Hidden folders and files (name starting with ``.``) are skipped; a path that is not valid
    UTF-8 is a :class:`MetadataError` naming its bytes.
    """
    root = Path(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            if is_audio_file(name):
                path = name if rel_dir == "." else f"{rel_dir}/{name}"
                found.append(utf8_name(path, str(root)))
    return sorted(found)


def _cell(value) -> str | None:
    if value is None:
        return None
    return value if value.strip() else None


def _with_none(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Make ``columns`` object columns whose missing values are ``None`` (not NaN).

    ``track_id`` and ``path`` keep the dtype pandas infers (as in ``read_hblm``).
    """
    for col in columns:
        values = frame[col].astype(object)
        frame[col] = values.where(values.notna(), None)
    return frame


def _read_labels(csv_path: Path, known: set[str], root: Path) -> tuple[dict[str, dict], list[str]]:
    """Parse the labels CSV: ``{relative filename: {column: value or None}}`` and the extra columns."""
    header, records = read_records(csv_path, required=("filename",))
    clash = [h for h in header if h in _RESERVED and h != "filename"]
    if clash:
        raise MetadataError(f"{csv_path}: line 1: column(s) {clash} are reserved by the reader")
    extra = [h for h in header if h != "filename" and h not in LABEL_COLUMNS]
    labels: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for start, values in records:
        raw = values.pop("filename")
        if not raw.strip():
            raise MetadataError(f"{csv_path}: line {start}: empty filename")
        filename = contained_path(root, raw, f"{csv_path}: line {start}")
        if filename in seen:
            raise MetadataError(
                f"{csv_path}: line {start}: filename {filename!r} is already listed on line {seen[filename]}"
            )
        seen[filename] = start
        if filename not in known:
            what = "is not an audio file" if (root / filename).is_file() else "does not exist"
            raise MetadataError(
                f"{csv_path}: line {start}: {filename!r} {what} under {root} "
                f"(audio extensions: {' '.join(AUDIO_EXTENSIONS)})"
            )
        labels[filename] = {k: _cell(v) for k, v in values.items()}
    return labels, extra


def read_folder(root: str | Path, labels_csv: str | Path | None = None) -> pd.DataFrame:
    """Read a folder of audio files (any depth) as a corpus.

    Parameters
    ----------
    root : path
        The corpus folder.
    labels_csv : path, optional
        CSV with a ``filename`` column (relative to ``root``) and any of
        ``language``, ``genre``, ``lyrics``, inside ``root`` and relative to it
        (a path leading out of it is a :class:`MetadataError`).  A row's values replace the defaults of its file
        for the columns the CSV has (an empty cell gives None, also when the
        folder would have given a genre); files without a row keep the
        defaults.  Other columns are kept as extra source columns (None for
        files without a row).

    Returns
    -------
    tracks : pd.DataFrame
        One row per audio file, sorted by ``track_id``, with columns
        ``track_id`` (relative path without extension, ``/`` -> ``-``),
        ``path`` (relative to ``root``, forward slashes), ``language`` (None
        unless labelled), ``genre`` (the top-level subfolder unless labelled;
        None for files directly in ``root``), ``lyrics`` (None unless
        labelled), the source column ``folder`` (the top-level subfolder or
        None) and any extra CSV columns.

    Raises
    ------
    MetadataError
        If ``root`` is not a folder or holds no audio file, if an audio file is
        a symbolic link leading out of ``root``, if two files map to
        the same track id, or if the CSV is malformed: no ``filename`` column,
        a row naming a file that is not an audio file under ``root`` or a path
        leading out of it (the message names the CSV line), a filename listed twice (names both
        lines), a row with the wrong number of fields, invalid UTF-8.
    """
    root = Path(root)
    if not root.is_dir():
        raise MetadataError(f"{root}: not a folder (a folder corpus is a folder of audio files)")
    files = list_audio_files(root)
    if not files:
        raise MetadataError(f"{root}: no audio files ({' '.join(AUDIO_EXTENSIONS)}) found at any depth")
    for rel in files:
        contained_path(root, rel, str(root))  # a symlinked file may lead out of the folder

    owner: dict[str, str] = {}
    for rel in files:
        tid = track_id_from_filename(rel)
        if tid in owner:
            raise MetadataError(f"{root}: files {owner[tid]!r} and {rel!r} map to the same track id {tid!r}")
        owner[tid] = rel

    labels: dict[str, dict] = {}
    extra: list[str] = []
    if labels_csv is not None and str(labels_csv) != "":
        # inside the corpus, as every path read from it (also once links are resolved)
        csv_path = root / contained_path(root, str(labels_csv), "labels_csv")
        labels, extra = _read_labels(csv_path, set(files), root)

    rows = []
    for rel in files:
        parts = rel.split("/")
        folder = parts[0] if len(parts) > 1 else None
        row = {
            "track_id": track_id_from_filename(rel),
            "path": rel,
            "language": None,
            "genre": folder,
            "lyrics": None,
            "folder": folder,
        }
        row.update({col: None for col in extra})
        row.update(labels.get(rel, {}))
        rows.append(row)
    columns = ["track_id", "path", "language", "genre", "lyrics", "folder", *extra]
    tracks = _with_none(pd.DataFrame(rows, columns=columns), columns[2:])
    return tracks.sort_values("track_id", kind="stable").reset_index(drop=True)
