"""Seeds derived from names, the same in every process."""

from __future__ import annotations

import zlib


def stable_seed(*parts) -> int:
    """A seed that depends only on ``parts`` (not on Python's per-process string hashing)."""
    return zlib.crc32("/".join(map(str, parts)).encode("utf-8"))
