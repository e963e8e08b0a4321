"""Linear probes: how well a linear classifier reads a label from a representation.

A supervised ceiling to set beside the unsupervised clustering scores: where a label is linearly
readable from a representation but its clusters do not follow it, the information is there and
the geometry hides it. The probe is cross-validated by song: the chunks of one song share a group
and never fall on both sides of a split, so a probe cannot score by recognising a song it was
trained on (chunks of one song are near-copies of one another; split row by row, a classifier
that only memorises songs would read any per-song label almost perfectly).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def usable_folds(labels: np.ndarray, groups: np.ndarray, folds: int) -> int:
    """The number of song-grouped folds the data allow: ``folds``, or fewer where some class has
    fewer groups (songs) than that, so that every class can be in every test fold.

    Raises
    ------
    ValueError
        Some class has fewer than 2 groups (no fold could test it on a song it was not trained on);
        the message names each such class and its group count.
    """
    classes, class_of_row = np.unique(labels, return_inverse=True)
    _, group_of_row = np.unique(groups, return_inverse=True)
    pairs = np.unique(np.stack([class_of_row.ravel(), group_of_row.ravel()]), axis=1)
    groups_per_class = np.bincount(pairs[0], minlength=len(classes))
    scarce = [f"{name!r} ({count} group{'s' if count != 1 else ''})"
              for name, count in zip(classes.tolist(), groups_per_class) if count < 2]
    if scarce:
        raise ValueError(f"a song-grouped probe needs at least 2 groups of each class; too few for {', '.join(scarce)}")
    return int(min(folds, groups_per_class.min()))


def linear_probe(features: np.ndarray, labels: np.ndarray, groups: np.ndarray, *, folds: int = 5,
                 seed: int = 0) -> dict:
    """Song-grouped cross-validated accuracy of a linear classifier reading ``labels`` from ``features``.

    Each fold fits ``StandardScaler`` + multinomial ``LogisticRegression(max_iter=1000)`` (lbfgs,
    L2 penalty, C = 1) on the training folds only and predicts the test fold. Folds are
    ``StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)``: every row of a group
    (the chunks of one song) on the same side, class proportions kept as well as the groups allow.
    Where some class has fewer groups than ``folds``, the folds are reduced to its group count
    (reported as ``folds``). The chance level is the majority rule: each test fold predicted as the
    most frequent class of its training folds (ties: the smallest label).

    Cost: lbfgs works on the D x C weights, each iteration a pass of (N, D) @ (D, C) and back, so
    time grows as N x D x C x iterations (at most 1000 per fold). Inputs wider than they are
    long (D > N, e.g. raw 128 x 128 pixels) need no reduction first: on (1000, 16384) rows of 5
    classes the 5 folds took 1.5 to 7 s on two shared CPU cores, less than projecting each
    training fold on 256 principal components (:func:`musiclust.linalg.randomized_pca`) would
    have cost (about 10 s).

    Parameters
    ----------
    features : np.ndarray, shape (N, D)
    labels : array, shape (N,)
        The class of each row (any sortable values).
    groups : array, shape (N,)
        The song (or any unit that must not be split) of each row.
    folds : int >= 2
        Folds asked for; fewer where the data do not allow them.
    seed : int
        Seeds the shuffling of groups into folds.

    Returns
    -------
    dict
        ``accuracy`` and ``accuracy_sd`` (mean and sd, ddof 1, over folds), ``balanced_accuracy``
        (mean over folds of the mean recall of the classes in each test fold), ``majority`` (mean
        over folds of the majority rule's test accuracy), as floats; ``folds``, the folds used.
        The same inputs and seed give the same numbers on one machine (the fit runs on NumPy's
        BLAS: under another BLAS kernel, a test row within rounding of a class boundary could
        change its prediction).

    Raises
    ------
    ValueError
        Mismatched lengths, ``folds`` < 2, or a class with fewer than 2 groups
        (the message names it).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> songs = np.repeat(np.arange(20), 3)  # 20 songs of 3 chunks
    >>> labels = songs % 2
    >>> features = labels[:, None] * 4.0 + rng.standard_normal((60, 2))
    >>> scores = linear_probe(features, labels, songs, folds=5)
    >>> scores["accuracy"] > 0.95, round(scores["majority"], 2) < 0.7, scores["folds"]
    (True, True, 5)
    """
    features = np.asarray(features)
    labels, groups = np.asarray(labels), np.asarray(groups)
    if features.ndim != 2 or len(labels) != len(features) or len(groups) != len(features):
        raise ValueError(f"features (N, D), labels (N,) and groups (N,) expected; got {features.shape}, "
                         f"{labels.shape} and {groups.shape}")
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    used = usable_folds(labels, groups, folds)
    splitter = StratifiedGroupKFold(n_splits=used, shuffle=True, random_state=seed)
    accuracy, balanced, majority = [], [], []
    for train, test in splitter.split(features, labels, groups):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        predicted = model.fit(features[train], labels[train]).predict(features[test])
        accuracy.append(accuracy_score(labels[test], predicted))
        with warnings.catch_warnings():  # a class predicted but absent from this test fold
            warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
            balanced.append(balanced_accuracy_score(labels[test], predicted))
        classes, counts = np.unique(labels[train], return_counts=True)
        majority.append(float(np.mean(labels[test] == classes[np.argmax(counts)])))
    return {"accuracy": float(np.mean(accuracy)), "accuracy_sd": float(np.std(accuracy, ddof=1)),
            "balanced_accuracy": float(np.mean(balanced)), "majority": float(np.mean(majority)), "folds": used}
