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
        as dashed validation curves when present; with a ``seed`` column,
        one curve per training seed.

    """
    required = ["epoch", "total", "reconstruction", "kl"]
    missing = [c for c in required if c not in history.columns]
    if missing:
        raise ValueError(f"history is missing columns {missing}")
    runs = ([(f"seed {seed}", h) for seed, h in history.groupby("seed", sort=True)] if "seed" in history.columns
            else [("train", history)])
    panels = [
        ("total", "total loss", "loss per sample"),
        ("reconstruction", "reconstruction", "loss per sample"),
        ("kl", "KL divergence", "KL per sample (nats)"),
    ]
    colours = _palette(max(3, len(runs)))
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, 3, figsize=(13, 4), squeeze=False)
        for p, (ax, (col, name, ylabel)) in enumerate(zip(axes[0], panels)):
            finals = []
            for r, (label, run) in enumerate(runs):
                hist = run.sort_values("epoch", kind="mergesort")
                epoch = hist["epoch"].to_numpy(dtype=float)
                # one run: a colour per panel; several seeds: a colour per seed, the same in every panel
                colour = colours[r] if len(runs) > 1 else colours[p]
                y = hist[col].to_numpy(dtype=float)
                marker = "o" if len(epoch) <= 30 else None
                ax.plot(epoch, y, color=colour, marker=marker, ms=4, lw=1.8, label=label)
                val_col = f"val_{col}"
                if val_col in hist.columns:
                    ax.plot(epoch, hist[val_col].to_numpy(dtype=float), color=colour, ls="--", lw=1.5,
                            label=f"{label} validation")
                finite = y[np.isfinite(y)]
                if finite.size:
                    finals.append(finite[-1])
            if len(runs) > 1 or any(f"val_{col}" in run.columns for _, run in runs):
                ax.legend(frameon=False)
            final = "/".join(f"{v:.4g}" for v in finals)
            ax.set_title(f"{name} (final: {final})" if finals else name)
            ax.set_xlabel("epoch")
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.3)
            epochs = history["epoch"].to_numpy(dtype=float)
            if len(epochs) and np.all(np.mod(epochs, 1) == 0):
                ax.xaxis.get_major_locator().set_params(integer=True)
        fig.suptitle(title)
        fig.tight_layout()
        return _save(fig, path)
