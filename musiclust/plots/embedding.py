"""Latent spaces: t-SNE maps coloured by label, and correlations between latent dimensions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .style import (
    _MARKERS,
    _STYLE,
    _categories,
    _palette,
    _save,
)


def tsne_2d(features: np.ndarray, *, seed: int, perplexity: float = 30.0) -> np.ndarray:
    """Embed features in 2-D with t-SNE.

    Parameters
    ----------
    features : numpy.ndarray, shape (N, D)
        Feature matrix, N >= 2 (the perplexity is shrunk to
        ``(N - 1) / 3`` so small N such as 5 works).
    seed : int
        ``random_state`` for :class:`sklearn.manifold.TSNE`.
    perplexity : float, default 30.0
        Upper bound on the perplexity.

    Returns
    -------
    numpy.ndarray, shape (N, 2), float32
        The embedding.
    """
    from sklearn.manifold import TSNE

    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be 2-D (N, D), got shape {x.shape}")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"t-SNE needs at least 2 samples, got {n}")
    if not np.all(np.isfinite(x)):
        raise ValueError("features contain NaN or inf")
    perp = min(float(perplexity), (n - 1) / 3.0)
    tsne = TSNE(
        n_components=2,
        init="pca",
        random_state=seed,
        perplexity=perp,
    )
    return np.asarray(tsne.fit_transform(x), dtype=np.float32)


def plot_embedding(
    coords: np.ndarray,
    colour_by: Mapping[str, Sequence[str]],
    path,
    *,
    title: str,
    method: str = "t-SNE",
) -> Path:
    """Scatter a 2-D embedding, one panel per labelling.

    Parameters
    ----------
    coords : numpy.ndarray, shape (N, 2)
        2-D coordinates, e.g. from :func:`tsne_2d`.
    colour_by : mapping of str to sequence of str, each of length N
        Panel name -> per-point label, e.g.
        ``{"language": [...], "genre": [...]}``. Missing labels (None/NaN)
        are shown as ``"unknown"``. Categories are sorted so colours are
        stable across runs.
    method : str, default "t-SNE"
        Name of the 2-D projection, used in the axis labels.

    """
    xy = np.asarray(coords, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"coords must have shape (N, 2), got {xy.shape}")
    if not colour_by:
        colour_by = {"all points": ["all"] * len(xy)}
    n = len(xy)
    for name, labels in colour_by.items():
        if len(labels) != n:
            raise ValueError(f"colour_by[{name!r}] has {len(labels)} labels for {n} points")
    k = len(colour_by)
    size = 30 if n <= 300 else (14 if n <= 2000 else 6)
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, k, figsize=(6.2 * k, 5.2), squeeze=False)
        for ax, (name, labels) in zip(axes[0], colour_by.items()):
            lab, cats = _categories(labels)
            colours = _palette(len(cats))
            for i, cat in enumerate(cats):
                m = lab == cat
                marker = _MARKERS[(i // 20) % len(_MARKERS)] if len(cats) > 20 else "o"
                ax.scatter(
                    xy[m, 0],
                    xy[m, 1],
                    s=size,
                    color=colours[i],
                    marker=marker,
                    alpha=0.85,
                    edgecolors="white",
                    linewidths=0.4,
                    label=f"{cat} ({int(m.sum())})",
                )
            ax.set_title(f"coloured by {name}")
            ax.set_xlabel(f"{method} 1 (arbitrary units)")
            ax.set_ylabel(f"{method} 2 (arbitrary units)")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect("equal", adjustable="datalim")
            ncol = 1 if len(cats) <= 15 else 2
            ax.legend(
                title=name,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                frameon=False,
                ncol=ncol,
                markerscale=1.3,
                handletextpad=0.3,
            )
        fig.suptitle(f"{title}  (N = {n})")
        fig.tight_layout()
        return _save(fig, path)


def _abs_corr(latents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|Pearson r| between columns; constant columns get 0 everywhere.

    Returns
    -------
    corr : numpy.ndarray, shape (D, D)
        Absolute correlations in [0, 1].
    constant : numpy.ndarray, shape (D,), bool
        Which columns are (numerically) constant.
    """
    z = np.asarray(latents, dtype=np.float64)
    n, d = z.shape
    zc = z - z.mean(axis=0, keepdims=True)
    norm = np.sqrt(np.sum(zc * zc, axis=0))
    scale = np.maximum(np.abs(z).max(axis=0) if n else np.zeros(d), 1.0)
    constant = (norm <= 1e-12 * scale * max(np.sqrt(n), 1.0)) | (n < 2)
    safe = np.where(constant, 1.0, norm)
    u = zc / safe
    u[:, constant] = 0.0
    corr = np.abs(u.T @ u)
    corr = np.clip(corr, 0.0, 1.0)
    np.fill_diagonal(corr, np.where(constant, 0.0, 1.0))
    return corr, constant


def plot_latent_correlation(latents: np.ndarray, path, *, title: str) -> Path:
    """Heatmap of absolute Pearson correlations between latent dimensions.

    Parameters
    ----------
    latents : numpy.ndarray, shape (N, D)
        Latent means (one row per sample). Constant dimensions (e.g.
        collapsed to the prior) are given correlation 0 with everything,
        including themselves, and are marked with ``*`` in the tick labels.
    title : str
        Figure title; the mean off-diagonal |r| is appended.

    """
    z = np.asarray(latents, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"latents must be 2-D (N, D), got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("latents contain NaN or inf")
    d = z.shape[1]
    if d == 0:
        raise ValueError("latents have no dimensions")
    corr, constant = _abs_corr(z)
    off = ~np.eye(d, dtype=bool)
    mean_off = float(corr[off].mean()) if d > 1 else 0.0
    labels = [f"z{i}{'*' if constant[i] else ''}" for i in range(d)]
    cmap = plt.get_cmap("cividis")
    side = min(max(4.5, 0.42 * d + 2.5), 11.0)
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(side + 1.2, side))
        img = ax.imshow(corr, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        if d <= 16:
            for i in range(d):
                for j in range(d):
                    v = corr[i, j]
                    rgba = cmap(v)
                    lum = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]
                    ax.text(
                        j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if lum > 0.5 else "white",
                    )
        step = 1 if d <= 32 else int(np.ceil(d / 32))
        ticks = np.arange(0, d, step)
        ax.set_xticks(ticks)
        ax.set_xticklabels([labels[i] for i in ticks], rotation=90 if d > 12 else 0)
        ax.set_yticks(ticks)
        ax.set_yticklabels([labels[i] for i in ticks])
        ax.set_xlabel("latent dimension")
        ax.set_ylabel("latent dimension")
        for s in ("top", "right"):
            ax.spines[s].set_visible(True)
        cbar = fig.colorbar(img, ax=ax, pad=0.02, shrink=0.85)
        cbar.set_label("|Pearson r|")
        note = f"mean off-diagonal |r| = {mean_off:.3f}"
        if constant.any():
            note += f"; {int(constant.sum())} constant dim(s) marked *"
        ax.set_title(f"{title}\n{note}", fontsize=11)
        fig.tight_layout()
        return _save(fig, path)
