"""Evaluation figures: Hungarian-ordered confusion matrices, metric bars with intervals, class balance."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import (
    _STYLE,
    _categories,
    _palette,
    _save,
)


def _format_count(v: float) -> str:
    if np.isnan(v):
        return ""
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.2g}"


MAX_CONFUSION_LINES = 40
"""Most classes (rows) and clusters (columns) a confusion figure draws one by one: a folder corpus
of a thousand genres would otherwise make a figure of gigabytes."""


def _top_lines(m: np.ndarray, labels: list, limit: int) -> tuple[np.ndarray, list, int]:
    """The ``limit - 1`` rows of ``m`` with the largest totals, in their order, and one row 'other'
    summing the rest, with how many went into it (0 and ``m`` itself when there are at most ``limit``)."""
    if len(m) <= limit:
        return m, labels, 0
    keep = np.sort(np.argsort(-np.nansum(m, axis=1), kind="stable")[: limit - 1])
    rest = np.setdiff1d(np.arange(len(m)), keep)
    return (np.vstack([m[keep], np.nansum(m[rest], axis=0, keepdims=True)]),
            [labels[i] for i in keep] + [f"other ({len(rest)})"], len(rest))


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

    Beyond :data:`MAX_CONFUSION_LINES` classes (or clusters) the largest are drawn and the rest
    summed in one line 'other', which the title says: the figure's size stays bounded.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {m.shape}")
    r, c = m.shape
    if len(row_labels) != r or len(col_labels) != c:
        raise ValueError(
            f"labels ({len(row_labels)} rows, {len(col_labels)} cols) do not match matrix {m.shape}"
        )
    m, row_labels, rows_cut = _top_lines(m, list(row_labels), MAX_CONFUSION_LINES)
    m, col_labels, cols_cut = _top_lines(m.T, list(col_labels), MAX_CONFUSION_LINES)
    m = m.T
    r, c = m.shape
    cut = [f"{n} {what}" for n, what in ((rows_cut, "classes"), (cols_cut, "clusters")) if n]
    if cut:
        title = f"{title}\n(the largest shown; {' and '.join(cut)} summed in 'other')"
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
        missing means no error bar) and ``null_p95`` (the 95th percentile of
        the score's permutation null, drawn as a dotted line across the bar:
        a bar that does not rise above it is no better than chance). Each (representation, metric) pair
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
    for optional in ("ci95", "null_p95"):
        if optional not in df.columns:
            df[optional] = np.nan
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
    nulls = df.pivot(index="metric", columns="representation", values="null_p95").reindex(
        index=metrics, columns=reps).to_numpy(dtype=float)
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
            chance = np.isfinite(nulls[:, k])
            if chance.any():
                ax.hlines(nulls[chance, k], offs[chance] - width * 0.46, offs[chance] + width * 0.46, colors="black",
                          linestyles=":", lw=1.6, zorder=4, label="chance (null 95th pct.)" if k == 0 else None)
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
        if np.isfinite(nulls).any():
            subtitle += "  (dotted: chance)"
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
