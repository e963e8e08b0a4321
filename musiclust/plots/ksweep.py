"""k sweeps: AMI and NMI against each label, and the silhouette, as k runs (:mod:`musiclust.ksweep`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .style import _MARKERS, _STYLE, _palette, _save

_COLUMNS = ["representation", "k", "target", "nmi", "ami", "silhouette"]
_MARK_STYLE = {"color": "0.25", "ls": ":", "lw": 1.4}
_OTHERS = {"color": "0.7", "lw": 0.8, "alpha": 0.7, "zorder": 2}  # representations not highlighted, drawn beneath


def _looks(reps: list[str], highlight: Sequence[str] | None) -> dict[str, dict]:
    """Colour, width and marker of each representation's lines: a colour each (tab10, tab20, then
    tab20 again with markers), or, with ``highlight``, a colour for each highlighted one and thin
    grey for the rest."""
    named = reps if highlight is None else [rep for rep in reps if rep in set(highlight)]
    colours = _palette(len(named))
    looks = {rep: dict(_OTHERS) for rep in reps}
    for i, rep in enumerate(named):
        marker = _MARKERS[(i // 20 - 1) % len(_MARKERS)] if i >= 20 else None
        looks[rep] = {"color": colours[i], "lw": 1.8, "alpha": 1.0, "marker": marker, "ms": 4, "zorder": 3}
    return looks


def _checked(table: pd.DataFrame, marks: dict[str, int] | None, highlight: Sequence[str] | None) -> pd.DataFrame:
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"table is missing columns {missing}")
    df = table[_COLUMNS].astype({"representation": str, "target": str, "k": "int64"})
    duplicated = df.duplicated(["representation", "k", "target"])
    if duplicated.any():
        raise ValueError("duplicate (representation, k, target) rows: "
                         f"{df.loc[duplicated, ['representation', 'k', 'target']].values.tolist()}")
    targets = set(df["target"]) - {""}
    unknown = [target for target in (marks or {}) if target not in targets]
    if unknown:
        raise ValueError(f"marks name targets the table does not have: {unknown}")
    unknown = [rep for rep in (highlight or []) if rep not in set(df["representation"])]
    if unknown:
        raise ValueError(f"highlight names representations the table does not have: {unknown}")
    return df


def plot_k_sweep(table: pd.DataFrame, path, *, title: str, marks: dict[str, int] | None = None,
                 highlight: Sequence[str] | None = None) -> Path:
    """One panel per label, AMI (solid) and NMI (dashed) against k for each representation, and a
    panel of the silhouette against k.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``representation, k, target, nmi, ami, silhouette``: :func:`musiclust.ksweep.k_sweep`
        tables with a ``representation`` column; at most one row per (representation, k, target).
        Rows of target ``""`` (a sweep without labels) feed the silhouette panel only. The
        silhouette of a (representation, k) is read from its first row.
    marks : {target: class count}, optional
        A dotted vertical line at each target's class count in its panel, and at every count in
        the silhouette panel.
    highlight : sequence of str, optional
        Representations drawn in colour and named in the legend; the others thin and grey, as
        one legend entry. Without it every representation gets a colour (tab10 up to 10, tab20
        up to 20, then markers as well).

    Notes
    -----
    Panels and lines follow the table's first-appearance order of targets and representations;
    each line is drawn in increasing k.
    """
    df = _checked(table, marks, highlight)
    marks = dict(marks or {})
    reps = list(dict.fromkeys(df["representation"]))
    targets = [target for target in dict.fromkeys(df["target"]) if target != ""]
    looks = _looks(reps, highlight)
    n_panels = len(targets) + 1
    ncols = min(3, n_panels)
    nrows = -(-n_panels // ncols)
    named = reps if highlight is None else [rep for rep in reps if rep in set(highlight)]
    entries = len(named) + (len(named) < len(reps)) + 3  # the representations, AMI, NMI, class count
    legend_columns = 1 if entries <= 14 else 2
    height = max(3.6 * nrows, 0.2 * -(-entries // legend_columns) + 1.0)
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.3 * ncols + 2.5 * legend_columns, height),
                                 squeeze=False, layout="constrained")
        axes = axes.ravel()
        for ax in axes[n_panels:]:
            fig.delaxes(ax)
        for ax, target in zip(axes, targets):
            rows = df[df["target"] == target]
            for rep in reps:
                line = rows[rows["representation"] == rep].sort_values("k")
                if len(line):
                    ax.plot(line["k"], line["ami"], ls="-", label=f"{rep} AMI", **looks[rep])
                    ax.plot(line["k"], line["nmi"], ls="--", label=f"{rep} NMI", **looks[rep])
            if target in marks:
                ax.axvline(marks[target], label=f"{marks[target]} classes", **_MARK_STYLE)
            ax.set_title(f"{target} ({marks[target]} classes)" if target in marks else target)
            ax.set_ylabel("AMI, NMI against the label")
        silhouette_ax = axes[len(targets)]
        firsts = df.drop_duplicates(["representation", "k"])
        for rep in reps:
            line = firsts[firsts["representation"] == rep].sort_values("k")
            silhouette_ax.plot(line["k"], line["silhouette"], ls="-", label=f"{rep} silhouette", **looks[rep])
        for count in sorted(set(marks.values())):
            names = ", ".join(target for target in targets if marks.get(target) == count)
            silhouette_ax.axvline(count, label=f"{count} classes ({names})", **_MARK_STYLE)
        silhouette_ax.set_title("silhouette (no label)")
        silhouette_ax.set_ylabel("silhouette (Euclidean)")
        for ax in axes[:n_panels]:
            ax.set_xlabel("k (clusters)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(True, alpha=0.3)
        handles = [Line2D([], [], ls="-", **looks[rep]) for rep in named]
        labels = list(named)
        if len(named) < len(reps):
            handles.append(Line2D([], [], ls="-", **_OTHERS))
            labels.append(f"{len(reps) - len(named)} other representations")
        handles += [Line2D([], [], color="0.2", ls="-"), Line2D([], [], color="0.2", ls="--"), Line2D([], [], **_MARK_STYLE)]
        labels += ["AMI", "NMI", "class count"]
        fig.legend(handles, labels, loc="outside right upper", frameon=False, ncols=legend_columns)
        fig.suptitle(title)
        return _save(fig, path)
