"""Shared look of every figure: the Agg backend, style, palette, atomic PNG output, spectrogram axes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import atomic_path  # noqa: E402

DPI = 110

# Applied through ``plt.rc_context`` so that importing this module never
# changes global matplotlib state for other code.
_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.grid": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    # labels come from corpora: "$\frac$" in a genre or title is text, not mathtext (which would fail)
    "text.parse_math": False,
}

_SPEC_CMAP = "magma"
_SPEC_CBAR_LABEL = "log-power, min-max scaled to [0, 1]"


def _save(fig, path) -> Path:
    """Save ``fig`` as PNG at ``path`` (atomically, no timestamp in the file) and close it."""
    try:
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return Path(path)


def _palette(n: int) -> list:
    """Return ``n`` colour-blind-friendly colours (tab10, then tab20, cycled)."""
    name = "tab10" if n <= 10 else "tab20"
    cmap = plt.get_cmap(name)
    return [cmap(i % cmap.N) for i in range(n)]


_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _categories(labels: Sequence) -> tuple[np.ndarray, list[str]]:
    """String-ify labels (missing -> ``"unknown"``) and list sorted categories."""
    out = []
    for v in labels:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("unknown")
        else:
            out.append(str(v))
    arr = np.asarray(out, dtype=object)
    return arr, sorted(set(out))


def _time_axis_label(n_frames: int, sample_rate: int, hop_length: int) -> str:
    """Axis label matching librosa's adaptive ``TimeFormatter`` for the span."""
    duration = n_frames * hop_length / float(sample_rate)
    if duration > 3600:
        return "time (h:mm:ss)"
    if duration > 60:
        return "time (m:ss)"
    if duration >= 1:
        return "time (s)"
    return "time (ms)"


def _specshow(ax, mel, *, sample_rate, hop_length, fmin, fmax):
    """Draw a (n_mels, T) array in [0, 1] with time / mel-Hz axes."""
    import librosa.display  # local: heavy import, only needed here

    kwargs = {}
    if fmin is not None:
        kwargs["fmin"] = fmin
    if fmax is not None:
        kwargs["fmax"] = fmax
    img = librosa.display.specshow(
        np.asarray(mel, dtype=np.float32),
        x_axis="time",
        y_axis="mel",
        sr=sample_rate,
        hop_length=hop_length,
        ax=ax,
        cmap=_SPEC_CMAP,
        vmin=0.0,
        vmax=1.0,
        **kwargs,
    )
    ax.set_xlabel(_time_axis_label(np.shape(mel)[1], sample_rate, hop_length))
    ax.set_ylabel("frequency (Hz, mel-spaced)")
    return img


