"""Hand-crafted clip statistics used as the plain (non-learned) audio baseline.

Each clip is summarised by 43 numbers: the mean and the standard deviation over
frames of 20 MFCCs, the mean and the standard deviation of the spectral
centroid, and the mean zero-crossing rate (librosa defaults otherwise).  The
baseline clusters these vectors (after standardisation) with k-means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import check


@dataclass(frozen=True)
class ClipStatsParams:
    sample_rate: int = 22050
    crop_seconds: float = 30.0

    def validate(self, key: str) -> None:
        check(self.sample_rate >= 8000, f"{key}.sample_rate", "must be >= 8000")
        check(self.crop_seconds > 0, f"{key}.crop_seconds", "must be > 0")

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
        also for silent input.

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


def corpus_clip_statistics(tracks, root, *, sample_rate: int, crop_seconds: float = 30.0,
                           progress: bool = True):
    """The 43 clip statistics of every track's central ``crop_seconds``.

    Parameters
    ----------
    tracks : DataFrame with ``track_id`` and ``path`` (relative to ``root``)

    Returns
    -------
    track_ids : list of str, the tracks that decoded (sorted)
    stats : np.ndarray, float32, shape (len(track_ids), 43)
    skipped : DataFrame with ``track_id`` and ``reason`` for tracks that did not decode
    """
    from pathlib import Path

    import pandas as pd
    from tqdm.auto import tqdm

    from .audio import AudioError, central_crop, load_audio

    ids, rows, skipped = [], [], []
    for track in tqdm(tracks.sort_values("track_id").itertuples(index=False), total=len(tracks),
                      desc="clip statistics", unit="track", disable=not progress):
        try:
            y = load_audio(Path(root) / track.path, sample_rate)
        except AudioError as exc:
            skipped.append((track.track_id, str(exc)))
            continue
        ids.append(track.track_id)
        rows.append(clip_statistics(central_crop(y, int(round(crop_seconds * sample_rate)))[0], sample_rate))
    if not rows:
        raise AudioError("no track could be decoded for clip statistics")
    return ids, np.stack(rows).astype(np.float32), pd.DataFrame(skipped, columns=["track_id", "reason"])
