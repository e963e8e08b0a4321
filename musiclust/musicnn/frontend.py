"""musicnn's input: log-compressed mel spectrograms of 16 kHz mono audio, cut into 3 s patches.

It follows ``batch_data`` of the original ``musicnn/extractor.py``: ``librosa.load(sr=16000)``, then
``librosa.feature.melspectrogram(hop_length=256, n_fft=512, n_mels=96)`` (power 2, Hann window, centred
frames, Slaney mel scale and area normalisation), the spectrogram rounded to float16, ``log10(10000 x + 1)``
in float32, and patches of 187 frames that do not overlap by default.
"""

from __future__ import annotations

import librosa
import numpy as np

SAMPLE_RATE = 16000
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 96
N_FRAMES = 187  # librosa.time_to_frames(3 s) + 1, as the original's extractor computes it


def to_model_rate(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Audio (samples,) or (channels, samples) → float32 mono at 16 kHz.

    Channels are averaged, as ``librosa.load(mono=True)`` does. The original resampled through
    ``librosa.load``'s default of its time (resampy's ``kaiser_best``); librosa now defaults to soxr, which
    is used here so as not to add resampy: both are band-limited sinc resamplers and differ by far less than
    the float16 rounding below, but not bit for bit.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2:
        audio = librosa.to_mono(audio)
    if audio.ndim != 1:
        raise ValueError(f"audio must be (samples,) or (channels, samples), got shape {audio.shape}")
    if sample_rate != SAMPLE_RATE:
        audio = librosa.resample(audio, orig_sr=sample_rate, target_sr=SAMPLE_RATE, res_type="soxr_hq")
    return audio.astype(np.float32, copy=False)


def log_mel(audio: np.ndarray) -> np.ndarray:
    """16 kHz mono float32 audio → the original's log-mel spectrogram (frames, 96), float32.

    ``pad_mode="reflect"`` is named because librosa >= 0.9 pads centred frames with zeros by default; the
    original ran on librosa 0.7/0.8, whose default was reflection.

    The original rounds the mel power to float16, then computes ``np.log10(10000 * x + 1)``. Under the
    numpy < 2 it ran on, the Python int 10000 promotes float16 to float32, so the log is taken in float32
    from the float16-rounded power; numpy >= 2 would keep float16 (and overflow above a power of 6.55), so
    the cast to float32 is written out here.
    """
    mel = librosa.feature.melspectrogram(y=audio, sr=SAMPLE_RATE, hop_length=HOP_LENGTH, n_fft=N_FFT,
                                         n_mels=N_MELS, pad_mode="reflect").T
    with np.errstate(over="ignore"):
        rounded = mel.astype(np.float16).astype(np.float32)
    if not np.isfinite(rounded).all():
        # float16 holds powers up to 65504, far above what audio within [-1, 1] reaches (about 500)
        raise ValueError("the mel power overflows float16: audio must be floating point within about [-1, 1]")
    return np.log10(np.float32(10000) * rounded + np.float32(1))


def patch_starts(n_frames: int, hop: int = N_FRAMES) -> range:
    """The first frame of each patch: every ``hop`` frames while a whole patch fits (the last partial one is
    dropped, as in the original)."""
    return range(0, n_frames - N_FRAMES + 1, hop)


def musicnn_patches(audio: np.ndarray, sample_rate: int, hop: int = N_FRAMES) -> np.ndarray:
    """Audio at any rate → patches (n_patches, 187, 96) float32, one every ``hop`` frames (16 ms each).

    Raises ``ValueError`` for audio shorter than one patch (about 3 s; the original fails there too).
    """
    if hop < 1:
        raise ValueError(f"hop must be >= 1 frame, got {hop}")
    spectrogram = log_mel(to_model_rate(audio, sample_rate))
    starts = patch_starts(len(spectrogram), hop)
    if not starts:
        seconds = (N_FRAMES - 1) * HOP_LENGTH / SAMPLE_RATE
        raise ValueError(f"audio of {len(spectrogram)} frames is shorter than one patch of {N_FRAMES} frames "
                         f"(about {seconds:.2f} s at {SAMPLE_RATE} Hz)")
    return np.stack([spectrogram[start:start + N_FRAMES] for start in starts])
