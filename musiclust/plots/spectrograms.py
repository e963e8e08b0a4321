"""Log-mel spectrograms with honest axes, and a model's reconstructions beside the originals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .style import (
    _SPEC_CBAR_LABEL,
    _STYLE,
    _save,
    _specshow,
)


def plot_reconstructions(
    originals: np.ndarray,
    reconstructions: np.ndarray,
    path,
    *,
    sample_rate: int,
    hop_length: int,
    title: str,
    captions: Sequence[str] | None = None,
    fmin: float | None = None,
    fmax: float | None = None,
) -> Path:
    """Show log-mel chunks next to their VAE reconstructions.

    Parameters
    ----------
    originals : numpy.ndarray, shape (n, n_mels, T)
        Input chunks in [0, 1] (mel bins x frames), typically (n, 128, 128).
    reconstructions : numpy.ndarray, shape (n, n_mels, T)
        Decoder outputs in [0, 1], same shape as ``originals``.
    sample_rate : int
        Audio sample rate in Hz used to compute the spectrograms.
    hop_length : int
        STFT hop in samples.
    title : str
        Figure title.
    captions : sequence of str, length n, optional
        Text shown above each column (e.g. track id / genre).
    fmin, fmax : float, optional
        Mel filterbank limits in Hz if they differ from librosa's defaults
        (0 and ``sample_rate / 2``); only affects the frequency axis ticks.

    """
    orig = np.asarray(originals, dtype=np.float32)
    rec = np.asarray(reconstructions, dtype=np.float32)
    if orig.ndim == 2:
        orig = orig[None]
    if rec.ndim == 2:
        rec = rec[None]
    if orig.ndim != 3 or orig.shape != rec.shape:
        raise ValueError(
            f"originals and reconstructions must both be (n, n_mels, T); "
            f"got {orig.shape} and {rec.shape}"
        )
    n = orig.shape[0]
    if n == 0:
        raise ValueError("need at least one spectrogram")
    if captions is not None and len(captions) != n:
        raise ValueError(f"{len(captions)} captions for {n} columns")
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(
            2,
            n,
            figsize=(2.9 * n + 1.4, 6.0),
            squeeze=False,
            sharex=True,
            sharey=True,
            layout="constrained",
        )
        img = None
        for j in range(n):
            for i, (arr, row) in enumerate(((orig[j], "original"), (rec[j], "reconstruction"))):
                ax = axes[i, j]
                img = _specshow(
                    ax, arr, sample_rate=sample_rate, hop_length=hop_length, fmin=fmin, fmax=fmax
                )
                mse = float(np.mean((orig[j] - rec[j]) ** 2))
                if i == 0:
                    cap = str(captions[j]) if captions is not None else f"example {j + 1}"
                    ax.set_title(cap, fontsize=10)
                else:
                    ax.set_title(f"MSE = {mse:.4f}", fontsize=9, color="0.3")
                if j == 0:
                    ax.set_ylabel(f"{row}\nfrequency (Hz, mel-spaced)")
                else:
                    ax.set_ylabel("")
                if i == 0:
                    ax.set_xlabel("")
        cbar = fig.colorbar(img, ax=axes, shrink=0.85, pad=0.02)
        cbar.set_label(_SPEC_CBAR_LABEL)
        fig.suptitle(title)
        return _save(fig, path)


def plot_spectrogram(
    mel: np.ndarray,
    path,
    *,
    sample_rate: int,
    hop_length: int,
    title: str,
    fmin: float | None = None,
    fmax: float | None = None,
) -> Path:
    """Plot a single normalised log-mel chunk.

    Parameters
    ----------
    mel : numpy.ndarray, shape (n_mels, T)
        One chunk in [0, 1], typically (128, T).
    sample_rate : int
        Audio sample rate in Hz.
    hop_length : int
        STFT hop in samples.
    title : str
        Figure title.
    fmin, fmax : float, optional
        Mel filterbank limits in Hz if they differ from librosa's defaults.

    """
    arr = np.asarray(mel, dtype=np.float32)
    if arr.ndim != 2:
        raise ValueError(f"mel must be 2-D (n_mels, T), got shape {arr.shape}")
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
        img = _specshow(ax, arr, sample_rate=sample_rate, hop_length=hop_length, fmin=fmin, fmax=fmax)
        cbar = fig.colorbar(img, ax=ax, pad=0.02)
        cbar.set_label(_SPEC_CBAR_LABEL)
        ax.set_title(title)
        return _save(fig, path)
