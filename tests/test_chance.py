"""Chance levels: the permutation null, label floors, and the majority vote."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from musiclust.chance import label_floors, permutation_null, scores_from_contingency
from musiclust.metrics import hungarian_accuracy, majority_vote


def test_contingency_scores_equal_sklearns():
    rng = np.random.default_rng(0)
    for _ in range(20):
        y, p = rng.integers(0, 5, 300), rng.integers(0, 7, 300)
        table = np.zeros((5, 7), dtype=int)
        np.add.at(table, (y, p), 1)
        s = scores_from_contingency(table)
        assert s["nmi"] == pytest.approx(skm.normalized_mutual_info_score(y, p), abs=1e-12)
        assert s["ari"] == pytest.approx(skm.adjusted_rand_score(y, p), abs=1e-12)
        assert s["accuracy"] == pytest.approx(hungarian_accuracy(y, p), abs=1e-12)


def test_a_random_clustering_lies_inside_its_own_null():
    # many small clusters: chance NMI is far above 0, which is what the null is for
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(10), 4)  # 40 items, 10 classes, as the small GTZAN-like corpus
    inside = 0
    for trial in range(40):
        random_clustering = rng.integers(0, 10, len(y))
        null = permutation_null(y, [random_clustering], draws=200, seed=trial)
        score = skm.normalized_mutual_info_score(y, random_clustering)
        inside += score <= null["nmi_null_p95"]
        assert null["nmi_null_mean"] > 0.3  # NMI's bias with 4 items a cluster
    assert inside >= 34  # about 95% of random clusterings stay below the 95th percentile
    perfect = permutation_null(y, [y], draws=200, seed=0)
    assert skm.normalized_mutual_info_score(y, y) > perfect["nmi_null_p95"]


def test_null_is_seeded_and_keeps_cluster_sizes():
    y = np.repeat([0, 1, 2], 30)
    clusters = np.array([0] * 80 + [1] * 10)  # very unequal sizes: accuracy by chance is high
    a = permutation_null(y, [clusters], draws=150, seed=3)
    assert a == permutation_null(y, [clusters], draws=150, seed=3)
    assert a != permutation_null(y, [clusters], draws=150, seed=4)
    # the big cluster matches its best class (about 28 of 30) and the small one a few more: above 1/3
    assert 1 / 3 < a["accuracy_null_mean"] < 0.42


def test_label_floors_on_a_crossed_design():
    language = ["B"] * 4 + ["E"] * 4
    genre = ["F", "F", "R", "R", "P", "P", "R", "R"]
    floors = label_floors(language, genre)
    # four crossed groups of 2: knowing the language alone gets half of them right
    assert floors["language_only"]["accuracy"] == pytest.approx(0.5)
    assert floors["genre_only"]["accuracy"] == pytest.approx(0.75)  # Rock merges two groups
    assert 0 < floors["language_only"]["nmi"] < 1


def test_majority_vote_picks_each_tracks_most_frequent_cluster():
    keys = pd.DataFrame({"track_id": ["a", "a", "a", "b", "b", "c", "c"], "chunk": [0, 1, 2, 0, 1, 0, 1]})
    vote = majority_vote(keys, np.array([2, 2, 1, 0, 1, 5, 5]))
    assert vote.to_dict() == {"a": 2, "b": 0, "c": 5}  # b ties: the smaller cluster id
