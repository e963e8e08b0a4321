"""Audio features of a corpus in one pass: each track is decoded once (its central crop only)
into log-mel chunks and the 43 clip statistics, under one skip policy for both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .audio import AudioError, MelConfig, load_crop, log_mel, track_chunks
from .clipstats import clip_statistics
from .io import NpyAppender

STATUS_COLUMNS = ["track_id", "status", "reason", "n_chunks", "duration_s"]


@dataclass
class CorpusFeatures:
    chunks: pd.DataFrame        # row i describes mels[i]: track_id, chunk, start_s
    status: pd.DataFrame        # one row per track: STATUS_COLUMNS (ok / skipped and why)
    clip_ids: list[str]         # the tracks with status ok, sorted
    clip_stats: np.ndarray      # (len(clip_ids), 43) float32


def corpus_features(tracks: pd.DataFrame, root, cfg: MelConfig, mels_path, *,
                    progress: bool = True) -> CorpusFeatures:
    """Log-mel chunks of every track streamed into ``mels_path`` (N, n_mels, frames), and the
    clip statistics of the same central crop.

    A track that does not decode, holds no usable samples, or is shorter than
    ``cfg.min_seconds`` (at least one chunk) is skipped with its reason, for every
    representation alike; a track shorter than ``crop_seconds`` but long enough gives fewer
    chunks. Fails only when no track is usable.
    """
    root = Path(root)
    chunk_rows, status_rows, clip_ids, clip_rows = [], [], [], []
    shortest = max(cfg.min_seconds, cfg.chunk_seconds)
    with NpyAppender(mels_path, (cfg.n_mels, cfg.frames), cfg.dtype) as writer:
        for track in tqdm(tracks.sort_values("track_id").itertuples(index=False), total=len(tracks),
                          desc="features", unit="track", disable=not progress):
            try:
                decoded = load_crop(root / track.path, cfg.sample_rate, cfg.crop_seconds)
            except AudioError as exc:
                status_rows.append((track.track_id, "skipped", str(exc), 0, 0.0))
                continue
            pieces, starts = track_chunks(decoded.samples, cfg, decoded.start)
            if decoded.duration_s < shortest or len(pieces) == 0:
                status_rows.append((track.track_id, "skipped", f"{decoded.duration_s:.2f} s is shorter than "
                                    f"the minimum {shortest:g} s", 0, decoded.duration_s))
                continue
            for b in range(0, len(pieces), cfg.batch_size):
                writer.append(log_mel(pieces[b : b + cfg.batch_size], cfg))
            chunk_rows += [(track.track_id, i, float(s)) for i, s in enumerate(starts)]
            status_rows.append((track.track_id, "ok", decoded.note, len(pieces), decoded.duration_s))
            clip_ids.append(track.track_id)
            clip_rows.append(clip_statistics(decoded.samples, cfg.sample_rate))
        if not chunk_rows:
            raise AudioError("no track gave a usable chunk: "
                             + "; ".join(f"{r[0]}: {r[2]}" for r in status_rows[:5]))
    chunks = pd.DataFrame(chunk_rows, columns=["track_id", "chunk", "start_s"])
    chunks["chunk"] = chunks["chunk"].astype("int32")
    return CorpusFeatures(chunks, pd.DataFrame(status_rows, columns=STATUS_COLUMNS), clip_ids,
                          np.stack(clip_rows).astype(np.float32))
