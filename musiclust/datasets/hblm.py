"""Reader for the HBLM-100 layout (the real corpus and the synthetic one).

``metadata.csv`` is UTF-8 with a byte-order mark, columns
``filename,language,genre,label_id,lyrics``, lyrics multi-line and quoted,
possibly without a final newline; ``filename`` is relative to ``audio/`` and
must stay inside the corpus folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .records import MetadataError, contained_path, read_records

REQUIRED_COLUMNS = ("filename", "language", "genre")


def track_id_from_filename(filename: str) -> str:
    """A stable id: the relative path without its extension, ``/`` replaced by ``-``."""
    stem = filename.rsplit(".", 1)[0] if "." in Path(filename).name else filename
    return stem.replace("\\", "/").strip("/").replace("/", "-")


def _only_metadata(root: Path) -> Path:
    """``root/metadata.csv``, refusing a corpus with more than one ``metadata.csv``.

    An archive holding two (say at the top and in a subfolder) is ambiguous:
    reading either one silently could cluster the wrong corpus.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        found += [Path(dirpath, f) for f in filenames if f.lower() == "metadata.csv"]
    meta = root / "metadata.csv"
    if len(found) > 1:
        names = ", ".join(repr(p.relative_to(root).as_posix()) for p in found)
        raise MetadataError(f"{root}: {len(found)} metadata files ({names}); an HBLM-100 corpus has exactly one, "
                            "metadata.csv at its top")
    if not meta.is_file():
        hint = f"; found {found[0].relative_to(root).as_posix()!r} instead" if found else ""
        raise MetadataError(f"{meta}: not found (an HBLM-100 corpus needs metadata.csv and audio/){hint}")
    return meta


def _label(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value and value.strip().lstrip("-").isascii() else None
    except ValueError:
        return None


def read_hblm(root: str | Path) -> pd.DataFrame:
    """Read an HBLM-100-layout corpus.

    Parameters
    ----------
    root : path
        Folder holding ``metadata.csv`` and ``audio/``.

    Returns
    -------
    tracks : pd.DataFrame
        One row per track, sorted by ``track_id``, with columns ``track_id``,
        ``path`` (relative to ``root``), ``language``, ``genre``, ``lyrics``
        (None where empty) and the source columns ``filename``, ``label_id``.

    Raises
    ------
    MetadataError
        Naming the file and line: a malformed CSV, an empty or repeated
        filename, an empty language or genre, a filename that leads outside
        ``root`` (``..``, absolute, a symlink out); or a missing or second
        ``metadata.csv``.
    """
    root = Path(root)
    meta = _only_metadata(root)
    _, records = read_records(meta, required=REQUIRED_COLUMNS)
    rows = []
    seen: dict[str, int] = {}
    for line, row in records:
        filename = row["filename"].strip()
        if not filename:
            raise MetadataError(f"{meta}: line {line}: empty filename")
        path = contained_path(root, filename, f"{meta}: line {line}", base="audio")
        if path in seen:
            raise MetadataError(f"{meta}: line {line}: filename {filename!r} already listed on line {seen[path]}")
        seen[path] = line
        for col in ("language", "genre"):
            if not row[col].strip():
                raise MetadataError(f"{meta}: line {line}: empty {col} for {filename!r}")
        lyrics = row.get("lyrics")
        rows.append({
            "track_id": track_id_from_filename(filename),
            "path": path,
            "language": row["language"].strip(),
            "genre": row["genre"].strip(),
            "lyrics": lyrics if lyrics and lyrics.strip() else None,
            "filename": filename,
            "label_id": _label(row.get("label_id")),
        })
    if not rows:
        raise MetadataError(f"{meta}: no tracks listed")
    tracks = pd.DataFrame(rows)
    dup = tracks["track_id"][tracks["track_id"].duplicated()]
    if len(dup):
        raise MetadataError(f"{meta}: two files map to the same track id {dup.iloc[0]!r}")
    tracks["label_id"] = tracks["label_id"].astype("Int64")
    return tracks.sort_values("track_id", kind="stable").reset_index(drop=True)
