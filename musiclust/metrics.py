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

from .chance import accuracy_from_contingency, permutation_null, stable_seed
from .cluster import ALGORITHMS
from .representations import split_seeds

KEYS = ["track_id", "chunk"]


def purity(y_true, y_pred) -> float:
    """Fraction of items in their cluster's majority class."""
    c = contingency_matrix(y_true, y_pred)
    return float(c.max(axis=0).sum() / c.sum())


def hungarian_accuracy(y_true, y_pred) -> float:
    """Accuracy after the one-to-one cluster→class matching that maximises it."""
    return accuracy_from_contingency(contingency_matrix(y_true, y_pred))


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


def internal_scores(features: np.ndarray, labels: np.ndarray, distances: np.ndarray | None = None,
                    silhouette_rows: int | None = None) -> dict[str, float]:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin on non-noise rows.

    Undefined scores (fewer than 2 clusters, or every point its own cluster)
    are left out rather than reported as NaN.

    Parameters
    ----------
    features : np.ndarray, shape (N, D)
    labels : np.ndarray, shape (N,); -1 marks noise
    distances : np.ndarray, shape (N, N), optional
        Precomputed Euclidean distances, reused for the silhouette.
    silhouette_rows : int, optional
        Without ``distances``, more non-noise rows than this get the silhouette of a seeded
        sample of this many (its cost is quadratic); Calinski-Harabasz and Davies-Bouldin
        are linear and see every row.
    """
    from .linalg import euclidean_distances  # torch: imported here, the report reads this module without it

    keep = labels != -1
    n_clusters = len(np.unique(labels[keep]))
    if n_clusters < 2 or n_clusters >= keep.sum():
        return {}
    x, lab = features[keep], labels[keep]
    if distances is not None:
        sil = skm.silhouette_score(distances[np.ix_(keep, keep)], lab, metric="precomputed")
    else:
        # scikit-learn's sample for sample_size=silhouette_rows, random_state=0; distances without BLAS
        rows = np.random.RandomState(0).permutation(len(x))[:silhouette_rows] \
            if silhouette_rows is not None and len(x) > silhouette_rows else slice(None)
        sil = skm.silhouette_score(euclidean_distances(x[rows]), lab[rows], metric="precomputed")
    return {
        "silhouette": float(sil),
        "calinski_harabasz": float(skm.calinski_harabasz_score(x, lab)),
        "davies_bouldin": davies_bouldin(x, lab),
    }


def davies_bouldin(x: np.ndarray, labels: np.ndarray) -> float:
    """``sklearn.metrics.davies_bouldin_score``, its distances computed without BLAS
    (:func:`musiclust.linalg.euclidean_distances`), so the same bits under any BLAS kernel."""
    from .linalg import euclidean_distances

    x = np.asarray(x, dtype=np.float64)
    names = np.unique(labels)
    centroids = np.stack([x[labels == name].mean(axis=0) for name in names])
    spread = np.array([euclidean_distances(x[labels == name], centroids[i : i + 1]).mean()
                       for i, name in enumerate(names)])
    between = euclidean_distances(centroids)
    if np.allclose(spread, 0) or np.allclose(between, 0):
        return 0.0
    between[between == 0] = np.inf
    return float(np.mean(np.max((spread[:, None] + spread[None, :]) / between, axis=1)))


def mean_ci95(values) -> tuple[float, float]:
    """Mean and the half-width of its 95% t-interval (0 for a single value)."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return float(v.mean()), 0.0
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(half)


def spread(values) -> dict[str, float]:
    """Mean, standard deviation (ddof 1), 95% t-interval half-width and count of ``values``;
    a single value has no sd and no interval (NaN)."""
    v = np.asarray(values, dtype=float)
    mean, half = mean_ci95(v)
    one = len(v) < 2
    return {"mean": mean, "sd": np.nan if one else float(v.std(ddof=1)), "ci95": np.nan if one else half,
            "n": len(v)}


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
    return score_labels(truth_of(keys, truth), _aligned(keys, assignments), features, distances)


def truth_of(keys: pd.DataFrame, truth: pd.Series, what: str = "this target") -> np.ndarray:
    """The class of each row of ``keys``, joined on track_id; every row must have one."""
    y_true = truth.reindex(keys["track_id"]).to_numpy()
    if pd.isna(y_true).any():
        raise ValueError(f"some rows have no class label for {what}")
    return y_true


def score_labels(y_true: np.ndarray, labels: np.ndarray, features: np.ndarray,
                 distances: np.ndarray | None = None, silhouette_rows: int | None = None) -> dict[str, float]:
    """External scores against ``y_true`` and internal scores in ``features`` of one clustering
    whose labels are already in row order."""
    return {**external_scores(y_true, labels), **internal_scores(features, labels, distances, silhouette_rows)}


def _aligned(keys: pd.DataFrame, assignments: pd.DataFrame) -> np.ndarray:
    """Cluster labels in the row order of ``keys``, joined on (track_id, chunk)."""
    k = keys[KEYS].reset_index(drop=True).assign(_row=np.arange(len(keys)))
    merged = k.merge(assignments[KEYS + ["cluster"]], on=KEYS, how="inner", validate="one_to_one")
    if len(merged) != len(k):
        raise ValueError(f"assignments cover {len(merged)} of {len(k)} rows")
    return merged.sort_values("_row")["cluster"].to_numpy()


def _record(records: list, algorithm: str, level: str, name: str, target: str, per_run: list[dict],
            noisy_labels: list[np.ndarray] | None = None) -> None:
    """Mean, sd and 95% interval over runs (training seeds x clustering seeds) of every score;
    an algorithm that chooses its own cluster count (DBSCAN, HDBSCAN: ``noisy_labels`` given)
    adds its noise fraction and cluster count, per run."""
    if noisy_labels is not None:
        for scores, labels in zip(per_run, noisy_labels):
            scores["noise_fraction"] = float((labels == -1).mean())
            scores["n_clusters"] = float(len(np.unique(labels[labels != -1])))
    for metric in sorted(set().union(*per_run)):
        s = spread([run[metric] for run in per_run if metric in run])
        records.append((algorithm, level, name, target, metric, s["mean"], s["sd"], s["ci95"], s["n"]))


SCORE_COLUMNS = ["algorithm", "level", "representation", "target", "metric", "value", "sd", "ci95", "runs"]


def majority_vote(keys: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    """Each track's most frequent cluster among its chunks (ties: the smallest cluster id),
    indexed by track_id: a track-level clustering made from a chunk-level one."""
    frame = pd.DataFrame({"track_id": keys["track_id"].to_numpy(), "cluster": labels})
    counts = frame.groupby(["track_id", "cluster"], sort=True).size().rename("n").reset_index()
    best = counts.sort_values(["track_id", "n", "cluster"], ascending=[True, False, True], kind="stable")
    return best.drop_duplicates("track_id").set_index("track_id")["cluster"]


def _score_target(records: list, runs: list[tuple], algorithm: str, k: int, target: str, truth: pd.Series,
                  null, silhouette_rows: int | None = None) -> None:
    """Scores of one clustering family (every training seed x clustering seed) against one target,
    and their null."""
    rep = runs[0][0]
    y_true = truth_of(rep.keys, truth, f"{target} in {rep.name} ({rep.level})")
    labels = [lab for _, _, lab in runs]
    per_run = [score_labels(y_true, lab, r.features, dist, silhouette_rows) for r, dist, lab in runs]
    needs_k = ALGORITHMS[algorithm].needs_k
    _record(records, algorithm, rep.level, rep.name, target, per_run, None if needs_k else labels)
    _record_null(records, algorithm, rep.level, rep.name, target, y_true, labels, null, k)
    if rep.level == "chunk" and needs_k:  # the song's majority vote over its chunks
        votes = [majority_vote(rep.keys, lab) for lab in labels]
        track_truth = truth.reindex(votes[0].index).to_numpy()
        per_run = [external_scores(track_truth, v.to_numpy()) for v in votes]
        _record(records, algorithm, "track_vote", rep.name, target, per_run)
        _record_null(records, algorithm, "track_vote", rep.name, target, track_truth,
                     [v.to_numpy() for v in votes], null, k)


def _record_null(records, algorithm, level, name, target, y_true, labels, null, k) -> None:
    draws, seed = null
    if draws:
        scores = permutation_null(y_true, labels, draws=draws, seed=stable_seed(seed, name, level, algorithm,
                                                                                target, k))
        records += [(algorithm, level, name, target, metric, value, np.nan, np.nan, draws)
                    for metric, value in scores.items()]


def score_representation(members: list[tuple], targets: dict[str, pd.Series], *, null_draws: int = 0,
                         null_seed: int = 0, silhouette_rows: int | None = None) -> list[tuple]:
    """Score every clustering of one representation (all its training seeds) against every target
    whose class count is its k.

    Every score is the mean over runs (training seeds x clustering seeds) with its sd and 95%
    t-interval; an algorithm that needs no k (DBSCAN, HDBSCAN) is scored against every target and
    adds its noise fraction and cluster count; an unlabelled corpus gets internal scores per k.
    With ``null_draws`` > 0 each score gets its permutation null
    (:func:`musiclust.chance.permutation_null`: ``<metric>_null_mean`` and ``<metric>_null_p95``,
    over the same runs), and each chunk-level clustering is also scored
    per track by majority vote (level ``track_vote``).

    Parameters
    ----------
    members : ``(rep, runs, dist)`` or ``(rep, runs, dist, sample)`` per training seed of one
        representation (same name, level and keys): the features, their assignments (as returned
        by cluster.cluster_representation), the distance matrix of the rows the quadratic
        algorithms saw (or None) and, where those saw a sample, that sample (a Representation of
        fewer rows): a clustering that covers the sample's rows is scored on them
    targets : {target name: class labels indexed by track_id}
    silhouette_rows : the silhouette of a clustering of every row, without a distance matrix,
        is that of a seeded sample of this many rows (see :func:`internal_scores`)

    Returns
    -------
    records : rows of the long table (``SCORE_COLUMNS``)
    """
    members = [(m[0], m[1], m[2], m[3] if len(m) > 3 else None) for m in members]
    first = members[0][0]
    for rep, _, _, _ in members[1:]:
        if (rep.name, rep.level) != (first.name, first.level) or not rep.keys[KEYS].equals(first.keys[KEYS]):
            raise ValueError(f"training seeds of {first.name} ({first.level}) do not cover the same rows")
    families = sorted({key for _, runs, _, _ in members for key in runs.groupby(["algorithm", "k"]).groups})
    records: list[tuple] = []
    for algorithm, k in families:
        runs = []
        for rep, assignments, dist, sample in members:
            family = assignments[(assignments["algorithm"] == algorithm) & (assignments["k"] == k)]
            for _, run in family.groupby("seed", sort=True):
                # The distance matrix belongs to the rows the quadratic algorithms saw.
                rows, rows_dist = (sample, dist) if sample is not None and len(run) == len(sample.keys) else \
                    (rep, None if sample is not None else dist)
                runs.append((rows, rows_dist, _aligned(rows.keys, run)))
        if not targets:  # unlabelled corpus: internal scores only, per k
            per_run = [internal_scores(rep.features, lab, dist, silhouette_rows) for rep, dist, lab in runs]
            _record(records, algorithm, first.level, first.name, f"k{k}" if k else "auto", per_run,
                    None if ALGORITHMS[algorithm].needs_k else [lab for _, _, lab in runs])
            continue
        for target, truth in targets.items():
            n_classes = truth.reindex(first.keys["track_id"].unique()).nunique()
            if ALGORITHMS[algorithm].needs_k and k != n_classes:
                continue
            _score_target(records, runs, algorithm, k, target, truth, (null_draws, null_seed), silhouette_rows)
    return records


def nest(table: pd.DataFrame) -> dict:
    """The long score table as ``{algorithm: {level: {representation: {target: {metric: value}}}}}``,
    rounded to 6 decimals, with ``<metric>_sd`` and ``<metric>_ci95`` beside each score that has
    them, and ``runs``: how many clusterings the scores are over."""
    nested: dict = {}
    for r in table.itertuples(index=False):
        node = nested.setdefault(r.algorithm, {}).setdefault(r.level, {}).setdefault(
            r.representation, {}).setdefault(r.target, {})
        node[r.metric] = round(r.value, 6)
        for name in ("sd", "ci95"):
            if not np.isnan(getattr(r, name)):
                node[f"{r.metric}_{name}"] = round(getattr(r, name), 6)
        if "_null_" not in r.metric:
            node["runs"] = max(node.get("runs", 0), int(r.runs))
    return nested


def active_units(latents: np.ndarray, threshold: float = 0.01) -> int:
    """Latent dimensions whose posterior mean varies across inputs (variance > threshold)."""
    return int((latents.var(axis=0) > threshold).sum())


def latent_summary(latents: dict[str, tuple[pd.DataFrame, np.ndarray]]) -> dict:
    """Dimension and active units of each model's latents (mean and least over its training
    seeds): over chunks where the model sees chunks, over tracks for models of per-track features."""
    summary = {}
    for name, (rows, z) in latents.items():
        level = "chunk" if (rows["level"] == "chunk").any() else "track"
        units = [active_units(seed_z[(seed_rows["level"] == level).to_numpy()])
                 for _, seed_rows, seed_z in split_seeds(rows, z)]
        summary[name] = {"dimension": int(z.shape[1]), "seeds": len(units),
                         "active_units": round(float(np.mean(units)), 6), "active_units_min": int(min(units))}
    return summary


def data_summary(tracks: pd.DataFrame, status: pd.DataFrame) -> dict:
    """Tracks listed, used and skipped, and chunks, of one corpus."""
    skipped = int((status["status"] != "ok").sum())
    return {"tracks_listed": int(len(tracks)), "tracks_used": int(len(status) - skipped),
            "tracks_skipped": skipped, "chunks": int(status["n_chunks"].sum())}
