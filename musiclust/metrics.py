"""Clustering scores, Hungarian matching and confidence intervals.

Scores are computed on rows joined by key (``track_id``, ``chunk``), never by
position: :func:`score_assignments` merges before it scores, so the order of
any input table cannot change a result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import linear_sum_assignment
from sklearn import metrics as skm
from sklearn.metrics.cluster import contingency_matrix

from .chance import (
    NULL_METRICS,
    accuracy_from_contingency,
    benjamini_hochberg,
    family_chance,
    observed_scores,
    song_bootstrap,
    song_runs,
    stable_seed,
)
from .cluster import ALGORITHMS
from .labels import targets_of  # noqa: F401  (part of this module's API)
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
    return _labels_at(_positions(keys, assignments), assignments["cluster"].to_numpy(), len(keys))


def _positions(keys: pd.DataFrame, assignments: pd.DataFrame) -> np.ndarray:
    """The row of ``keys`` (unique) each row of ``assignments`` names by (track_id, chunk); -1 where none."""
    return pd.MultiIndex.from_frame(keys[KEYS]).get_indexer(pd.MultiIndex.from_frame(assignments[KEYS]))


def _labels_at(positions: np.ndarray, clusters: np.ndarray, n_rows: int) -> np.ndarray:
    """Clusters put at their rows' positions (:func:`_positions`): every one of ``n_rows`` rows once."""
    covered = positions[positions >= 0]
    if len(covered) != n_rows or len(np.unique(covered)) != n_rows:
        raise ValueError(f"assignments cover {len(np.unique(covered))} of {n_rows} rows"
                         + (" (some more than once)" if len(np.unique(covered)) != len(covered) else ""))
    labels = np.empty(n_rows, dtype=clusters.dtype)
    labels[covered] = clusters[positions >= 0]
    return labels


SCORE_COLUMNS = ["algorithm", "level", "representation", "target", "metric", "value", "sd", "ci95", "runs", "seeds",
                 "boot_lo", "boot_hi"]
#: one row per run and score: every summary of SCORE_COLUMNS can be recomputed from these
RUN_COLUMNS = ["representation", "algorithm", "level", "target", "k", "train_seed", "cluster_seed", "metric", "value"]


@dataclass(frozen=True)
class Run:
    """One clustering: its training seed, clustering seed, the rows it covers (a Representation),
    their distance matrix (or None) and the cluster of each row."""
    train_seed: int
    cluster_seed: int
    rows: object
    distances: np.ndarray | None
    labels: np.ndarray


@dataclass(frozen=True)
class ChanceParams:
    draws: int = 0             # shuffles per permutation null (0: no nulls, no bootstrap)
    max_draws: int = 1000      # where a family p-value is near 0.05
    bootstrap: int = 1000      # song resamples of the interval of each score
    seed: int = 0


def summarise(train_seeds, values) -> dict[str, float]:
    """The score of a family of runs: the mean over training seeds of each seed's mean over its
    clustering seeds, with the sd and 95% t-interval (n - 1 df) over those seed means (NaN for
    one training seed), the number of runs and of training seeds.

    A seed's mean is its exactly rounded sum (``math.fsum``) over its count, NaN values left out:
    the same values in any order give the same bits, so equal seeds have an sd of exactly 0.
    """
    seeds, values = np.asarray(train_seeds), np.asarray(values, dtype=float)
    seed_means = np.array([_mean_of(values[seeds == seed]) for seed in np.unique(seeds)])
    s = spread(seed_means)
    return {"mean": s["mean"], "sd": s["sd"], "ci95": s["ci95"], "runs": len(values), "seeds": len(seed_means)}


def _mean_of(values: np.ndarray) -> float:
    kept = values[~np.isnan(values)]
    return math.fsum(kept.tolist()) / len(kept) if len(kept) else float("nan")


def _record(records: list, run_records: list, algorithm: str, level: str, name: str, target: str, k: int,
            runs: list[Run], per_run: list[dict], boot: dict | None = None,
            noisy_labels: list[np.ndarray] | None = None) -> None:
    """Summaries over training seeds (:func:`summarise`) of every score, and each run's rows; an
    algorithm that chooses its own cluster count (DBSCAN, HDBSCAN: ``noisy_labels`` given) adds
    its noise fraction and cluster count, per run."""
    if noisy_labels is not None:
        for scores, labels in zip(per_run, noisy_labels):
            scores["noise_fraction"] = float((labels == -1).mean())
            scores["n_clusters"] = float(len(np.unique(labels[labels != -1])))
    boot = boot or {}
    for metric in sorted(set().union(*per_run)):
        have = [(run, scores[metric]) for run, scores in zip(runs, per_run) if metric in scores]
        s = summarise([run.train_seed for run, _ in have], [value for _, value in have])
        lo, hi = boot.get(metric, (np.nan, np.nan))
        records.append((algorithm, level, name, target, metric, s["mean"], s["sd"], s["ci95"], s["runs"], s["seeds"],
                        lo, hi))
        run_records += [(name, algorithm, level, target, k, run.train_seed, run.cluster_seed, metric, value)
                        for run, value in have]


def majority_vote(keys: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    """Each track's most frequent cluster among its chunks (ties: the smallest cluster id),
    indexed by track_id: a track-level clustering made from a chunk-level one."""
    tracks, track_of = np.unique(keys["track_id"].to_numpy(), return_inverse=True)
    clusters, cluster_of = np.unique(labels, return_inverse=True)
    counts = np.zeros((len(tracks), len(clusters)), dtype=np.int64)
    np.add.at(counts, (track_of, cluster_of), 1)
    # argmax takes the first of equal counts: the smallest cluster id (np.unique sorts)
    return pd.Series(clusters[counts.argmax(axis=1)], index=pd.Index(tracks, name="track_id"), name="cluster")


FLOOR_METRICS = ("nmi", "ari", "ami")


def _external(records: list, run_records: list, algorithm: str, level: str, name: str, target: str, k: int,
              runs: list[Run], songs: np.ndarray, y_true: np.ndarray, chance: ChanceParams,
              internal: list[dict] | None, strata: dict[str, pd.Series], needs_k: bool) -> None:
    """External scores of a family against one target, with its song-level null, song bootstrap and,
    for a crossed target, its label floors (a null shuffled within each label of ``strata``)."""
    labels = [run.labels for run in runs]
    family = song_runs(songs, y_true, labels)
    seed = stable_seed(chance.seed, name, level, algorithm, target, k)
    observed, _ = observed_scores(family)
    per_run = [{m: float(observed[m][r]) for m in ("ari", "nmi", "ami", "purity", "accuracy")} for r in range(len(runs))]
    if internal is not None:
        per_run = [{**scores, **more} for scores, more in zip(per_run, internal)]
    if not chance.draws:
        _record(records, run_records, algorithm, level, name, target, k, runs, per_run,
                noisy_labels=None if needs_k else labels)
        return
    null = family_chance(family, draws=chance.draws, max_draws=chance.max_draws, seed=seed)
    boot = song_bootstrap(family, resamples=chance.bootstrap, seed=seed)
    _record(records, run_records, algorithm, level, name, target, k, runs, per_run, boot,
            noisy_labels=None if needs_k else labels)
    # each run's own p-value goes to the runs table only: the table's <metric>_p is the family's
    run_records += [(name, algorithm, level, target, k, run.train_seed, run.cluster_seed, f"{m}_p",
                     float(null.per_run[f"{m}_p"][r])) for m in NULL_METRICS for r, run in enumerate(runs)]
    records += [(algorithm, level, name, target, metric, value, np.nan, np.nan, int(null.family["draws"]),
                 np.nan, np.nan, np.nan) for metric, value in null.family.items() if metric != "draws"]
    song_ids = np.unique(songs)
    for label, of_song in strata.items():
        floor = family_chance(family, draws=chance.draws, max_draws=chance.max_draws,
                              seed=stable_seed(seed, "floor", label), strata=of_song.reindex(song_ids).to_numpy())
        records += [(algorithm, level, name, target, f"{m}_floor_{label}_{part}", floor.family[f"{m}_{key}"], np.nan,
                     np.nan, int(floor.family["draws"]), np.nan, np.nan, np.nan)
                    for m in FLOOR_METRICS for part, key in (("mean", "null_mean"), ("p95", "null_p95"), ("p", "p"))]


def _score_target(records: list, run_records: list, runs: list[Run], algorithm: str, k: int, target: str,
                  truth: pd.Series, chance: ChanceParams, strata: dict[str, pd.Series],
                  internal: list[dict]) -> None:
    """Scores of one clustering family (every training seed x clustering seed) against one target,
    with their chance levels; ``internal``: each run's :func:`internal_scores`."""
    rep = runs[0].rows
    y_true = truth_of(rep.keys, truth, f"{target} in {rep.name} ({rep.level})")
    needs_k = ALGORITHMS[algorithm].needs_k
    songs = rep.keys["track_id"].to_numpy()
    _external(records, run_records, algorithm, rep.level, rep.name, target, k, runs, songs, y_true, chance, internal,
              strata, needs_k)
    if rep.level == "chunk" and needs_k:  # the song's majority vote over its chunks
        votes = [majority_vote(rep.keys, run.labels) for run in runs]
        track_ids = votes[0].index.to_numpy()
        vote_runs = [Run(run.train_seed, run.cluster_seed, None, None, vote.to_numpy()) for run, vote in zip(runs, votes)]
        _external(records, run_records, algorithm, "track_vote", rep.name, target, k, vote_runs, track_ids,
                  truth.reindex(track_ids).to_numpy(), chance, None, strata, True)


def score_representation(members: list[tuple], targets: dict[str, pd.Series], *, chance: ChanceParams = ChanceParams(),
                         silhouette_rows: int | None = None) -> tuple[list[tuple], list[tuple]]:
    """Score every clustering of one representation (all its training seeds) against every target
    whose class count is its k.

    Every score is the mean over training seeds of each seed's mean over clustering seeds, with the
    sd and 95% t-interval over those seed means (:func:`summarise`) and, with nulls, the 95% song
    bootstrap interval (``boot_lo``, ``boot_hi``) of NMI and ARI; an algorithm that needs no k
    (DBSCAN, HDBSCAN) is scored against every target and adds its noise fraction and cluster
    count; an unlabelled corpus gets internal scores per k. With ``chance.draws`` > 0 each
    external score gets its song-level permutation null (:func:`musiclust.chance.family_chance`:
    ``<metric>_null_mean``, ``<metric>_null_p95`` and ``<metric>_p``), each run its p-value, a
    crossed target (language x genre) its label floors (``<metric>_floor_<label>_{mean,p95,p}``),
    and each chunk-level clustering is also scored per track by majority vote (level ``track_vote``).

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
    run_records : rows of the runs table (``RUN_COLUMNS``)
    """
    members = [(m[0], m[1], m[2], m[3] if len(m) > 3 else None) for m in members]
    first = members[0][0]
    for rep, _, _, _ in members[1:]:
        if (rep.name, rep.level) != (first.name, first.level) or not rep.keys[KEYS].equals(first.keys[KEYS]):
            raise ValueError(f"training seeds of {first.name} ({first.level}) do not cover the same rows")
    # each member's runs as positions in its rows, looked up once: (algorithm, k, seed) -> assignment rows
    indexed = []
    for rep, assignments, dist, sample in members:
        clusters = assignments["cluster"].to_numpy()
        positions = {"rep": _positions(rep.keys, assignments),
                     "sample": _positions(sample.keys, assignments) if sample is not None else None}
        indexed.append((rep, dist, sample, clusters, positions, assignments.groupby(["algorithm", "k", "seed"]).indices))
    families = sorted({(algorithm, k) for *_, groups in indexed for algorithm, k, _ in groups})
    records: list[tuple] = []
    run_records: list[tuple] = []
    strata = {label: targets[label] for label in ("language", "genre")} if "language_genre" in targets else {}
    for algorithm, k in families:
        runs = []
        for rep, dist, sample, clusters, positions, groups in indexed:
            for seed in sorted(seed for a, kk, seed in groups if (a, kk) == (algorithm, k)):
                run = groups[(algorithm, k, seed)]
                # The distance matrix belongs to the rows the quadratic algorithms saw.
                on_sample = sample is not None and len(run) == len(sample.keys)
                rows, rows_dist = (sample, dist) if on_sample else (rep, None if sample is not None else dist)
                labels = _labels_at(positions["sample" if on_sample else "rep"][run], clusters[run], len(rows.keys))
                runs.append(Run(rep.train_seed, int(seed), rows, rows_dist, labels))
        if not targets:  # unlabelled corpus: internal scores only, per k
            per_run = [internal_scores(run.rows.features, run.labels, run.distances, silhouette_rows) for run in runs]
            _record(records, run_records, algorithm, first.level, first.name, f"k{k}" if k else "auto", int(k), runs,
                    per_run, noisy_labels=None if ALGORITHMS[algorithm].needs_k else [run.labels for run in runs])
            continue
        internal = None  # the same for every target: computed once, where a target is scored
        for target, truth in targets.items():
            n_classes = truth.reindex(first.keys["track_id"].unique()).nunique()
            if ALGORITHMS[algorithm].needs_k and k != n_classes:
                continue
            if internal is None:
                internal = [internal_scores(run.rows.features, run.labels, run.distances, silhouette_rows)
                            for run in runs]
            _score_target(records, run_records, runs, algorithm, int(k), target, truth, chance,
                          strata if target == "language_genre" else {}, internal)
    return records, run_records


def with_q_values(scores: pd.DataFrame) -> pd.DataFrame:
    """``<metric>_q`` rows beside every ``<metric>_p``: Benjamini-Hochberg across each table
    (one algorithm and level: every representation and target)."""
    p_rows = scores[scores["metric"].str.endswith("_p") & ~scores["metric"].str.contains("_floor_")]
    if p_rows.empty:
        return scores
    q_rows = []
    for _, table in p_rows.groupby(["algorithm", "level", "metric"], sort=True):
        q_rows.append(table.assign(metric=table["metric"].str[:-2] + "_q", value=benjamini_hochberg(table["value"])))
    return pd.concat([scores, *q_rows], ignore_index=True)


def nest(table: pd.DataFrame) -> dict:
    """The long score table as ``{algorithm: {level: {representation: {target: {metric: value}}}}}``,
    rounded to 6 decimals, with ``<metric>_sd``, ``<metric>_ci95`` (over training seeds) and
    ``<metric>_boot_lo``/``_boot_hi`` (song bootstrap) beside each score that has them, ``runs``
    (clusterings) and ``seeds`` (training seeds) the scores are over; chance rows (nulls, p- and
    q-values, floors) as they are."""
    nested: dict = {}
    for r in table.itertuples(index=False):
        node = nested.setdefault(r.algorithm, {}).setdefault(r.level, {}).setdefault(
            r.representation, {}).setdefault(r.target, {})
        node[r.metric] = round(r.value, 6)
        for name in ("sd", "ci95", "boot_lo", "boot_hi"):
            if not np.isnan(getattr(r, name)):
                node[f"{r.metric}_{name}"] = round(getattr(r, name), 6)
        if not np.isnan(r.seeds):  # a score, not a chance row
            node["runs"] = max(node.get("runs", 0), int(r.runs))
            node["seeds"] = max(node.get("seeds", 0), int(r.seeds))
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
