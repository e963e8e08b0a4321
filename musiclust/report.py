"""The results report: tables in Markdown and the study's figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import plots
from .metrics import hungarian_ordered_contingency

TABLE_METRICS = [("nmi", "NMI"), ("ari", "ARI"), ("accuracy", "acc."), ("silhouette", "silh.")]


def _fmt(value: float, ci: float | None = None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    text = f"{value:.2f}"
    if ci is not None and not np.isnan(ci) and ci >= 0.005:
        text += f" ± {ci:.2f}"
    return text


def results_table(scores: pd.DataFrame, *, algorithm: str, level: str, targets: list[str],
                  representations: list[str] | None = None) -> str:
    """One Markdown table: a row per representation, NMI/ARI/accuracy/silhouette per target.

    Parameters
    ----------
    scores : long table from metrics.evaluate_all
    """
    s = scores[(scores["algorithm"] == algorithm) & (scores["level"] == level)]
    present = set(s["representation"])
    reps = [r for r in (representations or sorted(present)) if r in present]
    header = ["representation"] + [f"{t} {label}" for t in targets for _, label in TABLE_METRICS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    index = s.set_index(["representation", "target", "metric"])
    for rep in reps:
        cells = [f"`{rep}`"]
        for t in targets:
            for metric, _ in TABLE_METRICS:
                key = (rep, t, metric)
                if key in index.index:
                    row = index.loc[key]
                    cells.append(_fmt(float(row["value"]), float(row["ci95"])))
                else:
                    cells.append("–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def representation_order(names, headline: str) -> list[str]:
    """Headline model and its fusion first, then the other models, lyrics last."""
    names = sorted(set(names))
    first = [n for n in (f"{headline}+lyrics", headline, "clipstats") if n in names]
    rest = [n for n in names if n not in first and n != "lyrics"]
    return first + rest + (["lyrics"] if "lyrics" in names else [])


def confusion_frame(truth: pd.Series, assignment: pd.DataFrame) -> pd.DataFrame:
    """``actual``, ``predicted`` per row for DVC's confusion template (clusters named c<i>)."""
    merged = assignment.assign(actual=truth.reindex(assignment["track_id"]).to_numpy())
    return pd.DataFrame({"track_id": merged["track_id"].to_numpy(),
                         "actual": merged["actual"].to_numpy(),
                         "predicted": [f"c{c}" for c in merged["cluster"]]})


def plot_confusion_for(truth: pd.Series, assignment: pd.DataFrame, path, *, title: str) -> Path:
    m, classes, clusters = hungarian_ordered_contingency(
        truth.reindex(assignment["track_id"]).to_numpy(), assignment["cluster"].to_numpy())
    return plots.plot_confusion(m, classes, [f"c{c}" for c in clusters], path, title=title)


def metric_bars_table(scores: pd.DataFrame, *, level: str, target: str,
                      order: list[str]) -> pd.DataFrame:
    s = scores[(scores["algorithm"] == "kmeans") & (scores["level"] == level)
               & (scores["target"] == target) & scores["metric"].isin(["nmi", "ari", "accuracy"])]
    s = s.assign(_o=s["representation"].map({r: i for i, r in enumerate(order)}))
    return s.sort_values(["_o", "metric"])[["representation", "metric", "value", "ci95"]]
