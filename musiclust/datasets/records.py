"""The one CSV reader of the corpus readers: records with the line each starts on.

UTF-8 with or without a byte-order mark, quoted fields that span lines, blank
lines skipped; parsed strictly (a quote left open, or text after a closing quote,
is an error rather than rows silently merged). Every error names the file and the line where the record starts
(a record may span several lines; ``csv`` itself counts where it ends).
:func:`contained_path` checks a path read from such a file before anything opens it.
"""

from __future__ import annotations

import csv
import os
import posixpath
import re
from pathlib import Path
from typing import Iterator

from ..config import InputError

FIELD_LIMIT = 16 << 20
"""Largest CSV field accepted (bytes): lyrics are long, but not this long."""

_DRIVE_RE = re.compile(r"^[A-Za-z]:")



class MetadataError(InputError, ValueError):
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
        For a missing file, invalid UTF-8 (naming the line), malformed CSV or
        a field over :data:`FIELD_LIMIT` (naming the line the record starts
        on), a missing or duplicated column, or a record whose field count
        differs from the header's.
    """
    path = Path(path)
    if not path.is_file():
        raise MetadataError(f"{path}: not found")
    # The default limit (128 KiB) is below a long song's lyrics; this one still bounds memory.
    csv.field_size_limit(FIELD_LIMIT)
    try:
        # utf-8-sig strips a byte-order mark; newline="" lets csv handle multi-line fields
        with open(path, encoding="utf-8-sig", newline="") as f:
            # strict: an unterminated quote is an error, not every following row swallowed into one field
            return _parse(path, csv.reader(f, strict=True), required)
    except UnicodeDecodeError as exc:
        raise MetadataError(f"{path}: line {_bad_utf8_line(path)}: not valid UTF-8 ({exc.reason}); "
                            "save the file as UTF-8 (a cp1252 or Latin-1 export shows this)") from None


def _bad_utf8_line(path: Path) -> int | str:
    """The line holding the first byte that is not UTF-8 (the decoder's own offset is per buffer)."""
    data = path.read_bytes()
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return body[:exc.start].count(b"\n") + 1
    return "?"


def _parse(path: Path, reader, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, dict]]]:
    header = _next_row(path, reader, 1)
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


def _next_row(path: Path, reader, start: int) -> list[str] | None:
    """The next row, or None at the end; a csv error names the line its record starts on."""
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise MetadataError(f"{path}: line {start}: malformed CSV ({exc})") from None


def _records(path: Path, reader, header: list[str]) -> Iterator[tuple[int, dict]]:
    end = reader.line_num
    while (row := _next_row(path, reader, end + 1)) is not None:
        start, end = end + 1, reader.line_num
        if not row:
            continue  # blank line
        if len(row) != len(header):
            raise MetadataError(f"{path}: line {start}: {len(row)} field(s), the header has {len(header)}")
        yield start, dict(zip(header, row))


def utf8_name(name: str, where: str) -> str:
    """``name`` (a file or folder name read from the disk) if it is valid UTF-8; else an error
    naming its bytes, since every table of the pipeline stores names as UTF-8 text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise MetadataError(f"{where}: the name {os.fsencode(name)!r} is not valid UTF-8; rename it "
                            "(the tables of the pipeline store names as UTF-8)") from None
    return name


def contained_path(root: str | Path, name: str, where: str, *, base: str = "") -> str:
    """``name``, read from a metadata file, as a '/'-separated path relative to ``root``.

    A row naming ``../../x``, ``/etc/x``, ``C:\\x`` or a symlink that leads out
    of the corpus would make the pipeline read a file it was never given, so
    the path must stay inside ``root`` both as written and once resolved.

    Parameters
    ----------
    root : the corpus folder
    name : the path as written (``/`` or ``\\`` separators), relative to ``root / base``
    where : how errors name the place, e.g. ``"<file>: line 3"``
    base : folder of ``root`` that ``name`` is relative to (``"audio"`` for HBLM-100)

    Raises
    ------
    MetadataError
        Naming ``where`` and ``name``, for an empty, absolute or escaping path,
        a NUL byte, or a symlink (or loop of symlinks) resolving outside ``root``.
    """
    rel = name.strip().replace("\\", "/")
    if not rel or "\x00" in rel:
        raise MetadataError(f"{where}: filename {name!r} is empty or has a NUL byte")
    if rel.startswith("/") or _DRIVE_RE.match(rel):
        raise MetadataError(f"{where}: filename {name!r} is an absolute path; it must be relative to the corpus")
    rel = posixpath.normpath(posixpath.join(base, rel) if base else rel)
    if rel == ".." or rel.startswith("../") or rel == ".":
        raise MetadataError(f"{where}: filename {name!r} points outside the corpus folder")
    root = Path(root)
    try:
        real_root = root.resolve(strict=True)
        real = (root / rel).resolve(strict=False)  # raises on a loop of symlinks
    except (OSError, RuntimeError) as exc:
        raise MetadataError(f"{where}: filename {name!r} cannot be resolved ({exc})") from None
    if real != real_root and real_root not in real.parents:
        raise MetadataError(f"{where}: filename {name!r} resolves to {real}, outside the corpus folder "
                            "(through a symbolic link)")
    return rel
