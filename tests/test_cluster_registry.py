"""The clustering-algorithm registry, and the cluster / evaluate split: results of the original
algorithms unchanged, the new ones right on planted blobs, one entry enough for a new algorithm."""

from __future__ import annotations

import dataclasses
import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from test_cluster_metrics import PARAMS, _corpus, _toy, _two_seed_corpus, cluster_and_evaluate

from musiclust.cluster import (
    ALGORITHMS,
    Algorithm,
    ClusterParams,
    cluster_representation,
    distances,
    gmm,
    hdbscan,
    spectral,
)
from musiclust.config import ConfigError, InputError
from musiclust.evaluate import EvaluateParams
from musiclust.metrics import external_scores, targets_of
from musiclust.representations import Representation, read_latents, select_level

OLD = ["kmeans", "agglomerative", "dbscan"]


def _digest(frame: pd.DataFrame) -> str:
    if "split" in frame:  # without held-out songs every row is a training row: the digests predate the column
        assert (frame["split"] == "train").all()
        frame = frame.drop(columns="split")
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()[:16]


# Digests of the assignments and the score table (9 decimals) that the one-pass cluster-and-score
# code (KMeans, agglomerative, DBSCAN only) gave on this input before the registry and the split.
# The assignments as before the registry; the scores as since the training seed became the unit of
# replication (summaries over training-seed means, song-level nulls, the song bootstrap, q-values;
# one row per score, each run's p-value in the runs table), and since a track's row is pooled from its
# chunk rows (the fixture's second seed stores noise as its track rows, which are no longer read).
BEFORE = {5000: ("6b64e4b45a5c3bc4", "0042a45c7ce9e6a0"), 20: ("219f230b74c634c9", "d010bfaf48d5d3d8")}


@pytest.mark.parametrize("limit", [5000, 20])  # 20: the quadratic algorithms see a sample of the chunks
@pytest.mark.slow
def test_kmeans_agglomerative_dbscan_give_what_they_gave_before(limit):
    params = dataclasses.replace(PARAMS, algorithms=OLD, max_quadratic_rows=limit)
    result = cluster_and_evaluate(_two_seed_corpus(), params, EvaluateParams(null_draws=100))
    assert (_digest(result.assignments), _digest(result.scores.round(9))) == BEFORE[limit]
    # with every algorithm of the registry, the original three's rows are the same
    everything = cluster_and_evaluate(_two_seed_corpus(), dataclasses.replace(params, algorithms=list(ALGORITHMS)),
                                      EvaluateParams(null_draws=100))
    assert set(everything.assignments["algorithm"]) == set(ALGORITHMS)
    a = everything.assignments
    assert _digest(a[a["algorithm"].isin(OLD)]) == BEFORE[limit][0]
    s = everything.scores
    assert _digest(s[s["algorithm"].isin(OLD)].round(9)) == BEFORE[limit][1]


def _blobs(seed=0, per=40, dims=5):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * dims, [10.0] + [0.0] * (dims - 1), [0.0, 10.0] + [0.0] * (dims - 2)])
    x = np.vstack([c + rng.normal(0, 0.3, (per, dims)) for c in centres])
    return x, np.repeat([0, 1, 2], per)


def test_gmm_spectral_and_hdbscan_find_well_separated_blobs():
    x, truth = _blobs()
    assert external_scores(truth, gmm(x, 3, seed=0))["ari"] == 1.0
    assert external_scores(truth, gmm(x, 3, seed=0, covariance="full"))["ari"] == 1.0
    assert external_scores(truth, spectral(x, 3, seed=0, n_neighbors=10))["ari"] == 1.0
    labels = hdbscan(distances(x), min_cluster_fraction=0.05)
    assert (labels >= 0).all() and external_scores(truth, labels)["ari"] == 1.0
    # a far point is noise; a seed gives the same partition again
    far = np.vstack([x, np.full((1, x.shape[1]), 100.0)])
    assert hdbscan(distances(far), min_cluster_fraction=0.05)[-1] == -1
    np.testing.assert_array_equal(gmm(x, 3, seed=4), gmm(x, 3, seed=4))


def test_spectral_labels_do_not_follow_the_thread_count():
    """Repeated rows (one lyric embedding on each chunk of a song) make the neighbour graph's
    eigenspace degenerate; the labels must still be the same whatever threads the caller allows."""
    from threadpoolctl import threadpool_limits

    from musiclust.cluster import spectral

    x = np.repeat(np.random.default_rng(0).standard_normal((100, 384)).astype(np.float32), 10, axis=0)
    with threadpool_limits(1):
        one = spectral(x, 5, seed=1)
    with threadpool_limits(2):
        two = spectral(x, 5, seed=1)
    np.testing.assert_array_equal(one, two)
    # identical rows are one node of the graph: one label each song
    assert all(len(set(one[i * 10:(i + 1) * 10])) == 1 for i in range(100))
    few = spectral(x[:30], 5, seed=0)  # 3 distinct rows, fewer than k: each its own cluster
    assert [len(set(few[i * 10:(i + 1) * 10])) for i in range(3)] == [1, 1, 1] and len(set(few)) == 3


def test_an_algorithm_needing_no_k_ignores_k():
    x, _ = _blobs()
    keys = pd.DataFrame({"track_id": [f"t{i:03d}" for i in range(len(x))], "chunk": -1})
    rep = Representation("m", "track", keys, x.astype(np.float32))
    params = dataclasses.replace(PARAMS, algorithms=["kmeans", "dbscan", "hdbscan"])
    few, many = cluster_representation(rep, [3], params), cluster_representation(rep, [2, 3, 5], params)
    for name in ("dbscan", "hdbscan"):
        a, b = few[few.algorithm == name], many[many.algorithm == name]
        assert set(a["k"]) == {0} and set(a["seed"]) == {-1}
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
        fit = ALGORITHMS[name].fit
        same = [fit(x, k=k, seed=-1, params=params, distances=lambda: distances(x)) for k in (2, 7)]
        np.testing.assert_array_equal(*same)
    assert sorted(many[many.algorithm == "kmeans"].groupby(["k", "seed"]).size().index) == [
        (k, s) for k in (2, 3, 5) for s in PARAMS.kmeans_seeds]


def test_one_registry_entry_is_enough_for_a_new_algorithm(monkeypatch):
    def halves(x, *, k, seed, params, distances):  # the rows beyond a fixed cut on the first axis
        return (x[:, 0] > 4.5).astype(np.int32)

    monkeypatch.setitem(ALGORITHMS, "halves", Algorithm(halves, needs_k=False, quadratic=False, seeded=False))
    params = dataclasses.replace(PARAMS, algorithms=["kmeans", "halves"])
    params.validate("cluster")  # a name of the registry, so a valid setting
    tracks, keys, z, lyrics = _toy()
    result = cluster_and_evaluate(_corpus(tracks, keys, z, lyrics), params, EvaluateParams(null_draws=0))
    runs = result.assignments[result.assignments.algorithm == "halves"]
    assert set(runs["k"]) == {0} and set(runs["seed"]) == {-1}
    assert set(zip(runs["representation"], runs["level"])) >= {("m", "chunk"), ("m", "track"), ("lyrics", "track")}
    # the genre is planted at 3 x (0, 1, 2) on axis 0: the cut separates Pop from Folk and Rock
    genre = targets_of(tracks)["genre"]
    track_keys, track_z = select_level(*_corpus(tracks, keys, z, lyrics).latents["m"], "track")
    want = external_scores(genre.reindex(track_keys["track_id"]).to_numpy(), (track_z[:, 0] > 4.5).astype(int))
    got = result.metrics["halves"]["track"]["m"]["genre"]
    assert got["nmi"] == pytest.approx(want["nmi"], abs=1e-6) and got["purity"] == pytest.approx(want["purity"])
    assert got["noise_fraction"] == 0.0 and got["n_clusters"] == 2.0  # chooses its own k: reported as DBSCAN's
    assert set(result.metrics) >= set(ALGORITHMS) and result.metrics["dbscan"] == {}  # a file for every entry


def test_cluster_params_name_the_bad_key():
    bad = [({"algorithms": ["kmeans", "optics"]}, "cluster.algorithms[1]"),
           ({"algorithms": []}, "cluster.algorithms"), ({"algorithms": ["gmm", "gmm"]}, "cluster.algorithms"),
           ({"gmm_n_init": 0}, "cluster.gmm_n_init"), ({"spectral_n_neighbors": 1}, "cluster.spectral_n_neighbors"),
           ({"hdbscan_min_cluster_fraction": 0.5}, "cluster.hdbscan_min_cluster_fraction"),
           ({"sample_seed": -1}, "cluster.sample_seed")]
    for change, key in bad:
        with pytest.raises(ConfigError, match=re.escape(f"params: {key}: ")):
            ClusterParams(**change).validate("cluster")
    with pytest.raises(ConfigError, match="params: evaluate.null_draws: "):
        EvaluateParams(null_draws=50).validate("evaluate")
    with pytest.raises(ConfigError, match="params: evaluate.null_seed: "):
        EvaluateParams(null_seed=2**32).validate("evaluate")
    ClusterParams().validate("cluster")
    assert ClusterParams().algorithms == list(ALGORITHMS)


def test_read_latents_reads_the_files_named_and_refuses_a_stray_one(tmp_path):
    from musiclust.io import write_vectors

    rows = pd.DataFrame({"level": "track", "track_id": ["a", "b"], "chunk": np.int32(-1)})
    for name in ("m1", "m2"):
        write_vectors(rows, np.eye(2, dtype=np.float32), "z", tmp_path / f"{name}.parquet")
    assert sorted(read_latents([tmp_path / "m2.parquet", tmp_path / "m1.parquet"])) == ["m1", "m2"]
    with pytest.raises(InputError, match=r"m2\.parquet: a latents file no parameter names"):
        read_latents([tmp_path / "m1.parquet"])
    with pytest.raises(InputError, match=r"m3\.parquet: latents file not found"):
        read_latents([tmp_path / "m1.parquet", tmp_path / "m2.parquet", tmp_path / "m3.parquet"])
