"""Clustering scores, Hungarian matching and confidence intervals.

Scores are computed on rows joined by key (``track_id``, ``chunk``), never by
position: :func:`score_assignments` merges before it scores, so the order of
any input table cannot change a result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import linear_sum_assignment
from sklearn import metrics as skm
from sklearn.metrics.cluster import contingency_matrix

KEYS = ["track_id", "chunk"]


def purity(y_true, y_pred) -> float:
    """Fraction of items in their cluster's majority class."""
    c = contingency_matrix(y_true, y_pred)
    return float(c.max(axis=0).sum() / c.sum())


def hungarian_accuracy(y_true, y_pred) -> float:
    """Accuracy after the one-to-one cluster→class matching that maximises it."""
    c = contingency_matrix(y_true, y_pred)
    rows, cols = linear_sum_assignment(-c)
    return float(c[rows, cols].sum() / c.sum())


def hungarian_ordered_contingency(y_true, y_pred) -> tuple[np.ndarray, list, list]:
    """Contingency matrix with clusters reordered to face their matched classes.

    Returns
    -------
    matrix : np.ndarray, shape (n_classes, n_clusters)
    classes : list, row labels (sorted)
    clusters : list, column labels; matched clusters first in class order, then the rest
    """
    classes, yt = np.unique(np.asarray(y_true), return_inverse=True)
    clusters, yp = np.unique(np.asarray(y_pred), return_inverse=True)
    c = contingency_matrix(yt, yp)
    rows, cols = linear_sum_assignment(-c)
    order = [int(col) for _, col in sorted(zip(rows, cols))]
    order += [j for j in range(len(clusters)) if j not in order]
    return c[:, order], list(classes), [clusters[j] for j in order]


def external_scores(y_true, y_pred) -> dict[str, float]:
    """ARI, NMI, purity and Hungarian accuracy of a clustering against true classes.

    DBSCAN's noise label (-1) counts as one more cluster: noise is not hidden.
    """
    return {
        "ari": float(skm.adjusted_rand_score(y_true, y_pred)),
        "nmi": float(skm.normalized_mutual_info_score(y_true, y_pred)),
        "purity": purity(y_true, y_pred),
        "accuracy": hungarian_accuracy(y_true, y_pred),
    }


def internal_scores(features: np.ndarray, labels: np.ndarray,
                    distances: np.ndarray | None = None) -> dict[str, float]:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin on non-noise rows.

    Undefined scores (fewer than 2 clusters, or every point its own cluster)
    are left out rather than reported as NaN.

    Parameters
    ----------
    features : np.ndarray, shape (N, D)
    labels : np.ndarray, shape (N,); -1 marks noise
    distances : np.ndarray, shape (N, N), optional
        Precomputed Euclidean distances, reused for the silhouette.
    """
    keep = labels != -1
    n_clusters = len(np.unique(labels[keep]))
    if n_clusters < 2 or n_clusters >= keep.sum():
        return {}
    x, lab = features[keep], labels[keep]
    if distances is not None:
        sil = skm.silhouette_score(distances[np.ix_(keep, keep)], lab, metric="precomputed")
    else:
        sil = skm.silhouette_score(x, lab)
    return {
        "silhouette": float(sil),
        "calinski_harabasz": float(skm.calinski_harabasz_score(x, lab)),
        "davies_bouldin": float(skm.davies_bouldin_score(x, lab)),
    }


def mean_ci95(values) -> tuple[float, float]:
    """Mean and the half-width of its 95% t-interval (0 for a single value)."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return float(v.mean()), 0.0
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(half)


def targets_of(tracks: pd.DataFrame) -> dict[str, pd.Series]:
    """The label columns to score against, indexed by track_id.

    ``language``, ``genre`` and their cross ``language_genre`` where the
    columns exist and hold at least two distinct values.
    """
    t = tracks.set_index("track_id")
    out = {}
    for col in ("language", "genre"):
        if col in t and t[col].notna().all() and t[col].nunique() >= 2:
            out[col] = t[col].astype(str)
    if "language" in out and "genre" in out:
        out["language_genre"] = out["language"] + "/" + out["genre"]
    return out


def score_assignments(keys: pd.DataFrame, features: np.ndarray, assignments: pd.DataFrame,
                      truth: pd.Series, distances: np.ndarray | None = None) -> dict[str, float]:
    """Score one clustering.

    Parameters
    ----------
    keys : DataFrame with ``track_id`` and ``chunk``; row i describes ``features[i]``
    features : np.ndarray, shape (N, D)
    assignments : DataFrame with ``track_id``, ``chunk``, ``cluster`` in any order
    truth : Series of class labels indexed by ``track_id``
    distances : optional (N, N) distances aligned with ``keys``

    Everything is aligned by key: rows of ``assignments`` are matched to
    ``keys`` on (track_id, chunk), and classes to rows on track_id.
    """
    labels = _aligned(keys, assignments)
    y_true = truth.reindex(keys["track_id"]).to_numpy()
    if pd.isna(y_true).any():
        raise ValueError("some rows have no class label for this target")
    out = external_scores(y_true, labels)
    out.update(internal_scores(features, labels, distances))
    return out


def _aligned(keys: pd.DataFrame, assignments: pd.DataFrame) -> np.ndarray:
    """Cluster labels in the row order of ``keys``, joined on (track_id, chunk)."""
    k = keys[KEYS].reset_index(drop=True).assign(_row=np.arange(len(keys)))
    merged = k.merge(assignments[KEYS + ["cluster"]], on=KEYS, how="inner", validate="one_to_one")
    if len(merged) != len(k):
        raise ValueError(f"assignments cover {len(merged)} of {len(k)} rows")
    return merged.sort_values("_row")["cluster"].to_numpy()


def _record(records: list, algorithm: str, rep, target: str, per_seed: list[dict], runs: pd.DataFrame) -> None:
    if algorithm == "dbscan":
        labels = runs["cluster"].to_numpy()
        per_seed[0]["noise_fraction"] = float((labels == -1).mean())
        per_seed[0]["n_clusters"] = float(len(np.unique(labels[labels != -1])))
    for metric in sorted(set().union(*per_seed)):
        values = [s[metric] for s in per_seed if metric in s]
        mean, half = mean_ci95(values)
        records.append((algorithm, rep.level, rep.name, target, metric, mean,
                        half if len(values) > 1 else np.nan))


SCORE_COLUMNS = ["algorithm", "level", "representation", "target", "metric", "value", "ci95"]


def score_representation(rep, runs: pd.DataFrame, targets: dict[str, pd.Series],
                         dist: np.ndarray | None = None) -> list[tuple]:
    """Score every clustering of one representation against every target whose class count is its k.

    KMeans scores are the mean over seeds with a 95% interval; DBSCAN is scored
    against every target and adds its noise fraction and cluster count; an
    unlabelled corpus gets internal scores per k.

    Parameters
    ----------
    rep : representations.Representation (the features the clusterings were made on)
    runs : its assignments, as returned by cluster.cluster_representation
    targets : {target name: class labels indexed by track_id}
    dist : the representation's distance matrix, shared with DBSCAN

    Returns
    -------
    records : rows of the long table (``SCORE_COLUMNS``)
    """
    records: list[tuple] = []
    for (algorithm, k), by_k in runs.groupby(["algorithm", "k"], sort=True):
        if not targets:  # unlabelled corpus: internal scores only, per k
            per_seed = [internal_scores(rep.features, _aligned(rep.keys, run), dist)
                        for _, run in by_k.groupby("seed", sort=True)]
            _record(records, algorithm, rep, f"k{k}" if k else "auto", per_seed, by_k)
            continue
        for target, truth in targets.items():
            n_classes = truth.reindex(rep.keys["track_id"].unique()).nunique()
            if algorithm != "dbscan" and k != n_classes:
                continue
            per_seed = [score_assignments(rep.keys, rep.features, run, truth, dist)
                        for _, run in by_k.groupby("seed", sort=True)]
            _record(records, algorithm, rep, target, per_seed, by_k)
    return records


def nest(table: pd.DataFrame) -> dict:
    """The long score table as ``{algorithm: {level: {representation: {target: {metric: value}}}}}``,
    rounded to 6 decimals, with ``<metric>_ci95`` beside each score that has an interval."""
    nested: dict = {}
    for r in table.itertuples(index=False):
        node = nested.setdefault(r.algorithm, {}).setdefault(r.level, {}).setdefault(
            r.representation, {}).setdefault(r.target, {})
        node[r.metric] = round(r.value, 6)
        if not np.isnan(r.ci95):
            node[f"{r.metric}_ci95"] = round(r.ci95, 6)
    return nested


def active_units(latents: np.ndarray, threshold: float = 0.01) -> int:
    """Latent dimensions whose posterior mean varies across inputs (variance > threshold)."""
    return int((latents.var(axis=0) > threshold).sum())


def latent_summary(latents: dict[str, tuple[pd.DataFrame, np.ndarray]]) -> dict:
    """Dimension and active units of each model's latents: over chunks where the model
    sees chunks, over tracks for models of per-track features."""
    summary = {}
    for name, (rows, z) in latents.items():
        level = "chunk" if (rows["level"] == "chunk").any() else "track"
        sample = z[(rows["level"] == level).to_numpy()]
        summary[name] = {"dimension": int(z.shape[1]), "active_units": active_units(sample)}
    return summary


def data_summary(tracks: pd.DataFrame, status: pd.DataFrame) -> dict:
    """Tracks listed, used and skipped, and chunks, of one corpus."""
    skipped = int((status["status"] != "ok").sum())
    return {"tracks_listed": int(len(tracks)), "tracks_used": int(len(status) - skipped),
            "tracks_skipped": skipped, "chunks": int(status["n_chunks"].sum())}
