"""Figures for the music-clustering pipeline.

Every public ``plot_*`` function here is pure: it takes arrays / DataFrames,
``path`` (the PNG to write) and ``title`` (the figure's title), writes exactly
one PNG file at ``path`` and returns that path as a :class:`pathlib.Path`.
Nothing in this module reads parameters or knows about DVC.

Conventions shared by all functions
-----------------------------------
* The Agg backend is selected at import time, before :mod:`matplotlib.pyplot`.
* Figures are built with the object API and always closed.
* Files are written atomically (:func:`musiclust.io.atomic_path`); parent
  directories are created.
* Output bytes are deterministic for identical inputs: fixed dpi, no
  ``Software`` metadata, no timestamps.
* Colours come from colour-blind-friendly qualitative palettes (tab10,
  falling back to tab20 for more categories) and perceptually uniform
  colour maps (viridis / cividis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .io import atomic_path  # noqa: E402

__all__ = [
    "plot_loss_curves",
    "plot_embedding",
    "tsne_2d",
    "plot_reconstructions",
    "plot_confusion",
    "plot_metric_bars",
    "plot_class_balance",
    "plot_spectrogram",
    "plot_latent_correlation",
]

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
}

_SPEC_CMAP = "magma"
_SPEC_CBAR_LABEL = "log-power, min-max scaled to [0, 1]"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# training curves
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# embeddings
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# spectrograms
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------
def _format_count(v: float) -> str:
    if np.isnan(v):
        return ""
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.2g}"


def plot_confusion(
    matrix: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    path,
    *,
    title: str,
    xlabel: str = "cluster",
    ylabel: str = "true class",
) -> Path:
    """Heatmap of a contingency table with each cell annotated by its count.

    Parameters
    ----------
    matrix : numpy.ndarray, shape (R, C)
        Counts, already ordered by the caller.
    row_labels : sequence of str, length R
        Labels of the rows (true classes).
    col_labels : sequence of str, length C
        Labels of the columns (clusters).
    xlabel, ylabel : str
        Axis labels.

    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {m.shape}")
    r, c = m.shape
    if len(row_labels) != r or len(col_labels) != c:
        raise ValueError(
            f"labels ({len(row_labels)} rows, {len(col_labels)} cols) do not match matrix {m.shape}"
        )
    vmax = float(np.nanmax(m)) if m.size and np.any(np.isfinite(m)) else 1.0
    vmax = vmax if vmax > 0 else 1.0
    cmap = plt.get_cmap("viridis")
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(
            figsize=(max(4.5, 0.6 * c + 3.0), max(3.5, 0.5 * r + 2.0)),
            layout="constrained",
        )
        img = ax.imshow(m, cmap=cmap, vmin=0.0, vmax=vmax, aspect="auto", interpolation="nearest")
        fontsize = 9 if max(r, c) <= 15 else 7
        if r * c <= 900:
            for i in range(r):
                for j in range(c):
                    v = m[i, j]
                    rgba = cmap(v / vmax if np.isfinite(v) else 0.0)
                    lum = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]
                    ax.text(
                        j,
                        i,
                        _format_count(v),
                        ha="center",
                        va="center",
                        fontsize=fontsize,
                        color="black" if lum > 0.5 else "white",
                    )
        ax.set_xticks(range(c))
        ax.set_xticklabels([str(x) for x in col_labels], rotation=45 if c > 6 else 0, ha="right" if c > 6 else "center")
        ax.set_yticks(range(r))
        ax.set_yticklabels([str(x) for x in row_labels])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        cbar = fig.colorbar(img, ax=ax, pad=0.02)
        cbar.set_label("count")
        total = np.nansum(m)
        ax.set_title(f"{title}  (total = {_format_count(total)})")
        return _save(fig, path)


def _metric_ylim(values: np.ndarray, cis: np.ndarray) -> tuple[float, float]:
    """Y limits for :func:`plot_metric_bars`.

    Parameters
    ----------
    values, cis : numpy.ndarray, same shape
        Bar heights and 95 % CI half-widths (NaN = absent).

    Returns
    -------
    tuple of float
        ``(0, 1)`` when every value and error bar lies in [0, 1]; otherwise
        limits widened (with a small margin) to include all bars and error
        bars, still including 0 and, when no value exceeds 1, also 1.
    """
    values = np.asarray(values, dtype=float)
    cis = np.nan_to_num(np.abs(np.asarray(cis, dtype=float)))
    finite = np.isfinite(values)
    if not finite.any():
        return (0.0, 1.0)
    low = min(0.0, float(np.min((values - cis)[finite])))
    top_v = float(np.max(values[finite]))
    high = max(float(np.max((values + cis)[finite])), 1.0 if top_v <= 1.0 else 0.0)
    if low >= 0.0 and high <= 1.0:
        return (0.0, 1.0)
    pad = 0.06 * (high - low)
    return (low - (pad if low < 0.0 else 0.0), high + (pad if high > 1.0 else 0.0))


def plot_metric_bars(table: pd.DataFrame, path, *, title: str) -> Path:
    """Grouped bar chart of evaluation metrics per representation.

    Parameters
    ----------
    table : pandas.DataFrame, shape (K, 3 or 4)
        Long table with columns ``representation``, ``metric``, ``value``
        and optionally ``ci95`` (half-width of a 95 % interval; NaN or
        missing means no error bar). Each (representation, metric) pair
        must appear at most once. Groups and bars follow first-appearance
        order in the table.


    Notes
    -----
    The y axis spans [0, 1] when every value (and error bar) lies in
    [0, 1]; otherwise it is widened to include the data, with a line at 0
    so negative scores (e.g. ARI below chance) read correctly.
    """
    missing = [c for c in ("representation", "metric", "value") if c not in table.columns]
    if missing:
        raise ValueError(f"table is missing columns {missing}")
    df = table.copy()
    if "ci95" not in df.columns:
        df["ci95"] = np.nan
    df["representation"] = df["representation"].astype(str)
    df["metric"] = df["metric"].astype(str)
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df["ci95"] = pd.to_numeric(df["ci95"], errors="coerce").abs()
    dup = df.duplicated(["representation", "metric"])
    if dup.any():
        raise ValueError(
            "duplicate (representation, metric) rows: "
            f"{df.loc[dup, ['representation', 'metric']].values.tolist()}"
        )
    metrics = list(dict.fromkeys(df["metric"]))
    reps = list(dict.fromkeys(df["representation"]))
    val = df.pivot(index="metric", columns="representation", values="value").reindex(
        index=metrics, columns=reps
    )
    ci = df.pivot(index="metric", columns="representation", values="ci95").reindex(
        index=metrics, columns=reps
    )
    values = val.to_numpy(dtype=float)
    cis = ci.to_numpy(dtype=float)
    ylim = _metric_ylim(values, cis)

    n_m, n_r = len(metrics), len(reps)
    width = 0.8 / max(n_r, 1)
    colours = _palette(n_r)
    x = np.arange(n_m)
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * n_m * max(n_r, 2) + 3.5), 4.8))
        for k, rep in enumerate(reps):
            offs = x - 0.4 + width * (k + 0.5)
            v = values[:, k]
            e = cis[:, k]
            ok = np.isfinite(v)
            has_err = ok & np.isfinite(e)
            ax.bar(offs[ok], v[ok], width=width * 0.92, color=colours[k], label=rep, zorder=2)
            if has_err.any():
                ax.errorbar(
                    offs[has_err],
                    v[has_err],
                    yerr=e[has_err],
                    fmt="none",
                    ecolor="black",
                    elinewidth=1.0,
                    capsize=3,
                    zorder=3,
                )
            if n_m * n_r <= 40:
                for xo, vv, ee in zip(offs[ok], v[ok], e[ok]):
                    top = vv + (ee if np.isfinite(ee) else 0.0) if vv >= 0 else vv - (ee if np.isfinite(ee) else 0.0)
                    ax.annotate(
                        f"{vv:.2f}",
                        xy=(xo, top),
                        xytext=(0, 2 if vv >= 0 else -2),
                        textcoords="offset points",
                        ha="center",
                        va="bottom" if vv >= 0 else "top",
                        fontsize=7,
                        color="0.2",
                        annotation_clip=False,
                    )
        if ylim[0] < 0:
            ax.axhline(0.0, color="0.3", lw=0.9, zorder=1)
        ax.set_ylim(*ylim)
        ax.set_xticks(x)
        ax.set_xticklabels(metrics, rotation=20 if n_m > 5 else 0, ha="right" if n_m > 5 else "center")
        ax.set_xlabel("metric")
        ax.set_ylabel("score (unitless)")
        ax.yaxis.grid(True, alpha=0.3, zorder=0)
        ax.set_axisbelow(True)
        ax.legend(
            title="representation",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
        subtitle = "  (error bars: 95 % CI)" if np.isfinite(cis).any() else ""
        ax.set_title(title + subtitle)
        fig.tight_layout()
        return _save(fig, path)


def plot_class_balance(tracks: pd.DataFrame, path, *, title: str) -> Path:
    """Stacked bars of the number of tracks per genre, split by language.

    Parameters
    ----------
    tracks : pandas.DataFrame, shape (N, >=2)
        One row per track with columns ``language`` and ``genre``. If a
        ``track_id`` column is present it must be unique (guards against
        passing chunk-level rows by mistake).

    """
    missing = [c for c in ("language", "genre") if c not in tracks.columns]
    if missing:
        raise ValueError(f"tracks is missing columns {missing}")
    if "track_id" in tracks.columns and tracks["track_id"].duplicated().any():
        raise ValueError("tracks has duplicated track_id values; expected one row per track")
    genre, genres = _categories(tracks["genre"].tolist())
    lang, langs = _categories(tracks["language"].tolist())
    counts = np.zeros((len(genres), len(langs)), dtype=int)
    gi = {g: i for i, g in enumerate(genres)}
    li = {language: i for i, language in enumerate(langs)}
    for g, language in zip(genre, lang):
        counts[gi[g], li[language]] += 1
    colours = _palette(len(langs))
    x = np.arange(len(genres))
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(genres) + 3.5), 4.8))
        bottom = np.zeros(len(genres))
        for k, language in enumerate(langs):
            ax.bar(
                x,
                counts[:, k],
                bottom=bottom,
                color=colours[k],
                label=language,
                width=0.75,
                edgecolor="white",
                linewidth=0.6,
                zorder=2,
            )
            bottom += counts[:, k]
        for xi, tot in zip(x, bottom):
            ax.annotate(
                f"{int(tot)}",
                xy=(xi, tot),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xticks(x)
        rot = 30 if len(genres) > 5 else 0
        ax.set_xticklabels(genres, rotation=rot, ha="right" if rot else "center")
        ax.set_xlabel("genre")
        ax.set_ylabel("tracks")
        ax.set_ylim(0, max(1.0, float(bottom.max()) if len(bottom) else 1.0) * 1.1)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.yaxis.grid(True, alpha=0.3, zorder=0)
        ax.set_axisbelow(True)
        ax.legend(title="language", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.set_title(f"{title}  (N = {len(tracks)} tracks)")
        fig.tight_layout()
        return _save(fig, path)


# --------------------------------------------------------------------------
# latent space
# --------------------------------------------------------------------------
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
