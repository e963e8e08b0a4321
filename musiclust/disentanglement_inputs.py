"""What the disentanglement scores (:mod:`musiclust.disentanglement`) share: their defaults,
and the checks, encodings and seeded splits of their inputs (codes and factors).

``codes`` is ``(N, D)``; factors are ``(N,)`` label arrays, given as a mapping ``name -> labels``,
a single ``(N,)`` array or an ``(N, K)`` array; labels are encoded to ``0..C-1`` in sorted order.
``groups``, where given, is an ``(N,)`` id per row (e.g. the track of each chunk) that the
train/test splits keep whole (:func:`_split`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike
from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedGroupKFold, StratifiedShuffleSplit

from .linalg import project, randomized_pca

#: Equal-width bins per code dimension for MIG (disentanglement_lib's usual setting).
BINS = 20
#: Codes wider than this are replaced by their first MAX_DIMS principal components; narrower codes
#: (every learned code, up to 2048 dims) keep their own axes.
MAX_DIMS = 2048
#: Boosting rounds of DCI's GradientBoostingClassifier (sklearn's and disentanglement_lib's default).
N_ESTIMATORS = 100
#: Share of the rows held out to measure test accuracy (DCI informativeness, SAP).
TEST_FRACTION = 0.3
#: Keys of :func:`disentanglement_scores`.
SCORE_KEYS = ("mig", "dci_disentanglement", "dci_completeness", "dci_informativeness", "sap")

Factors = Mapping[str, ArrayLike] | ArrayLike


def _check_codes(codes: ArrayLike, *, min_dims: int = 1) -> np.ndarray:
    """``codes`` as a finite float64 ``(N, D)`` array, or a ValueError."""
    try:
        x = np.asarray(codes, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"codes must be a numeric (N, D) array: {err}") from None
    if x.ndim != 2:
        raise ValueError(f"codes must be a 2-D (N, D) array, got shape {x.shape}")
    if x.shape[0] < 2:
        raise ValueError(f"codes must have at least 2 rows, got {x.shape[0]}")
    if x.shape[1] < min_dims:
        raise ValueError(
            f"codes must have at least {min_dims} dimension(s) (columns) for this score, got {x.shape[1]}")
    if not np.all(np.isfinite(x)):
        bad = int(np.sum(~np.isfinite(x)))
        raise ValueError(f"codes must be finite: {bad} NaN or infinite value(s)")
    return x


def _encode_factors(factors: Factors, n_rows: int) -> tuple[list[str], np.ndarray]:
    """Factor names and the ``(N, K)`` integer-encoded factors, or a ValueError.

    A mapping gives the names; an ``(N,)`` array is one factor called ``"factor 0"``;
    an ``(N, K)`` array gives factors ``"factor 0"`` ... ``"factor K-1"``.
    """
    if isinstance(factors, Mapping):
        names = [str(name) for name in factors]
        columns = [np.asarray(values) for values in factors.values()]
    else:
        array = np.asarray(factors)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError(f"factors must be an (N,) or (N, K) array or a mapping, got shape {array.shape}")
        names = [f"factor {j}" for j in range(array.shape[1])]
        columns = [array[:, j] for j in range(array.shape[1])]
    if not columns:
        raise ValueError("at least one factor is needed")
    encoded = np.empty((n_rows, len(columns)), dtype=np.int64)
    for j, (name, values) in enumerate(zip(names, columns)):
        if values.ndim != 1:
            raise ValueError(f"factor {name!r} must be a 1-D array of labels, got shape {values.shape}")
        if len(values) != n_rows:
            raise ValueError(f"factor {name!r} has {len(values)} labels but codes have {n_rows} rows")
        if values.dtype.kind == "f" and np.any(np.isnan(values)):
            raise ValueError(f"factor {name!r} has missing (NaN) labels")
        try:
            classes, inverse = np.unique(values, return_inverse=True)
        except TypeError as err:
            raise ValueError(f"factor {name!r} has labels that cannot be sorted (mixed types or None?): {err}") from None
        if len(classes) < 2:
            raise ValueError(
                f"factor {name!r} has only {len(classes)} class ({classes.tolist()}): "
                "a factor needs at least 2 classes to carry information")
        encoded[:, j] = inverse.reshape(-1)
    return names, encoded


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int, got {seed!r}")
    return int(seed)


def _check_test_fraction(test_fraction: float) -> float:
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction!r}")
    return float(test_fraction)


def _cap_dims(x: np.ndarray, max_dims: int | None, seed: int) -> np.ndarray:
    """The first ``max_dims`` principal components of ``x`` when it is wider than that.

    Seeded randomized PCA (:func:`musiclust.linalg.randomized_pca`), so deterministic for a seed;
    at most ``min(max_dims, N - 1)`` components (centred rows span no more). ``x`` itself when ``max_dims`` is None or
    ``D <= max_dims``.
    """
    if max_dims is None:
        return x
    if isinstance(max_dims, bool) or not isinstance(max_dims, (int, np.integer)) or max_dims < 2:
        raise ValueError(f"max_dims must be an int >= 2 or None, got {max_dims!r}")
    n_rows, n_dims = x.shape
    if n_dims <= max_dims:
        return x
    n_components = min(int(max_dims), n_rows - 1)  # centred rows span at most N - 1 dims
    pca = randomized_pca(x, n_components, seed)
    return project(x, pca.mean, pca.components)


def _check_groups(groups: ArrayLike | None, n_rows: int) -> np.ndarray | None:
    """``groups`` as ``(N,)`` integer ids ``0..G-1`` (sorted order), None for None, or a ValueError."""
    if groups is None:
        return None
    values = np.asarray(groups)
    if values.ndim != 1 or len(values) != n_rows:
        raise ValueError(f"groups must be an (N,) array with N = {n_rows} (one id per row), got shape {values.shape}")
    if values.dtype.kind == "f" and np.any(np.isnan(values)):
        raise ValueError("groups has missing (NaN) ids")
    try:
        ids, inverse = np.unique(values, return_inverse=True)
    except TypeError as err:
        raise ValueError(f"groups has ids that cannot be sorted (mixed types or None?): {err}") from None
    if len(ids) < 2:
        raise ValueError(f"groups must hold at least 2 distinct ids to split by group, got {len(ids)}")
    return inverse.reshape(-1).astype(np.int64)


def _split(y: np.ndarray, seed: int, test_fraction: float, name: str, groups: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/test row indices, stratified by ``y`` where sklearn allows it.

    Without ``groups``: ``StratifiedShuffleSplit(test_size=test_fraction, random_state=seed)``.
    Stratification needs every class to have at least 2 rows and both parts to hold
    at least one row per class; otherwise a plain seeded ``ShuffleSplit``.

    With ``groups`` (an ``(N,)`` id per row, e.g. the track of each chunk), no group is on
    both sides: the test part is the first fold of ``StratifiedGroupKFold(n_splits=n,
    shuffle=True, random_state=seed)`` with ``n = max(2, round(1 / test_fraction))`` (3
    folds, about a third of the rows, for the default 0.3). It keeps whole groups
    together while keeping each part's class shares close to the whole's, so test
    accuracy stays comparable to the ungrouped split and chance stays the majority
    share. ``GroupShuffleSplit(test_size=test_fraction, random_state=seed)``, which
    draws whole groups at random without looking at the classes (and sizes the test
    part as a share of groups, not of rows), is the fallback only where the folds are
    impossible: fewer groups than folds, or every class smaller than the fold count.
    """
    zeros = np.zeros((len(y), 1))
    if groups is None:
        try:
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
            train, test = next(splitter.split(zeros, y))
        except ValueError:
            splitter = ShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
            train, test = next(splitter.split(zeros))
    else:
        try:
            folds = StratifiedGroupKFold(n_splits=max(2, round(1 / test_fraction)), shuffle=True, random_state=seed)
            with warnings.catch_warnings():  # a class smaller than the fold count: the 2-class check below decides
                warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
                train, test = next(folds.split(zeros, y, groups))
        except ValueError:
            splitter = GroupShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
            train, test = next(splitter.split(zeros, y, groups))
    if len(np.unique(y[train])) < 2 or len(test) == 0:
        raise ValueError(f"factor {name!r}: too few rows for a train/test split with 2 classes in the training part")
    return train, test


def _check_importance(importance: ArrayLike) -> np.ndarray:
    """A DCI importance matrix as a finite, non-negative float64 ``(D, K)`` array, or a ValueError."""
    r = np.asarray(importance, dtype=np.float64)
    if r.ndim != 2 or 0 in r.shape:
        raise ValueError(f"importance must be a non-empty 2-D (D, K) array, got shape {r.shape}")
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError("importance must be finite and non-negative")
    return r


def _prepare(codes: ArrayLike, factors: Factors, seed: int, test_fraction: float, max_dims: int | None,
             groups: ArrayLike | None, *, min_dims: int = 1
             ) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray | None, int, float]:
    """Checked inputs of a split-based score: the codes (capped at ``max_dims``), the factor names, the
    ``(N, K)`` encoded factors, the encoded groups (or None), the seed and the test fraction."""
    seed = _check_seed(seed)
    test_fraction = _check_test_fraction(test_fraction)
    x = _check_codes(codes, min_dims=min_dims)
    names, y = _encode_factors(factors, x.shape[0])
    group_ids = _check_groups(groups, x.shape[0])
    return _cap_dims(x, max_dims, seed), names, y, group_ids, seed, test_fraction
