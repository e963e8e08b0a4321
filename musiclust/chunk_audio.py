"""The audio of the chunks the features stage kept, cut again at a pretrained model's own rate and
turned into its input: the same central crop and chunk boundaries, musicnn's front end
(:mod:`musiclust.musicnn.frontend`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torchaudio
from tqdm.auto import tqdm

from .audio import load_crop, track_chunks
from .config import InputError
from .linalg import one_torch_thread
from .mel_config import MelConfig
from .musicnn.frontend import HOP_LENGTH, N_FFT, N_FRAMES, N_MELS, SAMPLE_RATE
from .representations import Features


@lru_cache(maxsize=1)
def _musicnn_mel() -> torchaudio.transforms.MelSpectrogram:
    # musicnn's librosa settings: power 2, centred frames padded by reflection, Slaney mel scale and norm
    return torchaudio.transforms.MelSpectrogram(sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH,
                                                n_mels=N_MELS, power=2.0, center=True, pad_mode="reflect",
                                                norm="slaney", mel_scale="slaney")


def chunk_patch(audio: np.ndarray) -> np.ndarray:
    """musicnn's first input patch (187 frames x 96 bands) of 16 kHz mono audio of at least 3 s: its
    front end (:func:`musiclust.musicnn.frontend.log_mel`: power spectrogram, Slaney mel bands, the
    power rounded to float16, ``log10(1 + 10000 x)``) computed in torch on one thread, as the features
    stage computes its spectrograms: librosa's numpy path calls BLAS and NumPy's SIMD loops (complex
    magnitude, log10), whose kernels, and so the last bits, vary with the CPU; torch's are pinned
    (:mod:`musiclust.environment`). It matches the front end up to a float16 rounding step here and there."""
    with torch.no_grad(), one_torch_thread():
        mel = _musicnn_mel()(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)))
        if mel.shape[1] < N_FRAMES:
            raise ValueError(f"audio of {mel.shape[1]} frames is shorter than one patch of {N_FRAMES} frames")
        rounded = mel[:, :N_FRAMES].T.half().float()
        if not torch.isfinite(rounded).all():
            raise ValueError("the mel power overflows float16: audio must be floating point within about [-1, 1]")
        return torch.log10(10000.0 * rounded + 1.0).numpy()


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
                patches.append(chunk_patch(chunks[i]))
            except ValueError as err:
                raise InputError(f"musicnn needs chunks of at least 3 s (spectrograms.chunk_seconds): {err}") from None
        out_keys.append(wanted)
    if not patches:
        raise InputError("no chunks to encode")
    return Features(pd.concat(out_keys, ignore_index=True), np.stack(patches), "chunk")
