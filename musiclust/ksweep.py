"""k as a variable, not an assumption: one representation clustered by KMeans at every k of a range,
scored against each label (NMI, AMI) and by its own silhouette.

The clustering scores elsewhere set k to each label's class count. A sweep shows whether that k is
where the representation's structure is: where AMI against a label peaks, and where the
silhouette, which knows no label, does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from .cluster import kmeans
from .config import check, check_seed

SWEEP_COLUMNS = ["k", "target", "nmi", "ami", "silhouette"]


@dataclass(frozen=True)
class KSweepParams:
    level: str = "track"        # track or chunk
    seed: int = 0               # KMeans' seed at every k
    n_init: int = 10
    max_rows: int = 5000        # the silhouette's seeded sample beyond this many rows; the raw pixels' too

    def validate(self, key: str) -> None:
        check(self.level in ("track", "chunk"), f"{key}.level", "must be track or chunk")
        check_seed(self.seed, f"{key}.seed")
        check(self.n_init >= 1, f"{key}.n_init", "must be >= 1")
        check(self.max_rows >= 100, f"{key}.max_rows", "must be >= 100")


def sweep_ks(n_classes: list[int]) -> list[int]:
    """The ks a sweep covers: 2 up to twice the largest class count, and at least 2 ... 4.

    Examples
    --------
    >>> sweep_ks([4, 2])
    [2, 3, 4, 5, 6, 7, 8]
    >>> sweep_ks([])
    [2, 3, 4]
    """
    if any(count < 1 for count in n_classes):
        raise ValueError(f"class counts must be >= 1, got {list(n_classes)}")
    return list(range(2, max([4, *(2 * int(count) for count in n_classes)]) + 1))


def silhouette_sample(n_rows: int, silhouette_rows: int | None, seed: int) -> np.ndarray | slice:
    """The rows whose silhouette stands for all: a seeded sample of ``silhouette_rows`` when there
    are more rows than that, the one scikit-learn draws for ``sample_size=silhouette_rows,
    random_state=seed`` (so with seed 0 the sample of :func:`musiclust.metrics.internal_scores`),
    else every row."""
    if silhouette_rows is None or n_rows <= silhouette_rows:
        return slice(None)
    return np.random.RandomState(seed).permutation(n_rows)[:silhouette_rows]


def k_sweep(features: np.ndarray, truths: dict[str, np.ndarray], ks: list[int], *, seed: int = 0,
            n_init: int = 10, silhouette_rows: int | None = 5000) -> pd.DataFrame:
    """KMeans at each k of ``ks`` on the rows of ``features``, scored against each label and by its silhouette.

    Each k is one ``KMeans(n_clusters=k, n_init=n_init, random_state=seed)``
    (:func:`musiclust.cluster.kmeans`), scored by NMI (arithmetic-mean normalisation) and AMI
    (``sklearn.metrics.adjusted_mutual_info_score``: 0 for a clustering no better than chance at
    that k, so unlike NMI it does not rise with k alone) against each label, and by the silhouette
    in Euclidean distance. The silhouette's distances come without BLAS
    (:func:`musiclust.linalg.euclidean_distances`: the same bits under any BLAS kernel) and are
    computed once for every k; beyond ``silhouette_rows`` rows they are those of a seeded sample
    (:func:`silhouette_sample`), the same rows at every k.

    Cost: KMeans dominates, ``n_init`` fits per k; on (20000, 64) rows a k of 24 took about 11 s
    on two shared CPU cores, the 5000 x 5000 distances 1 s once and each silhouette 0.1 s.

    Parameters
    ----------
    features : np.ndarray, shape (N, D)
    truths : {target name: np.ndarray, shape (N,)}
        The class of each row under each label; may be empty.
    ks : list of int, each in [2, N)
        Swept in increasing order, each once.
    seed : int
        Seeds KMeans and the silhouette's sample.
    n_init : int >= 1
        KMeans restarts per k; the one of least inertia is kept.
    silhouette_rows : int, optional
        The largest number of rows whose distance matrix (silhouette_rows x silhouette_rows
        float64) is formed; None for every row.

    Returns
    -------
    pd.DataFrame
        Columns ``k, target, nmi, ami, silhouette``: one row per k and target, k ascending, targets
        in the order of ``truths``; the silhouette repeats across a k's targets. With no truths,
        one row per k with target ``""`` and NaN ``nmi`` and ``ami``. A silhouette the sample
        cannot define (its rows all in one cluster) is NaN.

    Raises
    ------
    ValueError
        A k outside [2, N), or a truth of another length than the rows (the message names it).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> blobs = np.repeat(np.arange(3), 20)
    >>> features = 10.0 * np.eye(3)[blobs] + rng.standard_normal((60, 3))
    >>> table = k_sweep(features, {"blob": blobs}, [2, 3, 4])
    >>> int(table.loc[table["ami"].idxmax(), "k"]), int(table.loc[table["silhouette"].idxmax(), "k"])
    (3, 3)
    """
    features = np.asarray(features)
    n_rows = len(features)
    ks = sorted({int(k) for k in ks})
    bad = [k for k in ks if not 2 <= k < n_rows]
    if bad:
        raise ValueError(f"k must be in [2, {n_rows}) for {n_rows} rows, got {bad}")
    for target, truth in truths.items():
        if len(truth) != n_rows:
            raise ValueError(f"truth {target!r} has {len(truth)} values for {n_rows} rows")
    from .linalg import euclidean_distances  # torch: imported where it is used

    sample = silhouette_sample(n_rows, silhouette_rows, seed)
    distances = euclidean_distances(features[sample])
    records = []
    for k in ks:
        labels = kmeans(features, k, seed=seed, n_init=n_init)
        sampled = labels[sample]
        silhouette = float(skm.silhouette_score(distances, sampled, metric="precomputed")) \
            if 2 <= len(np.unique(sampled)) < len(sampled) else np.nan
        for target, truth in truths.items():
            records.append((k, target, float(skm.normalized_mutual_info_score(truth, labels)),
                            float(skm.adjusted_mutual_info_score(truth, labels)), silhouette))
        if not truths:
            records.append((k, "", np.nan, np.nan, silhouette))
    table = pd.DataFrame.from_records(records, columns=SWEEP_COLUMNS)
    return table.astype({"k": "int64", "target": str, "nmi": "float64", "ami": "float64", "silhouette": "float64"})


def sweep_corpus(reps: list, targets: dict[str, "pd.Series"], *, level: str = "track", seed: int = 0,
                 n_init: int = 10, silhouette_rows: int | None = 5000, progress: bool = True) -> pd.DataFrame:
    """:func:`k_sweep` of every representation at ``level`` (its first training seed), with ks from
    :func:`sweep_ks` of the labels' class counts: columns ``representation`` and :data:`SWEEP_COLUMNS`."""
    from tqdm.auto import tqdm

    firsts: dict[str, object] = {}
    for rep in reps:
        if rep.level == level:
            firsts.setdefault(rep.name, rep)
    ks = sweep_ks([truth.nunique() for truth in targets.values()])
    frames = []
    for name in tqdm(sorted(firsts), desc="k sweep", unit="representation", disable=not progress):
        rep = firsts[name]
        ids = rep.keys["track_id"]
        truths = {t: truth.reindex(ids).to_numpy() for t, truth in targets.items()}
        usable = [k for k in ks if k < len(rep.features)]
        table = k_sweep(rep.features, truths, usable, seed=seed, n_init=n_init, silhouette_rows=silhouette_rows)
        frames.append(table.assign(representation=name))
    if not frames:
        return pd.DataFrame(columns=["representation", *SWEEP_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["representation", *SWEEP_COLUMNS]]
