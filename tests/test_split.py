"""Held-out songs: the split, models that learn from training songs and stop on validation songs,
standardisers and clusterings fit on training songs, held-out rows assigned out of sample."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.cluster import KMeans

from musiclust.cluster import ClusterParams, assign_nearest, cluster_representation
from musiclust.config import ConfigError
from musiclust.models import ModelInputs
from musiclust.models.dense_ae import DenseAE, DenseAEConfig
from musiclust.representations import Features, Representation, fuse, standardise
from musiclust.split import SplitParams, split_songs
from musiclust.train import best_epoch, train, validation_loss


def _tracks(groups: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [(f"{lang}_{genre}_{i:02d}", lang, genre) for (lang, genre), n in groups.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["track_id", "language", "genre"])


STUDY = {("bn", "a"): 25, ("bn", "b"): 25, ("en", "c"): 25, ("en", "d"): 16, ("en", "e"): 9}


def test_the_split_is_stratified_seeded_and_each_class_cut_by_the_fractions():
    tracks = _tracks(STUDY)
    split = split_songs(tracks, [0.6, 0.2, 0.2], seed=0)
    assert list(split["track_id"]) == sorted(tracks["track_id"])
    counts = split.merge(tracks).groupby(["genre", "split"]).size().unstack(fill_value=0)
    # every class cut by the fractions, rounded to the nearest song
    assert counts.loc["a"].to_dict() == {"test": 5, "train": 15, "validation": 5}
    assert counts.loc["d"].to_dict() == {"test": 3, "train": 10, "validation": 3}
    assert counts.loc["e"].to_dict() == {"test": 2, "train": 5, "validation": 2}
    assert split.equals(split_songs(tracks.sample(frac=1, random_state=3), [0.6, 0.2, 0.2], seed=0))  # order-free
    assert not split.equals(split_songs(tracks, [0.6, 0.2, 0.2], seed=1))
    # a class's split does not depend on the other classes
    fewer = split_songs(tracks[tracks["genre"] != "e"], [0.6, 0.2, 0.2], seed=0)
    assert fewer.set_index("track_id")["split"].equals(
        split.set_index("track_id")["split"].drop(tracks.loc[tracks["genre"] == "e", "track_id"]))


def test_a_class_too_small_to_share_keeps_its_songs_in_training_and_unlabelled_corpora_split_too():
    split = split_songs(_tracks({("bn", "a"): 1, ("en", "b"): 10}), [0.6, 0.2, 0.2], seed=0)
    assert split.loc[split["track_id"] == "bn_a_00", "split"].item() == "train"
    plain = split_songs(pd.DataFrame({"track_id": [f"t{i}" for i in range(10)]}), [0.5, 0.0, 0.5], seed=0)
    assert plain["split"].value_counts().to_dict() == {"train": 5, "test": 5}


@pytest.mark.parametrize("fractions, key", [([0.5, 0.5], "fractions"), ([0.7, 0.2, 0.2], "fractions"),
                                            ([0.0, 0.5, 0.5], "fractions[0]"), ([1.2, -0.1, -0.1], "fractions")])
def test_bad_fractions_are_named(fractions, key):
    with pytest.raises(ConfigError, match=re.escape(f"split.{key}:")):
        SplitParams(fractions=fractions).validate("split")


def test_a_network_keeps_the_weights_of_its_best_validation_epoch():
    rng = np.random.default_rng(0)
    data, held = rng.normal(size=(64, 4, 4)).astype(np.float32), rng.normal(size=(16, 4, 4)).astype(np.float32)
    cfg = DenseAEConfig(hidden_dim=8, latent_dim=2, lr=0.05, batch_size=16, epochs=6)
    torch.manual_seed(0)
    model = DenseAE(cfg, **DenseAE.input_shape(data))
    history = train(model, data, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=0,
                    device=torch.device("cpu"), progress=False, validation=held)
    totals = [h.validation[0] for h in history]
    assert len(totals) == cfg.epochs and "validation_total" in history[0].row()
    best = best_epoch(history)
    assert totals[best - 1] == min(totals)
    # the model returned is that epoch's: its validation loss is the recorded minimum
    assert validation_loss(model, held, seed=0, device=torch.device("cpu"))[0] == pytest.approx(min(totals), rel=1e-6)
    # without validation rows, no validation columns and the last epoch's weights
    plain = train(DenseAE(cfg, **DenseAE.input_shape(data)), data, epochs=2, batch_size=16, lr=0.05, seed=0,
                  device=torch.device("cpu"), progress=False)
    assert "validation_total" not in plain[0].row() and best_epoch(plain) is None


def test_model_inputs_cut_by_song():
    keys = pd.DataFrame({"track_id": np.repeat(["a", "b", "c"], 2), "chunk": np.tile([0, 1], 3)})
    inputs = ModelInputs(mels=Features(keys, np.arange(6 * 4, dtype=np.float32).reshape(6, 2, 2), "chunk"),
                         given=frozenset({"mels"}),
                         split=pd.Series(["train", "validation", "test"], index=["a", "b", "c"]))
    training, validation = inputs.held_out()
    assert list(training.mels.keys["track_id"]) == ["a", "a"] and training.mels.data[1, 0, 0] == 4
    assert list(validation.mels.keys["track_id"]) == ["b", "b"]


def test_held_out_rows_never_shape_the_standardisation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 3))
    fit = np.arange(10) < 6
    moved = x.copy()
    moved[~fit] *= 100
    assert np.array_equal(standardise(x, fit)[fit], standardise(moved, fit)[fit])
    keys = pd.DataFrame({"track_id": [f"t{i}" for i in range(10)], "chunk": -1})
    lyric_ids = pd.Series(keys["track_id"])
    a = fuse(keys, x, lyric_ids, x[:, :2], fit_tracks=keys["track_id"][:6])[1]
    b = fuse(keys, moved, lyric_ids, x[:, :2], fit_tracks=keys["track_id"][:6])[1]
    assert np.array_equal(a[:6], b[:6])


def test_clusterings_learn_from_training_songs_and_assign_the_others_out_of_sample():
    rng = np.random.default_rng(2)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = np.vstack([c + rng.normal(size=(12, 2)) for c in centres]).astype(np.float32)
    ids = np.array([f"t{i:02d}" for i in range(len(x))])
    keys = pd.DataFrame({"track_id": ids, "chunk": -1})
    fit_tracks = ids[np.arange(len(x)) % 3 != 0]
    params = ClusterParams(algorithms=["kmeans", "agglomerative", "gmm"], kmeans_seeds=[0])
    rep = Representation("toy", "track", keys, x)
    out = cluster_representation(rep, [3], params, fit_tracks=fit_tracks)
    held = ~np.isin(ids, fit_tracks)
    for algorithm, runs in out.groupby("algorithm"):
        assert set(runs.loc[runs["split"] == "train", "track_id"]) == set(fit_tracks), algorithm
        assert set(runs.loc[runs["split"] != "train", "track_id"]) == set(ids[held])
    # moving the held-out rows changes none of the training rows' clusters
    far = x.copy()
    far[held] += 50
    moved = cluster_representation(Representation("toy", "track", keys, far), [3], params, fit_tracks=fit_tracks)
    train_rows = out["split"] == "train"
    assert out[train_rows]["cluster"].tolist() == moved[moved["split"] == "train"]["cluster"].tolist()
    # for KMeans the nearest training centroid is its predict
    kmeans = out[(out["algorithm"] == "kmeans")].set_index("track_id")["cluster"]
    fitted = KMeans(3, n_init=params.kmeans_n_init, random_state=0).fit(x[~held])
    assert (kmeans.loc[ids[held]].to_numpy() == fitted.predict(x[held])).all()
    # a planted cluster's held-out rows join its training rows
    same = [kmeans.loc[ids[i]] == kmeans.loc[ids[i + 1]] for i in range(0, len(x), 3)]
    assert all(same)


def test_without_clusters_every_held_out_row_is_noise():
    assert (assign_nearest(np.zeros((3, 2)), np.array([-1, -1, -1]), np.ones((2, 2))) == -1).all()


def test_the_learned_clusters_are_the_training_rows_of_one_clustering():
    from musiclust.assign import Clustering, cluster_profile, learned_clusters
    from musiclust.config import InputError
    from musiclust.representations import latents_to_frame, stack_seeds

    keys = pd.DataFrame({"track_id": ["a", "a", "b", "b", "c", "c"], "chunk": [0, 1] * 3})
    z = np.arange(12, dtype=np.float32).reshape(6, 2)
    rows, latents = stack_seeds([(0, *latents_to_frame(keys, z)), (1, *latents_to_frame(keys, -z))])
    assignments = pd.DataFrame({
        "representation": "m", "level": "track", "algorithm": "kmeans", "k": 2, "train_seed": [0, 0, 0, 1, 1, 1],
        "seed": 0, "track_id": ["a", "b", "c"] * 2, "chunk": -1, "cluster": [0, 1, 1, 1, 0, 0],
        "split": ["train", "train", "test"] * 2})
    fitted_keys, features, labels = learned_clusters(assignments, rows, latents, Clustering("m", train_seed=1))
    assert list(fitted_keys["track_id"]) == ["a", "b"] and list(labels) == [1, 0]
    np.testing.assert_array_equal(features, [[-1, -2], [-5, -6]])  # seed 1's track means
    with pytest.raises(InputError, match="clustered with k in \\[2\\]"):
        learned_clusters(assignments, rows, latents, Clustering("m", k=3))
    with pytest.raises(InputError, match="no training rows of other"):
        learned_clusters(assignments, rows, latents, Clustering("other"))
    tracks = pd.DataFrame({"track_id": ["a", "b", "c"], "genre": ["Folk", "Rock", "Rock"]})
    profile = cluster_profile(assignments, tracks, Clustering("m"))
    assert profile.to_dict("list") == {"cluster": [0, 1], "training_rows": [1, 1], "top_genre": ["Folk", "Rock"],
                                       "top_genre_share": [1.0, 1.0]}
