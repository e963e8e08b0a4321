"""The one CSV reader of the corpus readers: records with the line each starts on.

UTF-8 with or without a byte-order mark, quoted fields that span lines, blank
lines skipped. Every error names the file and the line where the record starts
(a record may span several lines; ``csv`` itself counts where it ends).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator


class MetadataError(ValueError):
    """A metadata or labels file is malformed; the message names the file and the line."""


def read_records(path: str | Path, *, required: tuple[str, ...] = ()) -> tuple[list[str], list[tuple[int, dict]]]:
    """Read a CSV file with a header.

    Parameters
    ----------
    required : columns the header must have

    Returns
    -------
    header : the column names, stripped
    records : (line the record starts on, {column: value}) for each non-blank record

    Raises
    ------
    MetadataError
        For a missing file, invalid UTF-8, malformed CSV, a missing or
        duplicated column, or a record whose field count differs from the header's.
    """
    path = Path(path)
    if not path.is_file():
        raise MetadataError(f"{path}: not found")
    try:
        # utf-8-sig strips a byte-order mark; newline="" lets csv handle multi-line fields
        with open(path, encoding="utf-8-sig", newline="") as f:
            return _parse(path, csv.reader(f), required)
    except UnicodeDecodeError as exc:
        raise MetadataError(f"{path}: not valid UTF-8 ({exc})") from exc
    except csv.Error as exc:
        raise MetadataError(f"{path}: malformed CSV ({exc})") from exc


def _parse(path: Path, reader, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, dict]]]:
    header = next(reader, None)
    if header is None:
        raise MetadataError(f"{path}: empty file (expected a header with {', '.join(required) or 'columns'})")
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise MetadataError(f"{path}: line 1: missing column(s) {missing}; header is {header}")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise MetadataError(f"{path}: line 1: duplicated column(s) {duplicated}")
    return header, list(_records(path, reader, header))


def _records(path: Path, reader, header: list[str]) -> Iterator[tuple[int, dict]]:
    end = reader.line_num
    for row in reader:
        start, end = end + 1, reader.line_num
        if not row:
            continue  # blank line
        if len(row) != len(header):
            raise MetadataError(f"{path}: line {start}: {len(row)} field(s), the header has {len(header)}")
        yield start, dict(zip(header, row))
