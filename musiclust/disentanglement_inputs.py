"""What the disentanglement scores (:mod:`musiclust.disentanglement`) share: their defaults,
and the checks, encodings and seeded splits of their inputs (codes and factors).

``codes`` is ``(N, D)``; factors are ``(N,)`` label arrays, given as a mapping ``name -> labels``,
a single ``(N,)`` array or an ``(N, K)`` array; labels are encoded to ``0..C-1`` in sorted order.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from .linalg import project, randomized_pca

#: Equal-width bins per code dimension for MIG (disentanglement_lib's usual setting).
BINS = 20
#: Codes wider than this are replaced by their first MAX_DIMS principal components.
MAX_DIMS = 256
#: Boosting rounds of DCI's GradientBoostingClassifier (sklearn's default is 100).
N_ESTIMATORS = 50
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


def _split(y: np.ndarray, seed: int, test_fraction: float, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/test row indices, stratified by ``y`` where sklearn allows it.

    Stratification needs every class to have at least 2 rows and both parts to hold
    at least one row per class; otherwise a plain seeded shuffle split is used.
    """
    try:
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
        train, test = next(splitter.split(np.zeros((len(y), 1)), y))
    except ValueError:
        splitter = ShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
        train, test = next(splitter.split(np.zeros((len(y), 1))))
    if len(np.unique(y[train])) < 2:
        raise ValueError(f"factor {name!r}: too few rows for a train/test split with 2 classes in the training part")
    return train, test
