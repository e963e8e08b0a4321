"""Chance levels and sampling intervals of clustering scores, with the song as the unit.

Ten chunks of one song are not ten independent items: they share the song's labels and,
mostly, its cluster. Every procedure here therefore moves songs, never chunks:

* :func:`family_chance` — a permutation null that shuffles the class labels *of songs* (each
  song keeps its own chunks' clusters), the same shuffle for every run of a family (training
  seeds x clustering seeds), so the runs' dependence on the one dataset is kept. Each run gets
  its p-value, the family (the mean over its runs, the reported score) gets its own, and
  :data:`NEAR_SE` Monte-Carlo standard errors around 0.05 add draws up to ``max_draws``.
  With ``strata`` (e.g. each song's language) the shuffle stays within a stratum: the scores
  a clustering of the same k and cluster sizes earns by knowing the stratum only (the label
  floor of a crossed target such as language x genre).
* :func:`song_bootstrap` — songs resampled with replacement: the data-sampling interval of a
  family's mean score.
* :func:`benjamini_hochberg` — q-values across a table's p-values.

Tables are integer counts, so they are exact whatever kernels sum them; every score of a batch
of tables comes from :func:`table_scores` (NMI and AMI with arithmetic normalisation and ARI as
scikit-learn defines them, Hungarian accuracy, purity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

from .seeding import stable_seed  # noqa: F401  (part of this module's API)

NULL_METRICS = ("nmi", "ari", "ami", "accuracy")
BOOTSTRAP_METRICS = ("nmi", "ari")
#: the family p-value is recomputed with more draws when it lies this many Monte-Carlo
#: standard errors or fewer from 0.05
NEAR_SE = 2.0
ALPHA = 0.05
_EPS = np.finfo(np.float64).eps
# a null score counts as reaching the observed one within this (the two are the same sums
# in another order)
_TIE = 1e-12


def accuracy_from_contingency(table: np.ndarray) -> float:
    """Accuracy after the one-to-one cluster→class matching that maximises it (Hungarian)."""
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / table.sum())


def _entropy(counts: np.ndarray, n: np.ndarray) -> np.ndarray:
    p = counts / n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)


def table_scores(tables: np.ndarray, *, emi: np.ndarray | None = None, accuracy: bool = True) -> dict[str, np.ndarray]:
    """NMI, ARI, purity, (with ``emi``) AMI and (with ``accuracy``) Hungarian accuracy of a batch
    of contingency tables ``(B, classes, clusters)``.

    ``emi`` is each table's expected mutual information under fixed margins (:func:`expected_mi`);
    for the tables of a permutation null it is the observed table's, whose margins the shuffle keeps
    (of songs, not chunks: at chunk level the class margins move a little with song lengths).
    """
    t = np.asarray(tables, dtype=np.float64)
    n = t.sum(axis=(1, 2))
    rows, cols = t.sum(axis=2), t.sum(axis=1)
    h_true, h_pred = _entropy(rows, n), _entropy(cols, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(t) + np.log(n)[:, None, None] - np.log(rows)[:, :, None] - np.log(cols)[:, None, :]
        mi = np.maximum(np.where(t > 0, t * log_ratio, 0.0).sum(axis=(1, 2)) / n, 0.0)
    mean_h = (h_true + h_pred) / 2
    both_single = (h_true == 0) & (h_pred == 0)
    out = {"nmi": np.where(both_single, 1.0, mi / np.maximum(mean_h, _EPS))}

    def pairs(x):
        return x * (x - 1) / 2

    index, a, b = pairs(t).sum(axis=(1, 2)), pairs(rows).sum(axis=1), pairs(cols).sum(axis=1)
    expected = a * b / np.maximum(pairs(n), _EPS)
    top = (a + b) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ari"] = np.where(top == expected, 1.0, (index - expected) / (top - expected))
    out["purity"] = t.max(axis=1).sum(axis=1) / n
    if emi is not None:
        denominator = mean_h - emi
        denominator = np.where(denominator < 0, np.minimum(denominator, -_EPS), np.maximum(denominator, _EPS))
        single = ((rows > 0).sum(axis=1) == 1) & ((cols > 0).sum(axis=1) == 1)
        out["ami"] = np.where(single, 1.0, (mi - emi) / denominator)
    if accuracy:
        out["accuracy"] = np.array([accuracy_from_contingency(table) for table in t])
    return out


def expected_mi(table: np.ndarray) -> float:
    """Expected mutual information of a contingency table's margins under random assignment
    (scikit-learn's, as its ``adjusted_mutual_info_score`` uses)."""
    table = np.asarray(table, dtype=np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    return float(expected_mutual_information(table, int(table.sum())))


def scores_from_contingency(table: np.ndarray) -> dict[str, float]:
    """NMI, ARI, AMI, purity and Hungarian accuracy of one contingency table (classes x clusters)."""
    batch = table_scores(np.asarray(table)[None], emi=np.array([expected_mi(table)]))
    return {name: float(values[0]) for name, values in batch.items()}


@dataclass(frozen=True)
class SongRuns:
    """The runs of one clustering family summed per song.

    ``classes[s]`` is song s's class (0..K-1), ``counts[r, s, l]`` how many of song s's rows run
    r put in cluster l (clusters of all runs share one code space), ``strata`` an optional
    per-song grouping for floors.
    """
    classes: np.ndarray
    counts: np.ndarray
    n_classes: int

    def tables(self, classes: np.ndarray) -> np.ndarray:
        """Contingency tables ``(D, R, K, L)`` for ``D`` class vectors of the songs ``(D, S)``."""
        onehot = (classes[:, :, None] == np.arange(self.n_classes)).astype(np.int64)
        return np.einsum("dsk,rsl->drkl", onehot, self.counts)

    def observed(self) -> np.ndarray:
        """Each run's contingency table ``(R, K, L)``."""
        return self.tables(self.classes[None])[0]


def song_runs(songs, y_true, runs: list[np.ndarray]) -> SongRuns:
    """Per-song counts of each run's clusters (:class:`SongRuns`).

    Parameters
    ----------
    songs : (N,) the song of each row; y_true : (N,) its class (constant within a song)
    runs : the cluster of each row, one (N,) array per run, rows in the same order
    """
    song_ids, song_of_row = np.unique(np.asarray(songs), return_inverse=True)
    _, class_of_row = np.unique(np.asarray(y_true), return_inverse=True)
    classes = np.zeros(len(song_ids), dtype=np.int64)
    classes[song_of_row] = class_of_row
    if not np.array_equal(classes[song_of_row], class_of_row):
        raise ValueError("a song's rows carry different classes: song-level chance needs one class per song")
    _, codes = np.unique(np.concatenate([np.asarray(r) for r in runs]), return_inverse=True)
    codes = codes.reshape(len(runs), -1)
    counts = np.zeros((len(runs), len(song_ids), codes.max() + 1), dtype=np.int64)
    for r, run_codes in enumerate(codes):
        np.add.at(counts[r], (song_of_row, run_codes), 1)
    return SongRuns(classes, counts, int(class_of_row.max()) + 1)


def _shuffled(classes: np.ndarray, draws: int, rng: np.random.Generator, strata: np.ndarray | None) -> np.ndarray:
    """``draws`` permutations of the songs' classes ``(draws, S)``, within each stratum if given."""
    if strata is None:
        return rng.permuted(np.tile(classes, (draws, 1)), axis=1)
    out = np.empty((draws, len(classes)), dtype=classes.dtype)
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        out[:, members] = rng.permuted(np.tile(classes[members], (draws, 1)), axis=1)
    return out


def _null_scores(runs: SongRuns, draws: int, rng, strata, emi: np.ndarray) -> dict[str, np.ndarray]:
    """Scores ``(draws, R)`` of the shuffled tables, a block of draws at a time."""
    out: dict[str, list] = {m: [] for m in NULL_METRICS}
    for start in range(0, draws, 100):
        block = min(100, draws - start)
        tables = runs.tables(_shuffled(runs.classes, block, rng, strata))
        d, r = tables.shape[:2]
        scores = table_scores(tables.reshape(d * r, *tables.shape[2:]), emi=np.tile(emi, d))
        for m in NULL_METRICS:
            out[m].append(scores[m].reshape(d, r))
    return {m: np.concatenate(v) for m, v in out.items()}


def _p_value(null: np.ndarray, observed: float) -> float:
    """(1 + draws reaching the observed score) / (1 + draws)."""
    return float((1 + np.count_nonzero(null >= observed - _TIE)) / (1 + len(null)))


def _near(p: float, draws: int) -> bool:
    return abs(p - ALPHA) <= NEAR_SE * np.sqrt(ALPHA * (1 - ALPHA) / draws)


@dataclass
class Chance:
    family: dict[str, float]         # <metric>_null_mean, <metric>_null_p95, <metric>_p, draws
    per_run: dict[str, np.ndarray]   # <metric>_p: (R,) each run's p-value
    observed: dict[str, np.ndarray]  # each run's scores (R,), from the same arithmetic as the null


def observed_scores(runs: SongRuns) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each run's scores (:func:`table_scores`, ``(R,)`` per metric) and expected mutual information."""
    tables = runs.observed()
    emi = np.array([expected_mi(table) for table in tables])
    return table_scores(tables, emi=emi), emi


def family_chance(runs: SongRuns, *, draws: int, max_draws: int, seed: int, strata=None) -> Chance:
    """Permutation null of a family of runs, shuffling songs' classes (within ``strata``).

    The statistic of the family is the mean of its runs' scores; every draw applies one shuffle to
    all runs. ``draws`` shuffles, extended to ``max_draws`` when any family p-value is within
    :data:`NEAR_SE` Monte-Carlo standard errors of 0.05.

    Returns
    -------
    :class:`Chance`: for each metric of :data:`NULL_METRICS` the family's null mean, 95th
    percentile and p-value, and each run's p-value.

    Examples
    --------
    >>> songs = np.repeat(np.arange(40), 5); y = songs % 2
    >>> chance = family_chance(song_runs(songs, y, [y]), draws=200, max_draws=200, seed=0)
    >>> chance.family["nmi_p"] < 0.01 and chance.observed["nmi"][0] == 1.0
    True
    """
    strata = None if strata is None else np.asarray(strata)
    observed, emi = observed_scores(runs)
    rng = np.random.default_rng(seed)
    null = _null_scores(runs, draws, rng, strata, emi)
    total = draws
    if max_draws > draws and any(_near(_p_value(null[m].mean(axis=1), observed[m].mean()), draws)
                                 for m in NULL_METRICS):
        more = _null_scores(runs, max_draws - draws, rng, strata, emi)
        null = {m: np.concatenate([null[m], more[m]]) for m in NULL_METRICS}
        total = max_draws
    family: dict[str, float] = {"draws": float(total)}
    per_run = {}
    for m in NULL_METRICS:
        means = null[m].mean(axis=1)
        family[f"{m}_null_mean"] = float(means.mean())
        family[f"{m}_null_p95"] = float(np.percentile(means, 95))
        family[f"{m}_p"] = _p_value(means, float(observed[m].mean()))
        per_run[f"{m}_p"] = np.array([_p_value(null[m][:, r], observed[m][r]) for r in range(len(observed[m]))])
    return Chance(family, per_run, observed)


def song_bootstrap(runs: SongRuns, *, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
    """95% normal bootstrap interval of the family's mean NMI and ARI: the estimate ± 1.96 standard
    deviations of its ``resamples`` resamplings of the songs with replacement (the same resample for
    every run; each song with all its rows).

    Not a percentile interval: a resample repeats songs, and repeated songs raise NMI by themselves
    (most with few songs per class), so the resampled scores sit above the estimate, often by more
    than their spread, and percentile or basic intervals miss it. Their spread is the
    data-sampling uncertainty the interval reports.
    """
    observed = table_scores(runs.observed(), accuracy=False)
    rng = np.random.default_rng(seed)
    n_songs = len(runs.classes)
    onehot = (runs.classes[:, None] == np.arange(runs.n_classes)).astype(np.int64)
    per_song = np.einsum("sk,rsl->rskl", onehot, runs.counts).reshape(runs.counts.shape[0], n_songs, -1)
    shape = (runs.n_classes, runs.counts.shape[2])
    means = {m: [] for m in BOOTSTRAP_METRICS}
    for start in range(0, resamples, 250):
        block = min(250, resamples - start)
        weights = rng.multinomial(n_songs, np.full(n_songs, 1 / n_songs), size=block)
        tables = np.einsum("bs,rsm->brm", weights, per_song)  # integers: exact
        b, r = tables.shape[:2]
        scores = table_scores(tables.reshape(b * r, *shape), accuracy=False)
        for m in BOOTSTRAP_METRICS:
            means[m].append(scores[m].reshape(b, r).mean(axis=1))
    out = {}
    for m, v in means.items():
        estimate, spread = float(observed[m].mean()), float(np.concatenate(v).std(ddof=1))
        out[m] = (estimate - 1.96 * spread, estimate + 1.96 * spread)
    return out


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), NaN kept as NaN."""
    p = np.asarray(p_values, dtype=float)
    q = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        from scipy.stats import false_discovery_control

        q[ok] = false_discovery_control(p[ok], method="bh")
    return q
