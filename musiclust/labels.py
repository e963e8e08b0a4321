"""The labels a corpus is scored against."""

from __future__ import annotations

import pandas as pd


def targets_of(tracks: pd.DataFrame) -> dict[str, pd.Series]:
    """The label columns to score against, indexed by track_id.

    ``language``, ``genre`` and their cross ``language_genre`` where the
    columns exist and hold at least two distinct values.
    """
    t = tracks.set_index("track_id")
    out = {}
    for col in ("language", "genre"):
        if col in t and t[col].notna().all() and t[col].nunique() >= 2:
            out[col] = t[col].astype(str)
    if "language" in out and "genre" in out:
        out["language_genre"] = out["language"] + "/" + out["genre"]
    return out
