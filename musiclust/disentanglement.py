"""Disentanglement scores (MIG, DCI, SAP) of a latent code against discrete factors.

A pure library module: arrays in, numbers out. The scores are those of
google-research/disentanglement_lib (``evaluation/metrics/mig.py``, ``dci.py``,
``sap_score.py`` and ``utils.py``), adapted to one fixed dataset of observed codes:
there is no ground-truth simulator to sample fresh codes from, so the codes are the
posterior means of real tracks and the factors are their labels (language, genre,
...). ``tests/reference/disentanglement_lib_metrics.py`` holds the library's functions
verbatim, and a test checks that both give the same numbers on the same rows.

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
* All five numbers at once, with factors given by name: :func:`disentanglement_scores`;
  the same five for codes of pure noise of the same shape (a floor to read them
  against): :func:`random_code_floor`.

As disentanglement_lib, to the last bit on the same rows
---------------------------------------------------------
* MIG: 20 equal-width histogram bins per dimension (``_histogram_discretize`` with
  the ``num_bins = 20`` of the library's configs), ``sklearn.metrics.mutual_info_score``,
  gap between the two most informative dimensions over the factor's entropy
  (``mig._compute_mig``), on all rows.
* DCI: ``GradientBoostingClassifier()`` with its default 100 rounds per factor,
  importance ``|feature_importances_|``, informativeness the test accuracy
  ("informativeness_test"), disentanglement and completeness with
  ``scipy.stats.entropy(R + 1e-11)`` (``dci.compute_importance_gbt``,
  ``disentanglement``, ``completeness``).
* SAP: per code dimension and factor ``LinearSVC(C=0.01, class_weight="balanced")``
  on that one dimension, test accuracy, mean gap between the top two
  (``sap_score.compute_score_matrix``, ``compute_avg_diff_top_two``).

What differs, and why
---------------------
* Train and test rows: the library samples a fresh training batch and a fresh test
  batch (one pair shared by all factors). Here one observed dataset is split per
  factor, seeded and stratified by that factor, so that every class appears on both
  sides. With ``groups`` (e.g. the track of each chunk) the split keeps each group
  on one side, so that a code cannot score by recognising songs it was fitted on
  (``disentanglement_inputs._split``).
* Seeds: the boosted trees get ``random_state=seed`` (the library leaves them
  unseeded; the seed only breaks ties between equally good splits), and so does
  ``LinearSVC`` (no effect: one feature, liblinear's primal solver is deterministic).
  Same inputs and seed, same numbers.
* Degenerate cases the library leaves undefined: with a single factor (or, for
  completeness, a single dimension) the library's entropy in base 1 is 0/0; here a
  dimension (factor) with any importance scores 1 and one with none 0. Both DCI
  scores are clipped to [0, 1], which only removes float rounding around an
  all-zero importance matrix.
* Wide codes: a code wider than ``max_dims`` (default :data:`MAX_DIMS` = 2048, e.g. a
  raw-pixel "code" of 16,384 dims) is first replaced by its first ``max_dims``
  principal components, computed with a seeded randomized PCA, so that 16,384-wide
  boosted trees and 16,384 classifiers per factor are not needed; the scores then
  describe the principal axes, not the raw dims. Every narrower code keeps its own
  axes. ``max_dims=None`` switches the cap off.
* Inputs are checked (finite codes, at least 2 classes per factor) and labels of any
  sortable type are encoded to ``0..C-1``.

Shapes: ``codes`` is ``(N, D)`` (rows are items, columns code dimensions; the
library's arrays are the transpose); factors are ``(N,)`` label arrays (strings or
ints), given as a mapping ``name -> labels``, a single ``(N,)`` array or an
``(N, K)`` array (one column per factor).

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
>>> bool(scores["mig"] > 0.8 and scores["dci_disentanglement"] > 0.8 and scores["sap"] > 0.3)
True
"""


from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import mutual_info_score
from sklearn.svm import LinearSVC

from .disentanglement_inputs import (  # noqa: F401  (BINS ... SCORE_KEYS are this module's API too)
    BINS,
    MAX_DIMS,
    N_ESTIMATORS,
    SCORE_KEYS,
    TEST_FRACTION,
    Factors,
    _cap_dims,
    _check_codes,
    _check_importance,
    _check_seed,
    _encode_factors,
    _prepare,
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
    max_dims : int or None, default 2048
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


def _one_minus_entropy(weights: np.ndarray, base: int) -> np.ndarray:
    """``1 - H(column)`` in log base ``base`` for each column of non-negative ``weights``.

    disentanglement_lib's ``1. - scipy.stats.entropy(weights + 1e-11, base=base)``
    (each column normalised to sum 1 after adding 1e-11, so an all-zero column is
    uniform: 0). In base 1 (a single outcome) the library divides 0 by log 1; here a
    column with any weight scores 1 and an all-zero one 0.
    """
    if base == 1:
        return (weights.sum(axis=0) > 0).astype(np.float64)
    return 1.0 - stats.entropy(weights + 1e-11, base=base)


def disentanglement_from_importance(importance: ArrayLike) -> float:
    """DCI disentanglement of an importance matrix.

    Eastwood & Williams 2018, as disentanglement_lib's ``dci.disentanglement``:

    .. math::

        D = \\sum_d \\rho_d \\, (1 - H_K(P_{d\\cdot})), \\quad
        P_{dk} = \\frac{R_{dk} + \\epsilon}{\\sum_{k'} (R_{dk'} + \\epsilon)}, \\quad
        \\rho_d = \\sum_k R_{dk} / \\sum_{d'k} R_{d'k}

    with ``H_K`` the entropy in log base ``K`` (number of factors) and
    ``epsilon = 1e-11``. A dimension no factor uses (all-zero row) has weight
    ``rho_d = 0``; an all-zero matrix gives 0 (the library's uniform weights over
    rows of entropy 1). With a single factor (K = 1) every used dimension scores 1.

    Parameters
    ----------
    importance : array, shape (D, K), non-negative

    Returns
    -------
    float in [0, 1]
    """
    r = _check_importance(importance)
    per_code = _one_minus_entropy(r.T, r.shape[1])
    if r.sum() == 0.0:
        r = np.ones_like(r)
    code_importance = r.sum(axis=1) / r.sum()
    return float(np.clip(np.sum(per_code * code_importance), 0.0, 1.0))


def completeness_from_importance(importance: ArrayLike) -> float:
    """DCI completeness of an importance matrix.

    Eastwood & Williams 2018, as disentanglement_lib's ``dci.completeness``:

    .. math::

        C = \\sum_k \\rho_k \\, (1 - H_D(\\tilde P_{\\cdot k})), \\quad
        \\tilde P_{dk} = \\frac{R_{dk} + \\epsilon}{\\sum_{d'} (R_{d'k} + \\epsilon)}, \\quad
        \\rho_k = \\sum_d R_{dk} / \\sum_{dk'} R_{dk'}

    with ``H_D`` the entropy in log base ``D`` (number of code dimensions) and
    ``epsilon = 1e-11``. A factor no dimension predicts (all-zero column) has weight
    0; an all-zero matrix gives 0. With a single dimension (D = 1) a used factor
    scores 1.

    Parameters
    ----------
    importance : array, shape (D, K), non-negative

    Returns
    -------
    float in [0, 1]
    """
    r = _check_importance(importance)
    per_factor = _one_minus_entropy(r, r.shape[0])
    if r.sum() == 0.0:
        r = np.ones_like(r)
    factor_importance = r.sum(axis=0) / r.sum()
    return float(np.clip(np.sum(per_factor * factor_importance), 0.0, 1.0))


def dci_importance(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
                   n_estimators: int = N_ESTIMATORS, max_dims: int | None = MAX_DIMS,
                   groups: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gradient-boosted-tree importance matrix and test accuracy per factor.

    For each factor ``k``, as disentanglement_lib's ``dci.compute_importance_gbt``:
    ``GradientBoostingClassifier(n_estimators=n_estimators, random_state=seed)``
    (otherwise sklearn's defaults: 100 rounds, depth 3, learning rate 0.1) fitted on
    the training rows of the factor's split (see :func:`dci`),
    ``R[:, k] = |feature_importances_|`` (each column sums to 1, or is all zero when
    no tree could split, e.g. a constant code), and the accuracy on its test rows.

    Parameters
    ----------
    codes : array, shape (N, D)
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
    seed : int
    test_fraction : float in (0, 1), default 0.3
    n_estimators : int, default 100
    max_dims : int or None, default 2048
        Cap on the width (first principal components, seeded randomized PCA).
    groups : array, shape (N,), optional
        Group id of each row (e.g. its track): no group on both sides of a split.

    Returns
    -------
    importance : np.ndarray, shape (D', K), D' = min(max_dims, N - 1) when capped
    accuracy : np.ndarray, shape (K,)
    """
    x, names, y, group_ids, seed, test_fraction = _prepare(codes, factors, seed, test_fraction, max_dims, groups)
    importance = np.zeros((x.shape[1], y.shape[1]))
    accuracy = np.zeros(y.shape[1])
    for k, name in enumerate(names):
        train, test = _split(y[:, k], seed, test_fraction, name, group_ids)
        model = GradientBoostingClassifier(n_estimators=n_estimators, random_state=seed)
        model.fit(x[train], y[train, k])
        importance[:, k] = np.abs(model.feature_importances_)
        accuracy[k] = np.mean(model.predict(x[test]) == y[test, k])
    return importance, accuracy


def dci(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
        n_estimators: int = N_ESTIMATORS, max_dims: int | None = MAX_DIMS,
        groups: ArrayLike | None = None) -> dict[str, float]:
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

    The split, per factor: ``StratifiedShuffleSplit(test_size=test_fraction,
    random_state=seed)`` stratified by that factor (a plain seeded shuffle split when
    a class has fewer than 2 rows or the parts are too small to hold every class);
    with ``groups``, the first fold of a seeded ``StratifiedGroupKFold`` so that no
    group is on both sides (``disentanglement_inputs._split`` says which and why).

    Parameters
    ----------
    codes : array, shape (N, D)
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
        Discrete labels, at least 2 classes per factor.
    seed : int
        Seeds the split, the boosted trees and the PCA cap; same seed, same numbers.
    test_fraction : float in (0, 1), default 0.3
        Held-out share of the rows (with ``groups``: about ``1 / round(1 / test_fraction)``).
    n_estimators : int, default 100
        Boosting rounds (sklearn's and disentanglement_lib's default).
    max_dims : int or None, default 2048
        Codes wider than this are replaced by their first ``max_dims`` principal
        components (seeded randomized PCA); None: no cap.
    groups : array, shape (N,), optional
        Group id of each row (e.g. the track of each chunk).

    Returns
    -------
    dict with float keys ``"disentanglement"``, ``"completeness"`` and
    ``"informativeness"``, each in [0, 1].
    """
    importance, accuracy = dci_importance(codes, factors, seed=seed, test_fraction=test_fraction,
                                          n_estimators=n_estimators, max_dims=max_dims, groups=groups)
    return {
        "disentanglement": disentanglement_from_importance(importance),
        "completeness": completeness_from_importance(importance),
        "informativeness": float(np.mean(accuracy)),
    }


# ----------------------------------------------------------------------------- SAP


def sap_score_matrix(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
                     max_dims: int | None = MAX_DIMS, groups: ArrayLike | None = None) -> np.ndarray:
    """Test accuracy of predicting each factor from each single code dimension.

    ``S[d, k]``, as disentanglement_lib's ``sap_score.compute_score_matrix`` for
    discrete factors: ``LinearSVC(C=0.01, class_weight="balanced")`` on dimension
    ``d`` alone, fitted on the training rows of factor ``k``'s split (the same split
    as :func:`dci`) and scored by accuracy on its test rows. Two properties of this
    definition are kept: a one-vs-rest linear classifier on one dimension rarely
    isolates a class lying between two others, and with ``C = 0.01`` the fit depends
    on the scale of the dimension (a dimension of small spread may predict a single
    class, i.e. score about chance).

    Parameters
    ----------
    codes : array, shape (N, D)
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
    seed : int
    test_fraction : float in (0, 1), default 0.3
    max_dims : int or None, default 2048
    groups : array, shape (N,), optional

    Returns
    -------
    np.ndarray, shape (D', K), D' = min(max_dims, N - 1) when capped
    """
    x, names, y, group_ids, seed, test_fraction = _prepare(codes, factors, seed, test_fraction, max_dims, groups)
    scores = np.zeros((x.shape[1], y.shape[1]))
    for k, name in enumerate(names):
        train, test = _split(y[:, k], seed, test_fraction, name, group_ids)
        for d in range(x.shape[1]):
            model = LinearSVC(C=0.01, class_weight="balanced", random_state=seed)
            model.fit(x[train, d:d + 1], y[train, k])
            scores[d, k] = np.mean(model.predict(x[test, d:d + 1]) == y[test, k])
    return scores


def sap(codes: ArrayLike, factors: Factors, *, seed: int, test_fraction: float = TEST_FRACTION,
        max_dims: int | None = MAX_DIMS, groups: ArrayLike | None = None) -> float:
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
    below about ``1 - 1/C`` (0.5 for a binary factor) even for a perfectly
    disentangled code, and lower still for a factor whose middle classes a linear
    classifier on one dimension cannot isolate.

    Parameters
    ----------
    codes : array, shape (N, D), D >= 2
    factors : mapping name -> (N,) labels, (N,) array or (N, K) array
        Discrete labels, at least 2 classes per factor.
    seed : int
        Seeds the split and the PCA cap (the classifiers are deterministic).
    test_fraction : float in (0, 1), default 0.3
    max_dims : int or None, default 2048
        Codes wider than this are replaced by their first ``max_dims`` principal
        components (seeded randomized PCA); None: no cap.
    groups : array, shape (N,), optional
        Group id of each row: no group on both sides of a split.

    Returns
    -------
    float in [0, 1]
    """
    _check_codes(codes, min_dims=2)
    scores = np.sort(sap_score_matrix(codes, factors, seed=seed, test_fraction=test_fraction, max_dims=max_dims,
                                      groups=groups), axis=0)
    return float(np.mean(scores[-1] - scores[-2]))


# --------------------------------------------------------------------------- all five


def disentanglement_scores(codes: ArrayLike, labels: Mapping[str, ArrayLike], *, seed: int, bins: int = BINS,
                           test_fraction: float = TEST_FRACTION, n_estimators: int = N_ESTIMATORS,
                           max_dims: int | None = MAX_DIMS, groups: ArrayLike | None = None) -> dict[str, float]:
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
        Held-out share of the rows (stratified by each factor) for DCI and SAP; with
        ``groups``, one fold of ``round(1 / test_fraction)`` (a third for 0.3).
    n_estimators : int, default 100
        Boosting rounds of DCI's gradient-boosted trees.
    max_dims : int or None, default 2048
        Width cap: a code with more than ``max_dims`` dimensions (e.g. a raw-pixel
        code of 16,384) is replaced, once, by its first ``max_dims`` principal
        components from a seeded randomized PCA, and all five scores are computed
        on those components rather than the raw dimensions. None: no cap.
    groups : array, shape (N,), optional
        Group id of each row, e.g. the track id of each chunk: DCI's and SAP's
        train/test splits then keep each group on one side, so a code cannot score
        by recognising the songs it was fitted on. MIG uses no split and ignores it.
        None: rows are split one by one (stratified).

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
        a factor with fewer than 2 classes (named in the message), no factors,
        groups not an (N,) array of at least 2 ids.
    """
    if not isinstance(labels, Mapping):
        raise ValueError("labels must be a mapping of factor name -> (N,) labels")
    x, _, _, _, seed, test_fraction = _prepare(codes, labels, seed, test_fraction, max_dims, groups, min_dims=2)
    split = {"seed": seed, "test_fraction": test_fraction, "max_dims": None, "groups": groups}
    d = dci(x, labels, n_estimators=n_estimators, **split)
    return {
        "mig": mig(x, labels, bins=bins, max_dims=None, seed=seed),
        "dci_disentanglement": d["disentanglement"],
        "dci_completeness": d["completeness"],
        "dci_informativeness": d["informativeness"],
        "sap": sap(x, labels, **split),
    }


def random_code_floor(n_rows: int, n_dims: int, labels: Mapping[str, ArrayLike], *, seed: int,
                      groups: ArrayLike | None = None, draws: int = 5, bins: int = BINS,
                      test_fraction: float = TEST_FRACTION, n_estimators: int = N_ESTIMATORS,
                      max_dims: int | None = MAX_DIMS) -> dict[str, dict[str, float]]:
    """The five scores of codes of pure noise: the floor a real code's scores stand on.

    Draws ``draws`` codes of shape ``(n_rows, n_dims)`` with i.i.d. standard normal
    entries (``np.random.default_rng(seed)``, one code after the other, so the first
    five draws are the same whatever ``draws`` is) and scores each exactly as
    :func:`disentanglement_scores` scores a real code: the same factors, groups,
    split seed, bins, boosting rounds and width cap. None of the scores is 0 for
    noise (the plug-in mutual information is biased upwards, trees and classifiers
    fit chance patterns), and how far above 0 depends on N, D and the classes: a real
    code's score means something where it clears this floor's ``p95``.

    Parameters
    ----------
    n_rows, n_dims : int, n_rows >= 2, n_dims >= 2
        The shape of the real code (N must match the labels).
    labels : mapping name -> array of shape (N,)
    seed : int
        Seeds the noise codes and, as for a real code, the splits, classifiers and cap.
    groups : array, shape (N,), optional
    draws : int >= 1, default 5
    bins, test_fraction, n_estimators, max_dims
        As :func:`disentanglement_scores`.

    Returns
    -------
    dict[str, dict[str, float]]
        For each key of :data:`SCORE_KEYS`, ``{"mean": ..., "p95": ...}``: the mean over
        the draws and their 95th percentile (``np.percentile``, linear interpolation;
        with 5 draws it lies between the largest and second largest value).
    """
    seed = _check_seed(seed)
    for what, value, least in (("n_rows", n_rows, 2), ("n_dims", n_dims, 2), ("draws", draws, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{what} must be an int >= {least}, got {value!r}")
    rng = np.random.default_rng(seed)
    scored = [disentanglement_scores(rng.standard_normal((n_rows, n_dims)), labels, seed=seed, bins=bins,
                                     test_fraction=test_fraction, n_estimators=n_estimators, max_dims=max_dims,
                                     groups=groups)
              for _ in range(draws)]
    return {key: {"mean": float(np.mean([s[key] for s in scored])),
                  "p95": float(np.percentile([s[key] for s in scored], 95))}
            for key in SCORE_KEYS}
