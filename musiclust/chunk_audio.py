"""The audio of the chunks the features stage kept, cut again at a pretrained model's own rate and
turned into its input: the same central crop and chunk boundaries, musicnn's front end
(:mod:`musiclust.musicnn.frontend`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .audio import load_crop, track_chunks
from .config import InputError
from .mel_config import MelConfig
from .musicnn.frontend import SAMPLE_RATE, musicnn_patches
from .representations import Features


@dataclass
class AudioChunks:
    """Where a corpus's audio is and which chunks the features stage kept: ``tracks`` (``track_id``,
    ``path`` relative to ``root``), the chunk keys (``track_id``, ``chunk``), and the crop and chunk
    lengths in seconds that cut them."""

    tracks: pd.DataFrame
    root: Path
    keys: pd.DataFrame
    crop_seconds: float
    chunk_seconds: float


def chunk_patches(audio: AudioChunks, progress: bool = True) -> Features:
    """musicnn's input patch (187 frames, 96 bands) of every kept chunk → chunk-level
    :class:`~musiclust.representations.Features`: keys sorted by track and chunk, patches (N, 187, 96).
    Each track is decoded at 16 kHz, centrally cropped and cut into chunks as the features stage cut
    it, and a chunk's first patch (its first 3 s) is its input."""
    cut = MelConfig(sample_rate=SAMPLE_RATE, crop_seconds=audio.crop_seconds, chunk_seconds=audio.chunk_seconds,
                    min_seconds=max(audio.chunk_seconds, 3.0))
    paths = audio.tracks.set_index("track_id")["path"]
    keys = audio.keys[["track_id", "chunk"]].sort_values(["track_id", "chunk"], kind="mergesort")
    out_keys, patches = [], []
    for track_id, wanted in tqdm(keys.groupby("track_id", sort=True), desc="musicnn input", unit="track",
                                 disable=not progress):
        if track_id not in paths.index:
            raise InputError(f"chunks: track {track_id!r} is not in the tracks table")
        decoded = load_crop(audio.root / paths[track_id], SAMPLE_RATE, audio.crop_seconds)
        chunks, _ = track_chunks(decoded.samples, cut, decoded.start)
        index = wanted["chunk"].to_numpy()
        if index.max() >= len(chunks):
            raise InputError(f"{paths[track_id]}: the features stage cut chunk {index.max()}, but at "
                             f"{SAMPLE_RATE} Hz the crop holds {len(chunks)} chunks")
        for i in index:
            try:
                patches.append(musicnn_patches(chunks[i], SAMPLE_RATE)[0])
            except ValueError as err:
                raise InputError(f"musicnn needs chunks of at least 3 s (spectrograms.chunk_seconds): {err}") from None
        out_keys.append(wanted)
    if not patches:
        raise InputError("no chunks to encode")
    return Features(pd.concat(out_keys, ignore_index=True), np.stack(patches), "chunk")
