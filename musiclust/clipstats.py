"""Hand-crafted clip statistics used as the plain (non-learned) audio baseline.

Each clip is summarised by 43 numbers: the mean and the standard deviation over
frames of 20 MFCCs, the mean and the standard deviation of the spectral
centroid, and the mean zero-crossing rate: librosa's recipe with its defaults
(``librosa.feature.mfcc``, ``spectral_centroid``, ``zero_crossing_rate``: frames of 2048
samples, hop 512, 128 Slaney mel bands). The baseline clusters these vectors (after
standardisation) with k-means.

The spectrogram is the log-mel chunks' own (:func:`musiclust.audio.mel_spectra`): the features
stage takes one STFT of each 3-s chunk and reads both the log-mel images and these statistics
from it (:class:`ClipFrames`). A chunk's STFT zero-pads its ends, where one STFT of the whole
clip would see the neighbouring chunk, so the frames whose window crosses the join of two chunks
are left out; the clip's own first and last frames are zero-padded as librosa's are, and kept.
The frames sit on each chunk's grid rather than on one grid across the clip: on a signal no
longer than one chunk the statistics are librosa's within :data:`SAME_FRAMES_TOLERANCE`, on a
longer one within :data:`LIBROSA_TOLERANCE` (tests).

From the spectrogram on, everything is torch in float64 on one thread, with no NumPy BLAS:
NumPy's BLAS gives other bits under each kernel OpenBLAS selects for a CPU (Haswell, SkylakeX,
...); this path gives the same bits under every selection (a pipeline test proves it). The reference,
:func:`clip_statistics_librosa`, is librosa's own NumPy code, for tests and the benchmark.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

from .audio import chunk, mel_spectra
from .linalg import one_torch_thread
from .mel_config import MelConfig

N_MFCC = 20
N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 128
TOP_DB = 80.0
AMIN = 1e-10
ZERO_THRESHOLD = 1e-10   # librosa.zero_crossings: |y| at most this counts as zero
CHUNK_SECONDS = 3.0      # the pieces :func:`clip_statistics` cuts a signal into: the features stage's chunks

CLIP_STATISTIC_NAMES: tuple[str, ...] = (
    tuple(f"mfcc{i}_mean" for i in range(1, N_MFCC + 1))
    + tuple(f"mfcc{i}_std" for i in range(1, N_MFCC + 1))
    + ("centroid_mean", "centroid_std", "zcr_mean")
)
"""Names of the 43 clip statistics, in the order :func:`clip_statistics` returns them."""

LIBROSA_TOLERANCE = {"mean": 0.05, "std": 0.05, "zcr": 1e-6}
"""How far :func:`clip_statistics` may be from librosa's recipe (:func:`clip_statistics_librosa`)
on the same signal, as :func:`librosa_gaps` measures it: every MFCC mean (dB) and the centroid's
mean (Hz) within 0.05 of librosa's standard deviation of that feature over frames, every standard
deviation within 5% of librosa's, the zero-crossing rate (counted from the samples) within 1e-6,
relative. The frames sit on each 3-s chunk's grid, librosa's on one grid across the clip: on 30
synthetic tracks (30 s and 8 s) and 30 s of noise the largest gaps were 0.030 (means) and 0.027
(standard deviations), the medians 0.012 and 0.011."""

SAME_FRAMES_TOLERANCE = {"rtol": 1e-4, "atol": 2e-3}
"""How far :func:`clip_statistics` may be from librosa's recipe on a signal no longer than one
chunk, whose frames are librosa's: only the rounding differs (librosa and the STFT here are float32)."""


def recipe(sample_rate: int) -> MelConfig:
    """The spectrogram settings of the clip statistics at ``sample_rate``: librosa's defaults."""
    return MelConfig(sample_rate=int(sample_rate), n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS)


def shares_spectrogram(cfg: MelConfig) -> bool:
    """Whether the log-mel recipe ``cfg`` computes the clip statistics' spectrogram (it does at the
    study's settings), so that :class:`ClipFrames` can read it."""
    return (cfg.n_fft, cfg.hop_length, cfg.n_mels) == (N_FFT, HOP_LENGTH, N_MELS)


@lru_cache(maxsize=4)
def _bases(sample_rate: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The orthonormal DCT-II (mfcc, mels) and the STFT bin frequencies, in float64: librosa's defaults."""
    n = torch.arange(N_MELS, dtype=torch.float64)
    k = torch.arange(N_MFCC, dtype=torch.float64)[:, None]
    dct = torch.cos(math.pi / N_MELS * (n + 0.5) * k) * math.sqrt(2.0 / N_MELS)
    dct[0] /= math.sqrt(2.0)
    freqs = torch.linspace(0.0, sample_rate / 2.0, N_FFT // 2 + 1, dtype=torch.float64)
    return dct, freqs


def clip_statistics_librosa(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """The study's recipe, kept as the reference for :func:`clip_statistics`: ``librosa.feature.mfcc``
    (20 coefficients), ``spectral_centroid`` and ``zero_crossing_rate`` of the whole signal with
    their defaults, their means and standard deviations over frames.

    Returns
    -------
    numpy.ndarray, float32, shape (43,)
        In the order of :data:`CLIP_STATISTIC_NAMES`.
    """
    import librosa

    y = _signal(y)
    mfcc = librosa.feature.mfcc(y=y, sr=sample_rate, n_mfcc=N_MFCC)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sample_rate)[0]
    zcr = librosa.feature.zero_crossing_rate(y)[0]
    return np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1),
                           [centroid.mean(), centroid.std(), zcr.mean()]]).astype(np.float32)


def librosa_gaps(stats: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """How far clip statistics are from librosa's (:func:`clip_statistics_librosa`), in the terms of
    :data:`LIBROSA_TOLERANCE`.

    Parameters
    ----------
    stats, reference : numpy.ndarray, shape (43,) or (n, 43)
        Ours and librosa's, of the same signals.

    Returns
    -------
    dict
        ``mean``: the largest ``|mean - reference mean| / reference std`` over the 21 features (20
        MFCCs, the centroid), ``std``: the largest ``|std - reference std| / reference std``, each
        standard deviation taken as at least 1e-3 (a constant feature, as in silence); ``zcr``: the
        zero-crossing rate's relative difference (0 where both are 0).

    Examples
    --------
    >>> reference = np.r_[np.full(20, -10.0), np.full(20, 2.0), 1000.0, 100.0, 0.05]
    >>> stats = reference + np.r_[np.zeros(19), 0.1, np.zeros(20), 0.0, -1.0, 0.0]
    >>> {name: round(gap, 3) for name, gap in librosa_gaps(stats, reference).items()}
    {'mean': 0.05, 'std': 0.01, 'zcr': 0.0}
    """
    stats, reference = np.atleast_2d(stats).astype(np.float64), np.atleast_2d(reference).astype(np.float64)
    means = list(range(N_MFCC)) + [2 * N_MFCC]
    stds = list(range(N_MFCC, 2 * N_MFCC)) + [2 * N_MFCC + 1]
    spread = np.maximum(reference[:, stds], 1e-3)
    zcr = np.abs(stats[:, -1] - reference[:, -1]) / np.maximum(reference[:, -1], np.finfo(np.float32).tiny)
    return {"mean": float((np.abs(stats[:, means] - reference[:, means]) / spread).max()),
            "std": float((np.abs(stats[:, stds] - reference[:, stds]) / spread).max()),
            "zcr": float(zcr.max())}


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


def _signal(y) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a mono (1-D) signal, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("cannot compute statistics of an empty signal")
    return np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)


class ClipFrames:
    """The spectrogram frames of one signal, added piece by piece in signal order, and the 43 clip
    statistics of them (:meth:`statistics`).

    Each piece is kept as its mel power and its per-frame spectral centroid; the frames whose
    window crosses the join of two pieces are left out when the statistics are taken (when every
    frame does, as with pieces shorter than a window, all are used).

    Parameters
    ----------
    sample_rate : int
        The rate of the signal and of the spectra added.

    Examples
    --------
    >>> from musiclust.audio import chunk, mel_spectra
    >>> y = np.sin(2 * np.pi * 441.0 * np.arange(4 * 22050) / 22050).astype(np.float32)
    >>> frames = ClipFrames(22050)
    >>> frames.add(*mel_spectra(chunk(y, 66150), recipe(22050)), 66150)   # one 3-s chunk
    >>> stats = frames.statistics(y)                                       # the last second: its own STFT
    >>> bool((stats == clip_statistics(y, 22050)).all()), round(float(stats[40])), round(float(stats[42]), 4)
    (True, 444, 0.0396)
    """

    def __init__(self, sample_rate: int):
        self.sample_rate = int(sample_rate)
        self._pieces: list[tuple[torch.Tensor, torch.Tensor, int]] = []  # (mel power, centroid, samples per piece)

    @property
    def covered(self) -> int:
        """How many samples of the signal the pieces added so far hold."""
        return sum(len(centroid) * samples for _, centroid, samples in self._pieces)

    def add(self, power: torch.Tensor, mel_power: torch.Tensor, piece_samples: int) -> None:
        """Append the next ``B`` pieces of the signal, ``piece_samples`` samples each.

        Parameters
        ----------
        power, mel_power : torch.Tensor, shapes (B, 1025, T) and (B, 128, T)
            :func:`musiclust.audio.mel_spectra` of the pieces at :func:`recipe`'s settings.
        piece_samples : int > 0
        """
        if power.ndim != 3 or power.shape[1] != N_FFT // 2 + 1 or mel_power.shape[:2] != (power.shape[0], N_MELS):
            raise ValueError(f"expected the spectra of mel_spectra at n_fft {N_FFT} and {N_MELS} mel bands, "
                             f"got {tuple(power.shape)} and {tuple(mel_power.shape)}")
        _, freqs = _bases(self.sample_rate)
        with torch.no_grad(), one_torch_thread():
            magnitude = power.sqrt().double()                                       # (B, freqs, T)
            total = magnitude.sum(dim=1)
            centroid = torch.where(total > torch.finfo(torch.float32).tiny,
                                   (freqs[:, None] * magnitude).sum(dim=1) / total.clamp_min(1e-300),
                                   torch.zeros_like(total))                         # (B, T)
        self._pieces.append((mel_power.double(), centroid, int(piece_samples)))

    def statistics(self, samples: np.ndarray) -> np.ndarray:
        """The 43 clip statistics (see :func:`clip_statistics`) of ``samples``, the signal whose
        pieces were added; the samples after the last piece (a tail shorter than a piece) get their
        own STFT here. The frames added stay as they were.

        Parameters
        ----------
        samples : numpy.ndarray, shape (n,)
            At least :attr:`covered` samples, the first :attr:`covered` of them the pieces'.
        """
        y = _signal(samples)
        pieces = list(self._pieces)
        if self.covered > len(y):
            raise ValueError(f"the pieces hold {self.covered} samples, the signal {len(y)}")
        if self.covered < len(y):
            tail = y[self.covered:]
            power, mel_power = mel_spectra(tail[None], recipe(self.sample_rate))
            tail_frames = ClipFrames(self.sample_rate)
            tail_frames.add(power, mel_power, len(tail))
            pieces += tail_frames._pieces
        dct, _ = _bases(self.sample_rate)
        with torch.no_grad(), one_torch_thread():
            keep = _clear_of_joins(pieces)
            if not any(bool(k.any()) for k in keep):
                keep = [torch.ones_like(k) for k in keep]
            mel_frames = torch.cat([mel.transpose(0, 1)[:, k] for (mel, _, _), k in zip(pieces, keep)], dim=1)
            centroid = torch.cat([c[k] for (_, c, _), k in zip(pieces, keep)])
            power_db = 10.0 * torch.log10(mel_frames.clamp_min(AMIN))                   # (mels, frames)
            power_db = torch.maximum(power_db, power_db.max() - TOP_DB)
            mfcc = dct @ power_db                                                        # (mfcc, frames)
            zcr = _zero_crossing_rate(torch.from_numpy(y))
            stats = torch.cat([mfcc.mean(dim=1), mfcc.std(dim=1, correction=0),
                               torch.stack([centroid.mean(), centroid.std(correction=0), zcr.mean()])])
        return np.nan_to_num(stats.numpy(), nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


def _clear_of_joins(pieces: list[tuple[torch.Tensor, torch.Tensor, int]]) -> list[torch.Tensor]:
    """For each batch of pieces, (B, T): whether a frame's window (``N_FFT`` samples centred on
    ``t * HOP_LENGTH``) stays inside its piece wherever the piece meets another."""
    n_pieces = sum(len(centroid) for _, centroid, _ in pieces)
    keep, first = [], 0
    for _, centroid, samples in pieces:
        index = torch.arange(first, first + len(centroid))[:, None]
        centre = torch.arange(centroid.shape[1])[None, :] * HOP_LENGTH
        keep.append(((index == 0) | (centre >= N_FFT // 2)) & ((index == n_pieces - 1) | (centre + N_FFT // 2 <= samples)))
        first += len(centroid)
    return keep


def clip_statistics(y: np.ndarray, sample_rate: int, *, chunk_samples: int | None = None,
                    batch_size: int = MelConfig.batch_size) -> np.ndarray:
    """Compute the 43 clip statistics of a mono signal.

    The signal is cut as the features stage cuts a crop (whole chunks, then a shorter tail), each
    piece's STFT taken once (:func:`musiclust.audio.mel_spectra`, ``batch_size`` chunks at a
    time) and read by :class:`ClipFrames`: the features stage gives the same bits for its crop.

    Parameters
    ----------
    y : numpy.ndarray
        One-dimensional (mono) audio signal, nominally in [-1, 1]; at least one sample.
    sample_rate : int
        Sampling rate of ``y`` in Hz.
    chunk_samples : int > 0, optional
        The pieces' length. Default: :data:`CHUNK_SECONDS` at ``sample_rate``.
    batch_size : int > 0

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(43,)``: 20 MFCC means, 20 MFCC standard deviations
        (librosa's MFCC: the orthonormal DCT-II of the 128-band Slaney mel power in dB,
        floored 80 dB below its maximum), spectral centroid mean and standard deviation
        (Hz), and zero-crossing-rate mean (crossings per sample, over the whole signal);
        frames of 2048 samples, hop 512, centred. See :data:`CLIP_STATISTIC_NAMES`. Always
        finite, also for silent input; the same bits on any core count and under any BLAS kernel.

    Raises
    ------
    ValueError
        If ``y`` is not one-dimensional or is empty.
    """
    y = _signal(y)
    piece = int(round(CHUNK_SECONDS * sample_rate)) if chunk_samples is None else int(chunk_samples)
    pieces = chunk(y, piece)
    frames = ClipFrames(sample_rate)
    for b in range(0, len(pieces), batch_size):
        frames.add(*mel_spectra(pieces[b : b + batch_size], recipe(sample_rate)), piece)
    return frames.statistics(y)
