"""Hand-crafted clip statistics used as the plain (non-learned) audio baseline.

Each clip is summarised by 43 numbers: the mean and the standard deviation over
frames of 20 MFCCs, the mean and the standard deviation of the spectral
centroid, and the mean zero-crossing rate: librosa's recipe with its defaults
(``librosa.feature.mfcc``, ``spectral_centroid``, ``zero_crossing_rate``), computed
in torch in float64 from one STFT. NumPy's BLAS gives other bits under each kernel
OpenBLAS selects for a CPU (Haswell, SkylakeX, ...); this path gives the same bits under
every selection (a pipeline test proves it), and stays within :data:`LIBROSA_TOLERANCE`
of librosa's float32 recipe (a test). The baseline clusters these vectors (after
standardisation) with k-means.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
import torchaudio

from .linalg import one_torch_thread

N_MFCC = 20
N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 128
TOP_DB = 80.0
AMIN = 1e-10
ZERO_THRESHOLD = 1e-10   # librosa.zero_crossings: |y| at most this counts as zero

CLIP_STATISTIC_NAMES: tuple[str, ...] = (
    tuple(f"mfcc{i}_mean" for i in range(1, N_MFCC + 1))
    + tuple(f"mfcc{i}_std" for i in range(1, N_MFCC + 1))
    + ("centroid_mean", "centroid_std", "zcr_mean")
)
"""Names of the 43 clip statistics, in the order :func:`clip_statistics` returns them."""

LIBROSA_TOLERANCE = {"rtol": 1e-4, "atol": 2e-3}
"""How far :func:`clip_statistics` may be from librosa's float32 recipe on the same signal
(``numpy.testing.assert_allclose`` arguments; MFCCs in dB, the centroid in Hz): librosa rounds
every step to float32, this recipe computes in float64."""


@lru_cache(maxsize=4)
def _bases(sample_rate: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The STFT window, the Slaney mel filters (freqs, mels), the orthonormal DCT-II (mfcc, mels)
    and the bin frequencies, in float64: librosa's defaults."""
    window = torch.hann_window(N_FFT, periodic=True, dtype=torch.float64)
    mel = torchaudio.functional.melscale_fbanks(N_FFT // 2 + 1, 0.0, sample_rate / 2.0, N_MELS, sample_rate,
                                                norm="slaney", mel_scale="slaney").double()
    n = torch.arange(N_MELS, dtype=torch.float64)
    k = torch.arange(N_MFCC, dtype=torch.float64)[:, None]
    dct = torch.cos(math.pi / N_MELS * (n + 0.5) * k) * math.sqrt(2.0 / N_MELS)
    dct[0] /= math.sqrt(2.0)
    freqs = torch.linspace(0.0, sample_rate / 2.0, N_FFT // 2 + 1, dtype=torch.float64)
    return window, mel, dct, freqs


def _zero_crossing_rate(y: torch.Tensor) -> torch.Tensor:
    """librosa's per-frame zero-crossing rate (frames of ``N_FFT``, centred with edge padding),
    from integer counts, so exact."""
    half = N_FFT // 2
    padded = torch.cat([y[:1].expand(half), y, y[-1:].expand(half)])
    sign = torch.signbit(torch.where(padded.abs() <= ZERO_THRESHOLD, torch.zeros_like(padded), padded))
    crossing = torch.cat([torch.zeros(1, dtype=torch.int64), (sign[1:] != sign[:-1]).long()])
    counts = torch.cat([torch.zeros(1, dtype=torch.int64), crossing.cumsum(0)])
    starts = torch.arange(0, len(padded) - N_FFT + 1, HOP_LENGTH)
    # a frame's first sample is not compared with the sample before it (librosa's pad=False)
    per_frame = counts[starts + N_FFT] - counts[starts + 1]
    return per_frame.double() / N_FFT


def clip_statistics(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """Compute the 43 clip statistics of a mono signal.

    Parameters
    ----------
    y : numpy.ndarray
        One-dimensional (mono) audio signal, nominally in [-1, 1]; at least one sample.
    sample_rate : int
        Sampling rate of ``y`` in Hz.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(43,)``: 20 MFCC means, 20 MFCC standard deviations
        (librosa's MFCC: the orthonormal DCT-II of the 128-band Slaney mel power in dB,
        floored 80 dB below its maximum), spectral centroid mean and standard deviation
        (Hz), and zero-crossing-rate mean (crossings per sample); frames of 2048 samples,
        hop 512, centred. See :data:`CLIP_STATISTIC_NAMES`. Always finite, also for
        silent input; the same bits on any core count and under any BLAS kernel.

    Raises
    ------
    ValueError
        If ``y`` is not one-dimensional or is empty.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a mono (1-D) signal, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("cannot compute statistics of an empty signal")
    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    window, mel, dct, freqs = _bases(int(sample_rate))
    with torch.no_grad(), one_torch_thread():
        samples = torch.from_numpy(y)
        spectrum = torch.stft(samples.double(), N_FFT, HOP_LENGTH, window=window, center=True,
                              pad_mode="constant", return_complex=True).abs()        # (freqs, frames)
        power_db = 10.0 * torch.log10((mel.T @ spectrum.square()).clamp_min(AMIN))   # (mels, frames)
        power_db = torch.maximum(power_db, power_db.max() - TOP_DB)
        mfcc = dct @ power_db                                                        # (mfcc, frames)
        total = spectrum.sum(dim=0)
        centroid = torch.where(total > torch.finfo(torch.float32).tiny,
                               (freqs[:, None] * spectrum).sum(dim=0) / total.clamp_min(1e-300),
                               torch.zeros_like(total))
        zcr = _zero_crossing_rate(samples)
        stats = torch.cat([mfcc.mean(dim=1), mfcc.std(dim=1, correction=0),
                           torch.stack([centroid.mean(), centroid.std(correction=0), zcr.mean()])])
    return np.nan_to_num(stats.numpy(), nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
