"""Arrays too large to copy: memory maps that cross process boundaries as file names, not
contents, and seeded samples of rows read from them in place.

Needs numpy alone, so the training loop it serves runs where only torch and numpy are installed.
"""

from __future__ import annotations

import mmap

import numpy as np


def array_state(array: np.ndarray) -> dict:
    """A picklable stand-in for ``array``: a whole-file memory map travels as its file name and
    layout (a worker started by spawn maps the file itself instead of receiving its contents);
    anything else, a slice of a map included, travels as the array."""
    if isinstance(array, np.memmap) and isinstance(array.base, mmap.mmap) and array.filename:
        order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
        return {"memmap": (array.filename, array.dtype, array.shape, array.offset, order)}
    return {"array": array}


def array_from_state(state: dict) -> np.ndarray:
    """The array :func:`array_state` stood in for (a memory map is opened again, read-only)."""
    if "memmap" in state:
        filename, dtype, shape, offset, order = state["memmap"]
        return np.memmap(filename, dtype=dtype, mode="r", shape=shape, offset=offset, order=order)
    return state["array"]


def seeded_rows(n_rows: int, max_rows: int, seed: int) -> np.ndarray | None:
    """A seeded sample of ``max_rows`` of ``n_rows`` rows without replacement, sorted so that a
    memory map is read forwards; None (every row) when they fit."""
    if n_rows <= max_rows:
        return None
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=max_rows, replace=False))
