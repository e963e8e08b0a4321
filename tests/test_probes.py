"""Tests for musiclust.probes: song-grouped linear probes read what is linearly there, nothing
from noise, and nothing from recognising songs."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from musiclust import probes
from musiclust.probes import linear_probe, usable_folds


def songs_of(n_songs: int, chunks: int) -> np.ndarray:
    """The song of each chunk: ``chunks`` consecutive rows per song."""
    return np.repeat(np.arange(n_songs), chunks)


@pytest.fixture
def splits(monkeypatch) -> list:
    """Every (train, test) split the probe's splitter hands out, with the splitter's settings first."""
    seen = []

    class Recording(StratifiedGroupKFold):
        def split(self, x, y=None, groups=None):
            seen.append({"n_splits": self.n_splits, "shuffle": self.shuffle, "random_state": self.random_state})
            for train, test in super().split(x, y, groups):
                seen.append((train, test))
                yield train, test

    monkeypatch.setattr(probes, "StratifiedGroupKFold", Recording)
    return seen


def test_separable_label_reads_perfectly_and_beats_the_majority():
    rng = np.random.default_rng(0)
    songs = songs_of(60, 4)
    labels = np.array(["rock", "pop", "jazz"])[songs % 3]
    centres = 6.0 * rng.standard_normal((3, 10))
    features = centres[songs % 3] + rng.standard_normal((len(songs), 10))
    scores = linear_probe(features, labels, songs)
    assert scores["accuracy"] == 1.0 and scores["balanced_accuracy"] == 1.0 and scores["accuracy_sd"] == 0.0
    assert scores["folds"] == 5
    # 20 songs per class, stratified: each test fold a third of each class, so the majority rule is right a third of the time
    assert scores["majority"] == pytest.approx(1 / 3, abs=0.02)
    assert all(type(scores[key]) is float for key in ("accuracy", "accuracy_sd", "balanced_accuracy", "majority"))


def test_noise_reads_at_chance():
    rng = np.random.default_rng(1)
    songs = songs_of(120, 3)
    labels = rng.integers(0, 2, 120)[songs]
    features = rng.standard_normal((len(songs), 16))
    scores = linear_probe(features, labels, songs)
    assert abs(scores["accuracy"] - scores["majority"]) < 0.1
    assert abs(scores["balanced_accuracy"] - 0.5) < 0.1


def test_folds_never_split_a_song_and_majority_is_the_training_folds_mode(splits):
    rng = np.random.default_rng(2)
    songs = songs_of(50, 3)
    labels = (rng.random(50) < 0.7).astype(int)[songs]  # unbalanced: the majority rule beats a half
    features = labels[:, None] + rng.standard_normal((len(songs), 4))
    scores = linear_probe(features, labels, songs, folds=4, seed=7)
    settings, *folds = splits
    assert settings == {"n_splits": 4, "shuffle": True, "random_state": 7}
    assert len(folds) == scores["folds"] == 4
    for train, test in folds:
        assert set(songs[train]).isdisjoint(songs[test])
    np.testing.assert_array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(len(songs)))
    majority = [np.mean(labels[test] == np.bincount(labels[train]).argmax()) for train, test in folds]
    assert scores["majority"] == pytest.approx(np.mean(majority), abs=1e-12)
    assert scores["majority"] > 0.6


def test_song_memoriser_scores_at_chance_grouped_but_perfectly_row_wise():
    rng = np.random.default_rng(3)
    n_songs, chunks, dims = 80, 4, 128
    songs = songs_of(n_songs, chunks)
    labels = np.tile([0, 1], n_songs // 2)[rng.permutation(n_songs)][songs]  # a label with no structure beyond the song
    song_vectors = rng.standard_normal((n_songs, dims))
    features = song_vectors[songs] + 0.01 * rng.standard_normal((len(songs), dims))

    grouped = linear_probe(features, labels, songs)
    assert abs(grouped["accuracy"] - 0.5) < 0.15

    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    row_wise = cross_val_score(pipeline, features, labels, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    assert row_wise.mean() > 0.95


def test_same_inputs_and_seed_same_numbers():
    rng = np.random.default_rng(4)
    songs = songs_of(40, 3)
    labels = rng.integers(0, 3, 40)[songs]
    features = labels[:, None] * 0.5 + rng.standard_normal((len(songs), 6))
    assert linear_probe(features, labels, songs, seed=3) == linear_probe(features.copy(), labels.copy(), songs.copy(),
                                                                        seed=3)


def test_folds_reduced_to_the_scarcest_class():
    rng = np.random.default_rng(5)
    labels_of_song = np.array(["a"] * 12 + ["b"] * 3)  # b has 3 songs: 3 folds at most
    songs = songs_of(15, 2)
    labels = labels_of_song[songs]
    features = (labels == "b")[:, None] * 5.0 + rng.standard_normal((len(songs), 3))
    scores = linear_probe(features, labels, songs, folds=5)
    assert scores["folds"] == 3
    assert usable_folds(labels, songs, 2) == 2


def test_a_class_of_one_song_is_named():
    songs = songs_of(10, 3)
    labels = np.array(["pop"] * 9 + ["polka"])[songs]
    with pytest.raises(ValueError, match=r"'polka' \(1 group\)"):
        linear_probe(np.zeros((30, 2)), labels, songs)


def test_rejects_mismatched_inputs_and_too_few_folds():
    songs = songs_of(10, 2)
    with pytest.raises(ValueError, match="labels"):
        linear_probe(np.zeros((20, 2)), songs[:-1] % 2, songs)
    with pytest.raises(ValueError, match="folds must be >= 2"):
        linear_probe(np.zeros((20, 2)), songs % 2, songs, folds=1)


def test_docstring_example_runs():
    result = doctest.testmod(probes, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
