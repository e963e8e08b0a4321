"""Disentanglement scores (MIG, DCI, SAP) of a latent code against discrete factors.

A pure library module: arrays in, numbers out. The definitions follow
google-research/disentanglement_lib (``evaluation/metrics/mig.py``, ``dci.py``,
``sap_score.py`` and ``utils.py``), adapted to one fixed dataset of observed codes:
there is no ground-truth simulator to sample fresh codes from, so the codes are the
posterior means of real tracks and the factors are their labels (language, genre,
...). Where disentanglement_lib draws separate train and test batches, the rows are
split here once per factor with a seeded stratified split.

Scores
------
* MIG, the mutual information gap (Chen et al. 2018, "Isolating Sources of
  Disentanglement in Variational Autoencoders", NeurIPS; arXiv:1802.04942):
  :func:`mig`.
* DCI disentanglement, completeness and informativeness (Eastwood & Williams 2018,
  "A Framework for the Quantitative Evaluation of Disentangled Representations",
  ICLR): :func:`dci`.
* SAP, the separated attribute predictability (Kumar et al. 2018, "Variational
  Inference of Disentangled Latent Concepts from Unlabeled Observations", ICLR):
  :func:`sap`.
* All five numbers at once, with factors given by name: :func:`disentanglement_scores`.

Shapes: ``codes`` is ``(N, D)`` (rows are items, columns code dimensions); factors
are ``(N,)`` label arrays (strings or ints), given as a mapping ``name -> labels``, a
single ``(N,)`` array or an ``(N, K)`` array (one column per factor). Labels are
encoded to integers ``0..C-1`` in sorted order inside.

Wide codes: a code wider than ``max_dims`` (default :data:`MAX_DIMS` = 256, e.g. a
raw-pixel "code" of 16,384 dims) is first replaced by its first ``max_dims``
principal components, computed with a seeded randomized PCA
(``sklearn.decomposition.PCA(svd_solver="randomized", random_state=seed)``), so the
result is deterministic for a given seed. All three scores then describe the
principal axes, not the raw dims. ``max_dims=None`` switches the cap off.

Example
-------
>>> import numpy as np
>>> from musiclust.disentanglement import disentanglement_scores
>>> rng = np.random.default_rng(0)
>>> language = np.repeat(["en", "fr"], 200)
>>> genre = np.tile(np.arange(4), 100)
>>> codes = np.column_stack([(language == "fr") + 0.1 * rng.normal(size=400),
...                          genre + 0.1 * rng.normal(size=400),
...                          rng.normal(size=400)])
>>> scores = disentanglement_scores(codes, {"language": language, "genre": genre}, seed=0)
>>> sorted(scores)
['dci_completeness', 'dci_disentanglement', 'dci_informativeness', 'mig', 'sap']
>>> bool(scores["mig"] > 0.8 and scores["dci_disentanglement"] > 0.8 and scores["sap"] > 0.5)
True
"""


from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import mutual_info_score
from sklearn.tree import DecisionTreeClassifier

from .disentanglement_inputs import (  # noqa: F401  (BINS ... SCORE_KEYS are this module's API too)
    BINS,
    MAX_DIMS,
    N_ESTIMATORS,
    SCORE_KEYS,
    TEST_FRACTION,
    Factors,
    _cap_dims,
    _check_codes,
    _check_seed,
    _check_test_fraction,
    _encode_factors,
    _split,
)

# ----------------------------------------------------------------------------- MIG


def histogram_discretize(codes: ArrayLike, bins: int = BINS) -> np.ndarray:
    """Discretise each code dimension into ``bins`` equal-width bins.

    disentanglement_lib's ``utils._histogram_discretize``: for each dimension ``z``,
    ``np.digitize(z, np.histogram(z, bins)[1][:-1])``, i.e. bin ids ``1..bins`` over
    the range ``[min z, max z]``. A constant dimension falls into a single bin.
    Equal-width bins are sensitive to outliers (one far value squeezes the rest into
    few bins); this is the reference definition and is kept.

    Parameters
    ----------
    codes : array, shape (N, D)
    bins : int >= 2

    Returns
    -------
    np.ndarray of int64, shape (N, D)
    """
    x = _check_codes(codes)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be an int >= 2, got {bins!r}")
    out = np.empty(x.shape, dtype=np.int64)
    for d in range(x.shape[1]):
        try:
            edges = np.histogram(x[:, d], bins)[1]
        except ValueError:  # range too small for `bins` finite-sized bins: treat as constant
            out[:, d] = 1
            continue
        out[:, d] = np.digitize(x[:, d], edges[:-1])
    return out


def mutual_information_matrix(codes: ArrayLike, factors: Factors, *, bins: int = BINS) -> np.ndarray:
    """Mutual information (nats) between each discretised code dimension and each factor.

    ``M[d, k] = I(bin(z_d); v_k)`` with :func:`histogram_discretize` and
    ``sklearn.metrics.mutual_info_score`` (plug-in estimate, biased upwards by roughly
    ``(bins - 1)(C_k - 1) / (2N)`` nats for independent variables), as
    disentanglement_lib's ``utils.discrete_mutual_info``. No dimension cap.

    Parameters
    ----------
    codes : array, shape (N, D)
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array

    Returns
    -------
    np.ndarray, shape (D, K)
    """
    x = _check_codes(codes)
    _, y = _encode_factors(factors, x.shape[0])
    z = histogram_discretize(x, bins)
    m = np.empty((z.shape[1], y.shape[1]))
    for d in range(z.shape[1]):
        for k in range(y.shape[1]):
            m[d, k] = mutual_info_score(y[:, k], z[:, d])
    return m


def mig(codes: ArrayLike, factors: Factors, *, bins: int = BINS, max_dims: int | None = MAX_DIMS,
        seed: int = 0) -> float:
    """Mutual information gap (MIG) of a code against discrete factors.

    Chen et al. 2018 (arXiv:1802.04942), as disentanglement_lib's ``mig._compute_mig``
    (its "discrete_mig"):

    .. math::

        \\mathrm{MIG} = \\frac{1}{K} \\sum_{k=1}^{K}
            \\frac{I(z_{(1)}; v_k) - I(z_{(2)}; v_k)}{H(v_k)}

    where ``z_(1)``, ``z_(2)`` are the code dimensions with the largest and second
    largest mutual information with factor ``v_k`` (after discretising each dimension
    into ``bins`` equal-width bins, :func:`histogram_discretize`), ``I`` is
    ``sklearn.metrics.mutual_info_score`` and ``H(v_k) = I(v_k; v_k)``. Lies in
    ``[0, 1]``: 1 when one dimension alone determines the factor and no other carries
    information about it; 0 for a constant code. For a code independent of the
    factors it is small but not exactly 0 (the plug-in MI is biased upwards).

    Parameters
    ----------
    codes : array, shape (N, D), D >= 2
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
        Discrete labels (strings or ints), at least 2 classes per factor.
    bins : int, default 20
    max_dims : int or None, default 256
        Codes wider than this are replaced by their first ``max_dims`` principal
        components (seeded randomized PCA) before discretising; None: no cap.
    seed : int, default 0
        Seed of the randomized PCA; only used when the cap applies.

    Returns
    -------
    float
    """
    seed = _check_seed(seed)
    x = _check_codes(codes, min_dims=2)
    names, y = _encode_factors(factors, x.shape[0])
    x = _cap_dims(x, max_dims, seed)
    m = mutual_information_matrix(x, y, bins=bins)
    entropy = np.array([mutual_info_score(y[:, k], y[:, k]) for k in range(y.shape[1])])
    top = np.sort(m, axis=0)[::-1]
    return float(np.mean((top[0] - top[1]) / entropy))


# ----------------------------------------------------------------------------- DCI


def _normalised_entropy(weights: np.ndarray) -> np.ndarray:
    """Entropy of each row of non-negative ``weights`` (n, m), in log base ``m``.

    Rows are normalised to sum 1 first. An all-zero row gets entropy 1 (maximally
    uninformative). With ``m == 1`` a non-zero row has entropy 0 (a single outcome).
    """
    totals = weights.sum(axis=1)
    out = np.ones(weights.shape[0])
    live = totals > 0
    if weights.shape[1] == 1:
        out[live] = 0.0
        return out
    p = weights[live] / totals[live, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    out[live] = np.clip(-terms.sum(axis=1) / np.log(weights.shape[1]), 0.0, 1.0)
    return out


def _check_importance(importance: ArrayLike) -> np.ndarray:
    r = np.asarray(importance, dtype=np.float64)
    if r.ndim != 2 or 0 in r.shape:
        raise ValueError(f"importance must be a non-empty 2-D (D, K) array, got shape {r.shape}")
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError("importance must be finite and non-negative")
    return r


def disentanglement_from_importance(importance: ArrayLike) -> float:
    """DCI disentanglement of an importance matrix.

    Eastwood & Williams 2018, as disentanglement_lib's ``dci.disentanglement``:

    .. math::

        D = \\sum_d \\rho_d \\, (1 - H_K(P_{d\\cdot})), \\quad
        P_{dk} = R_{dk} / \\sum_{k'} R_{dk'}, \\quad
        \\rho_d = \\sum_k R_{dk} / \\sum_{d'k} R_{d'k}

    with ``H_K`` the entropy in log base ``K`` (number of factors).

    Zero handling (disentanglement_lib adds 1e-11 to every entry instead): an
    all-zero row (a dimension no factor uses) is given entropy 1, i.e. per-dimension
    score 0, and in any case weight ``rho_d = 0``, so it does not count; an all-zero
    matrix gives 0. With a single factor (K = 1) every used dimension scores 1.

    Parameters
    ----------
    importance : array, shape (D, K), non-negative

    Returns
    -------
    float in [0, 1]
    """
    r = _check_importance(importance)
    total = r.sum()
    if total == 0:
        return 0.0
    rho = r.sum(axis=1) / total
    return float(np.sum(rho * (1.0 - _normalised_entropy(r))))


def completeness_from_importance(importance: ArrayLike) -> float:
    """DCI completeness of an importance matrix.

    Eastwood & Williams 2018, as disentanglement_lib's ``dci.completeness``:

    .. math::

        C = \\sum_k \\rho_k \\, (1 - H_D(\\tilde P_{\\cdot k})), \\quad
        \\tilde P_{dk} = R_{dk} / \\sum_{d'} R_{d'k}, \\quad
        \\rho_k = \\sum_d R_{dk} / \\sum_{dk'} R_{dk'}

    with ``H_D`` the entropy in log base ``D`` (number of code dimensions). An
    all-zero column (a factor no dimension predicts) gets entropy 1 and weight 0; an
    all-zero matrix gives 0. With a single dimension (D = 1) a used factor scores 1.

    Parameters
    ----------
    importance : array, shape (D, K), non-negative

    Returns
    -------
    float in [0, 1]
    """
    r = _check_importance(importance)
    return disentanglement_from_importance(r.T)


def dci_importance(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
                   n_estimators: int = N_ESTIMATORS, max_dims: int | None = MAX_DIMS
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Gradient-boosted-tree importance matrix and test accuracy per factor.

    For each factor ``k``: a seeded stratified train/test split of the rows (see
    :func:`dci`), ``GradientBoostingClassifier(n_estimators=n_estimators,
    random_state=seed)`` (other settings sklearn's defaults: depth 3, learning rate
    0.1) fitted on the training rows, ``R[:, k] = |feature_importances_|`` (each column
    sums to 1, or is all zero when no tree could split, e.g. a constant code), and the
    accuracy on the test rows. disentanglement_lib's ``dci.compute_importance_gbt``
    uses sklearn's default 100 rounds; 50 keep the cost low at little loss.

    Parameters
    ----------
    codes : array, shape (N, D)
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
    seed : int
    test_fraction : float in (0, 1), default 0.3
    n_estimators : int, default 50
    max_dims : int or None, default 256
        Cap on the width (first principal components, seeded randomized PCA).

    Returns
    -------
    importance : np.ndarray, shape (D', K), D' = min(max_dims, N - 1) when capped
    accuracy : np.ndarray, shape (K,)
    """
    seed = _check_seed(seed)
    test_fraction = _check_test_fraction(test_fraction)
    x = _check_codes(codes)
    names, y = _encode_factors(factors, x.shape[0])
    x = _cap_dims(x, max_dims, seed)
    importance = np.zeros((x.shape[1], y.shape[1]))
    accuracy = np.zeros(y.shape[1])
    for k, name in enumerate(names):
        train, test = _split(y[:, k], seed, test_fraction, name)
        model = GradientBoostingClassifier(n_estimators=n_estimators, random_state=seed)
        model.fit(x[train], y[train, k])
        importance[:, k] = np.abs(model.feature_importances_)
        accuracy[k] = np.mean(model.predict(x[test]) == y[test, k])
    return importance, accuracy


def dci(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
        n_estimators: int = N_ESTIMATORS, max_dims: int | None = MAX_DIMS) -> dict[str, float]:
    """DCI disentanglement, completeness and informativeness of a code.

    Eastwood & Williams 2018, as disentanglement_lib's ``dci._compute_dci`` with
    gradient-boosted trees (:func:`dci_importance` gives the importance matrix ``R``,
    shape (D, K)):

    * disentanglement :func:`disentanglement_from_importance`: does each dimension
      serve a single factor? ``sum_d rho_d (1 - H_K(P_d.))``;
    * completeness :func:`completeness_from_importance`: is each factor captured by
      a single dimension? ``sum_k rho_k (1 - H_D(P_.k))``;
    * informativeness: mean over factors of the test accuracy of the boosted trees
      (disentanglement_lib's "informativeness_test"; chance level is the share of the
      majority class, not 0).

    The split: per factor, ``StratifiedShuffleSplit(test_size=test_fraction,
    random_state=seed)`` stratified by that factor (a plain seeded shuffle split when
    a class has fewer than 2 rows or the parts are too small to hold every class).

    Parameters
    ----------
    codes : array, shape (N, D)
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
        Discrete labels, at least 2 classes per factor.
    seed : int
        Seeds the split, the boosted trees and the PCA cap; same seed, same numbers.
    test_fraction : float in (0, 1), default 0.3
    n_estimators : int, default 50
        Boosting rounds (sklearn's and disentanglement_lib's default is 100).
    max_dims : int or None, default 256
        Codes wider than this are replaced by their first ``max_dims`` principal
        components (seeded randomized PCA); None: no cap.

    Returns
    -------
    dict with float keys ``"disentanglement"``, ``"completeness"`` and
    ``"informativeness"``, each in [0, 1].
    """
    importance, accuracy = dci_importance(codes, factors, seed=seed, test_fraction=test_fraction,
                                          n_estimators=n_estimators, max_dims=max_dims)
    return {
        "disentanglement": disentanglement_from_importance(importance),
        "completeness": completeness_from_importance(importance),
        "informativeness": float(np.mean(accuracy)),
    }


# ----------------------------------------------------------------------------- SAP


def sap_score_matrix(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
                     max_dims: int | None = MAX_DIMS) -> np.ndarray:
    """Test accuracy of predicting each factor from each single code dimension.

    ``S[d, k]``: a one-dimensional threshold classifier on dimension ``d`` alone,
    ``DecisionTreeClassifier(max_leaf_nodes=C_k, class_weight="balanced",
    random_state=seed)`` (up to ``C_k - 1`` thresholds for a factor with ``C_k``
    classes), fitted on the training rows of the factor's seeded stratified split
    (the same split as :func:`dci`) and scored by accuracy on its test rows.
    disentanglement_lib's discrete SAP uses ``LinearSVC(C=0.01,
    class_weight="balanced")`` per dimension; a linear one-vs-rest classifier on one
    dimension cannot isolate a class lying between two others, and it depends on the
    scale of the dimension, whereas the interval classifier does neither.

    Parameters
    ----------
    codes : array, shape (N, D)
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
    seed : int
    test_fraction : float in (0, 1), default 0.3
    max_dims : int or None, default 256

    Returns
    -------
    np.ndarray, shape (D', K), D' = min(max_dims, N - 1) when capped
    """
    seed = _check_seed(seed)
    test_fraction = _check_test_fraction(test_fraction)
    x = _check_codes(codes)
    names, y = _encode_factors(factors, x.shape[0])
    x = _cap_dims(x, max_dims, seed)
    scores = np.zeros((x.shape[1], y.shape[1]))
    for k, name in enumerate(names):
        train, test = _split(y[:, k], seed, test_fraction, name)
        n_classes = int(y[:, k].max()) + 1
        for d in range(x.shape[1]):
            model = DecisionTreeClassifier(max_leaf_nodes=n_classes, class_weight="balanced", random_state=seed)
            model.fit(x[train, d:d + 1], y[train, k])
            scores[d, k] = np.mean(model.predict(x[test, d:d + 1]) == y[test, k])
    return scores


def sap(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
        max_dims: int | None = MAX_DIMS) -> float:
    """Separated attribute predictability (SAP) of a code against discrete factors.

    Kumar et al. 2018 (Section 3), as disentanglement_lib's ``sap_score._compute_sap``
    (``compute_avg_diff_top_two``) for discrete factors:

    .. math::

        \\mathrm{SAP} = \\frac{1}{K} \\sum_{k=1}^{K} (S_{(1)k} - S_{(2)k})

    where ``S_(1)k`` and ``S_(2)k`` are the best and second-best test accuracies of
    predicting factor ``k`` from one code dimension alone (:func:`sap_score_matrix`).
    High when one dimension predicts a factor much better than any other; 0 for a
    constant code (every dimension gives the same prediction); small for noise.
    Accuracies do not start at 0: the second-best dimension scores at least about
    chance, so for a balanced factor with ``C`` classes the gap, and hence SAP, stays
    below about ``1 - 1/C`` (0.5 for a binary factor, 0.75 for four classes) even for
    a perfectly disentangled code.

    Parameters
    ----------
    codes : array, shape (N, D), D >= 2
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
        Discrete labels, at least 2 classes per factor.
    seed : int
        Seeds the split, the classifiers and the PCA cap.
    test_fraction : float in (0, 1), default 0.3
    max_dims : int or None, default 256
        Codes wider than this are replaced by their first ``max_dims`` principal
        components (seeded randomized PCA); None: no cap.

    Returns
    -------
    float in [0, 1]
    """
    _check_codes(codes, min_dims=2)
    scores = np.sort(sap_score_matrix(codes, factors, seed=seed, test_fraction=test_fraction, max_dims=max_dims),
                     axis=0)
    return float(np.mean(scores[-1] - scores[-2]))


# --------------------------------------------------------------------------- all five


def disentanglement_scores(codes: ArrayLike, labels: Mapping[str, ArrayLike], *, seed: int, bins: int = BINS,
                           test_fraction: float = TEST_FRACTION, n_estimators: int = N_ESTIMATORS,
                           max_dims: int | None = MAX_DIMS) -> dict[str, float]:
    """MIG, DCI and SAP of a code against named discrete factors.

    Parameters
    ----------
    codes : array, shape (N, D), finite, D >= 2
        One row per item (e.g. the posterior means of the tracks).
    labels : mapping name -> array of shape (N,)
        The factors, as string or int labels, each with at least 2 classes
        (e.g. ``{"language": ..., "genre": ...}``).
    seed : int
        Seeds every random choice (PCA cap, train/test splits, classifiers): the same
        seed gives the same numbers.
    bins : int, default 20
        Equal-width bins per dimension for MIG.
    test_fraction : float, default 0.3
        Held-out share of the rows (stratified by each factor) for DCI and SAP.
    n_estimators : int, default 50
        Boosting rounds of DCI's gradient-boosted trees (sklearn default: 100).
    max_dims : int or None, default 256
        Width cap: a code with more than ``max_dims`` dimensions (e.g. a raw-pixel
        code of 16,384) is replaced, once, by its first ``max_dims`` principal
        components from a seeded randomized PCA, and all five scores are computed
        on those components rather than the raw dimensions. None: no cap.

    Returns
    -------
    dict[str, float]
        ``"mig"`` (:func:`mig`), ``"dci_disentanglement"``, ``"dci_completeness"``,
        ``"dci_informativeness"`` (:func:`dci`) and ``"sap"`` (:func:`sap`), each in
        [0, 1]. On codes wider than ``max_dims`` they describe the principal
        components, not the raw dimensions.

    Raises
    ------
    ValueError
        Codes not a finite (N, D) array with D >= 2, a factor of the wrong length,
        a factor with fewer than 2 classes (named in the message), no factors.
    """
    if not isinstance(labels, Mapping):
        raise ValueError("labels must be a mapping of factor name -> (N,) labels")
    seed = _check_seed(seed)
    x = _check_codes(codes, min_dims=2)
    _encode_factors(labels, x.shape[0])
    x = _cap_dims(x, max_dims, seed)
    d = dci(x, labels, seed=seed, test_fraction=test_fraction, n_estimators=n_estimators, max_dims=None)
    return {
        "mig": mig(x, labels, bins=bins, max_dims=None, seed=seed),
        "dci_disentanglement": d["disentanglement"],
        "dci_completeness": d["completeness"],
        "dci_informativeness": d["informativeness"],
        "sap": sap(x, labels, seed=seed, test_fraction=test_fraction, max_dims=None),
    }
