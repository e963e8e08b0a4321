"""Arrays that cross process boundaries: memory maps travel as file names, not contents.

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
