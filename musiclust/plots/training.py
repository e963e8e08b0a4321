"""Training curves: total, reconstruction and KL per epoch."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import (
    _STYLE,
    _palette,
    _save,
)


def plot_loss_curves(history: pd.DataFrame, path, *, title: str) -> Path:
    """Plot beta-VAE training losses against epoch, one panel per term.

    Parameters
    ----------
    history : pandas.DataFrame, shape (E, >=4)
        One row per epoch with columns ``epoch``, ``total``,
        ``reconstruction`` and ``kl`` (per-sample averages). Optional
        columns ``val_total``, ``val_reconstruction``, ``val_kl`` are drawn
        as dashed validation curves when present.

    """
    required = ["epoch", "total", "reconstruction", "kl"]
    missing = [c for c in required if c not in history.columns]
    if missing:
        raise ValueError(f"history is missing columns {missing}")
    hist = history.sort_values("epoch", kind="mergesort")
    epoch = hist["epoch"].to_numpy(dtype=float)
    panels = [
        ("total", "total loss", "loss per sample"),
        ("reconstruction", "reconstruction", "loss per sample"),
        ("kl", "KL divergence", "KL per sample (nats)"),
    ]
    colours = _palette(3)
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, 3, figsize=(13, 4), squeeze=False)
        for ax, (col, name, ylabel), colour in zip(axes[0], panels, colours):
            y = hist[col].to_numpy(dtype=float)
            marker = "o" if len(epoch) <= 30 else None
            ax.plot(epoch, y, color=colour, marker=marker, ms=4, lw=1.8, label="train")
            val_col = f"val_{col}"
            if val_col in hist.columns:
                ax.plot(
                    epoch,
                    hist[val_col].to_numpy(dtype=float),
                    color=colour,
                    ls="--",
                    lw=1.5,
                    label="validation",
                )
                ax.legend(frameon=False)
            finite = y[np.isfinite(y)]
            ax.set_title(f"{name} (final: {finite[-1]:.4g})" if finite.size else name)
            ax.set_xlabel("epoch")
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.3)
            if len(epoch) and np.all(np.mod(epoch, 1) == 0):
                ax.xaxis.get_major_locator().set_params(integer=True)
        fig.suptitle(title)
        fig.tight_layout()
        return _save(fig, path)
