"""Training curves: total, reconstruction and KL per epoch."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

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
        columns ``validation_total``, ``validation_reconstruction``,
        ``validation_kl`` (the validation songs' losses, KL weight 1) are
        drawn as dashed curves when present; with a ``seed`` column,
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
                val_col = f"validation_{col}"
                if val_col in hist.columns:
                    ax.plot(epoch, hist[val_col].to_numpy(dtype=float), color=colour, ls="--", lw=1.5,
                            label=f"{label} validation")
                finite = y[np.isfinite(y)]
                if finite.size:
                    finals.append(finite[-1])
            if len(runs) > 1 or any(f"validation_{col}" in run.columns for _, run in runs):
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


def kl_dim_columns(history: pd.DataFrame) -> list[str]:
    """The per-dimension KL columns of a training history (``kl_dim_<i>``), in dimension order."""
    return sorted((c for c in history.columns if c.startswith("kl_dim_")), key=lambda c: int(c[7:]))


def plot_kl_per_dim(history: pd.DataFrame, path, *, title: str, threshold: float = 0.01) -> Path:
    """KL of each latent dimension: over epochs (first training seed) and at the last epoch (every seed).

    Parameters
    ----------
    history : pandas.DataFrame
        One row per epoch (and ``seed``, optional) with ``epoch`` and ``kl_dim_<i>`` columns (nats per sample).
    threshold : float
        Nats below which a dimension counts as unused; drawn as a line.
    """
    columns = kl_dim_columns(history)
    if not columns:
        raise ValueError("history has no kl_dim_<i> columns")
    if "seed" not in history.columns:
        history = history.assign(seed=0)
    runs = [(seed, h.sort_values("epoch", kind="mergesort")) for seed, h in history.groupby("seed", sort=True)]
    first_seed, first = runs[0]
    kl = first[columns].to_numpy(dtype=float)  # (epochs, dims)
    # Dimensions ordered by their final KL, most informative first, so the heatmap reads as a staircase.
    order = np.argsort(-kl[-1], kind="stable")
    colours = _palette(max(3, len(runs)))
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1.4, 1]})
        image = axes[0].imshow(np.log10(np.maximum(kl[:, order].T, 1e-4)), aspect="auto", origin="lower",
                               cmap="viridis", interpolation="nearest",
                               extent=(first["epoch"].min() - 0.5, first["epoch"].max() + 0.5, -0.5, len(columns) - 0.5))
        fig.colorbar(image, ax=axes[0], label="log10 KL (nats)")
        axes[0].set_xlabel("epoch")
        axes[0].set_ylabel("latent dimension (by final KL)")
        axes[0].set_title(f"KL per dimension over training (seed {first_seed})")
        for r, (seed, run) in enumerate(runs):
            final = np.sort(run[columns].to_numpy(dtype=float)[-1])[::-1]
            used = int((final > threshold).sum())
            axes[1].plot(np.arange(len(final)), np.maximum(final, 1e-4), color=colours[r], lw=1.8, marker="o", ms=3,
                         label=f"seed {seed}: {used} dims > {threshold:g} nats")
        axes[1].axhline(threshold, color="grey", ls="--", lw=1)
        axes[1].set_yscale("log")
        # plain numbers: the default log labels are mathtext, which the shared style leaves as text
        axes[1].yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axes[1].yaxis.set_minor_formatter(NullFormatter())
        axes[1].set_xlabel("rank of dimension")
        axes[1].set_ylabel("KL at the last epoch (nats)")
        axes[1].set_title("final KL per dimension, sorted")
        axes[1].legend(frameon=False)
        axes[1].grid(True, alpha=0.3)
        fig.suptitle(title)
        fig.tight_layout()
        return _save(fig, path)
