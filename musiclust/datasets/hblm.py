"""Reader for the HBLM-100 layout (the real corpus and the synthetic one).

``metadata.csv`` is UTF-8 with a byte-order mark, columns
``filename,language,genre,label_id,lyrics``, lyrics multi-line and quoted,
possibly without a final newline; ``filename`` is relative to ``audio/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .records import MetadataError, read_records

REQUIRED_COLUMNS = ("filename", "language", "genre")


def track_id_from_filename(filename: str) -> str:
    """A stable id: the relative path without its extension, ``/`` replaced by ``-``."""
    stem = filename.rsplit(".", 1)[0] if "." in Path(filename).name else filename
    return stem.replace("\\", "/").strip("/").replace("/", "-")


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
    """
    root = Path(root)
    meta = root / "metadata.csv"
    if not meta.is_file():
        raise MetadataError(f"{meta}: not found (an HBLM-100 corpus needs metadata.csv and audio/)")
    _, records = read_records(meta, required=REQUIRED_COLUMNS)
    rows = []
    seen: dict[str, int] = {}
    for line, row in records:
        filename = row["filename"].strip()
        if not filename:
            raise MetadataError(f"{meta}: line {line}: empty filename")
        if filename in seen:
            raise MetadataError(f"{meta}: line {line}: filename {filename!r} already listed on line {seen[filename]}")
        seen[filename] = line
        for col in ("language", "genre"):
            if not row[col].strip():
                raise MetadataError(f"{meta}: line {line}: empty {col} for {filename!r}")
        lyrics = row.get("lyrics")
        label = (row.get("label_id") or "").strip()
        rows.append({
            "track_id": track_id_from_filename(filename),
            "path": f"audio/{filename}",
            "language": row["language"].strip(),
            "genre": row["genre"].strip(),
            "lyrics": lyrics if lyrics and lyrics.strip() else None,
            "filename": filename,
            "label_id": int(label) if label.lstrip("-").isdigit() else None,
        })
    if not rows:
        raise MetadataError(f"{meta}: no tracks listed")
    tracks = pd.DataFrame(rows)
    dup = tracks["track_id"][tracks["track_id"].duplicated()]
    if len(dup):
        raise MetadataError(f"{meta}: two files map to the same track id {dup.iloc[0]!r}")
    tracks["label_id"] = tracks["label_id"].astype("Int64")
    return tracks.sort_values("track_id", kind="stable").reset_index(drop=True)
