"""Hand-crafted clip statistics used as the plain (non-learned) audio baseline.

Each clip is summarised by 43 numbers: the mean and the standard deviation over
frames of 20 MFCCs, the mean and the standard deviation of the spectral
centroid, and the mean zero-crossing rate (librosa defaults otherwise).  The
baseline clusters these vectors (after standardisation) with k-means.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

N_MFCC = 20

CLIP_STATISTIC_NAMES: tuple[str, ...] = (
    tuple(f"mfcc{i}_mean" for i in range(1, N_MFCC + 1))
    + tuple(f"mfcc{i}_std" for i in range(1, N_MFCC + 1))
    + ("centroid_mean", "centroid_std", "zcr_mean")
)
"""Names of the 43 clip statistics, in the order :func:`clip_statistics` returns them."""


def clip_statistics(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """Compute the 43 clip statistics of a mono signal.

    Parameters
    ----------
    y : numpy.ndarray
        One-dimensional (mono) audio signal, nominally in [-1, 1].
    sample_rate : int
        Sampling rate of ``y`` in Hz.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(43,)``: 20 MFCC means, 20 MFCC standard
        deviations (``librosa.feature.mfcc`` with ``n_mfcc=20``), spectral
        centroid mean and standard deviation (Hz), and zero-crossing-rate mean
        (crossings per sample).  See :data:`CLIP_STATISTIC_NAMES`.  Always finite,
        also for silent input. The same bits whatever the number of cores (the MFCC's
        BLAS runs on one thread).

    Raises
    ------
    ValueError
        If ``y`` is not one-dimensional or is empty.
    """
    import librosa  # imported lazily: librosa is slow to import

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a mono (1-D) signal, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("cannot compute statistics of an empty signal")
    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    # Multi-threaded OpenBLAS sums the MFCC's matrix products in another order than one thread:
    # one thread always gives the same bits on any core count, in any worker process.
    with threadpool_limits(limits=1, user_api="blas"):
        mfcc = librosa.feature.mfcc(y=y, sr=sample_rate, n_mfcc=N_MFCC)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sample_rate)[0]
    zcr = librosa.feature.zero_crossing_rate(y)[0]
    stats = np.concatenate(
        [
            mfcc.mean(axis=1),
            mfcc.std(axis=1),
            [centroid.mean(), centroid.std(), zcr.mean()],
        ]
    )
    return np.nan_to_num(stats, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
