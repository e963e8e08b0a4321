"""Atomic, deterministic file output.

Every writer here writes to a temporary file beside the target and moves it
into place with ``os.replace``, so a crash never leaves a half-written output
where a finished one belongs. Outputs get the user's usual modes (0666 / 0777
less the umask), and temporaries a killed run left beside a target are removed
the next time that target is written.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def _remove_stale(path: Path) -> None:
    """Remove what an interrupted writer of ``path`` left: ``.<name>.*.tmp*`` and ``.<name>.*.old``."""
    for pattern in (f".{glob.escape(path.name)}.*.tmp*", f".{glob.escape(path.name)}.*.old"):
        for stale in path.parent.glob(pattern):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; move it onto ``path`` on success.

    ``suffix`` is appended to the temporary name for writers that infer the
    format from the extension.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        tmp.chmod(0o666 & ~_UMASK)  # mkstemp makes a private file; the output should look like any other
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``path``; it replaces ``path`` on success.

    An existing ``path`` is moved aside first (``os.replace`` cannot overwrite a
    non-empty folder) and restored if the swap fails; on any error the
    temporary folder is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    tmp.chmod(0o777 & ~_UMASK)  # mkdtemp makes a private folder; the result should look like any other
    backup = None
    try:
        yield tmp
        if os.path.lexists(path):
            backup = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, backup / "old")
        try:
            os.replace(tmp, path)
        except BaseException:
            if backup is not None:
                os.replace(backup / "old", path)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)


def write_json(obj, path: str | os.PathLike) -> Path:
    """Write ``obj`` as indented JSON with sorted keys; NaN or infinity is an error."""
    text = json.dumps(obj, indent=2, sort_keys=True, allow_nan=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_parquet(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` to Parquet without the index (byte-stable for equal frames)."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd")
    return Path(path)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula (``=cmd|...``), quoted with a leading ``'``."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` as CSV; text cells that would start a spreadsheet formula are quoted."""
    text_columns = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]
    if text_columns:
        frame = frame.assign(**{c: frame[c].map(spreadsheet_safe) for c in text_columns})
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
    return Path(path)


class NpyAppender:
    """Write a ``.npy`` array row block by row block, without knowing its length.

    The header is reserved at a fixed size and rewritten with the final shape
    on :meth:`close`, so memory stays bounded by one block whatever the corpus
    size. The file appears at ``path`` only when closed successfully.

    Parameters
    ----------
    path : path-like
        Final location of the array.
    row_shape : tuple of int
        Shape of one row, e.g. ``(128, 128)``.
    dtype : numpy dtype
        Stored dtype (little-endian float32 or float16).
    """

    _HEADER_BYTES = 128  # a multiple of 64, enough for any realistic shape

    def __init__(self, path, row_shape: tuple[int, ...], dtype="float32"):
        self.path = Path(path)
        self.row_shape = tuple(int(s) for s in row_shape)
        self.dtype = np.dtype(dtype).newbyteorder("<")
        self.rows = 0
        self._ctx = atomic_path(self.path)
        self._tmp = self._ctx.__enter__()
        self._file = open(self._tmp, "wb")
        self._file.write(b"\0" * self._HEADER_BYTES)

    def append(self, block: np.ndarray) -> None:
        """Append ``block`` of shape ``(n, *row_shape)``."""
        block = np.ascontiguousarray(block, dtype=self.dtype)
        if block.shape[1:] != self.row_shape:
            raise ValueError(f"block rows have shape {block.shape[1:]}, expected {self.row_shape}")
        self._file.write(block.tobytes())
        self.rows += block.shape[0]

    def _header(self) -> bytes:
        shape = (self.rows, *self.row_shape)
        text = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (self.dtype.str, shape)
        prefix = b"\x93NUMPY\x01\x00"
        body_len = self._HEADER_BYTES - len(prefix) - 2
        body = text.ljust(body_len - 1).encode("latin1") + b"\n"
        if len(body) != body_len:
            raise ValueError(f"shape {shape} does not fit the reserved .npy header")
        return prefix + body_len.to_bytes(2, "little") + body

    def close(self) -> Path:
        self._file.seek(0)
        self._file.write(self._header())
        self._file.close()
        self._ctx.__exit__(None, None, None)
        return self.path

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._file.close()
            Path(self._tmp).unlink(missing_ok=True)
        return False


def write_vectors(frame: pd.DataFrame, vectors: np.ndarray, column: str, path) -> Path:
    """Write ``frame`` plus a fixed-size-list float32 column ``column`` holding ``vectors`` (N, D)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(frame):
        raise ValueError(f"vectors must be (len(frame), D), got {vectors.shape} for {len(frame)} rows")
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    values = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1])
    table = table.append_column(column, values).replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return Path(path)


def read_vectors(path, column: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Inverse of :func:`write_vectors`: the other columns, and the vectors as (N, D) float32."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if column not in table.column_names:
        raise ValueError(f"{path}: no column {column!r} (has {table.column_names})")
    col = table.column(column).combine_chunks()
    dim = col.type.list_size
    flat = col.flatten().to_numpy(zero_copy_only=False)
    vectors = (flat.reshape(-1, dim) if dim else np.zeros((len(col), 0))).astype(np.float32)
    return table.drop_columns([column]).to_pandas(), vectors


def seed_file(seed: int) -> str:
    """The file name of the model trained with ``seed`` in a model's folder."""
    return f"seed_{seed}.pt"


def seed_of(path) -> int:
    """The seed in a file name written by :func:`seed_file` (``seed_3.pt`` -> 3)."""
    stem = Path(path).stem
    if not stem.startswith("seed_") or not stem[5:].isdigit():
        raise ValueError(f"{path}: not a per-seed file (seed_<n> and a suffix, e.g. seed_0.pt)")
    return int(stem[5:])
