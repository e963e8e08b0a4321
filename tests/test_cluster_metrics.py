from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from musiclust.cluster import ClusterParams, cluster_corpus, dbscan, distances, kmeans, ks_for
from musiclust.config import ConfigError
from musiclust.evaluate import EvaluateParams, evaluate
from musiclust.metrics import (
    active_units,
    data_summary,
    external_scores,
    hungarian_accuracy,
    hungarian_ordered_contingency,
    internal_scores,
    majority_vote,
    mean_ci95,
    purity,
    score_assignments,
    summarise,
    targets_of,
)
from musiclust.representations import (
    Corpus,
    build_representations,
    fuse,
    isometric_compact,
    latents_to_frame,
    raw_pixels,
    select_level,
    standardise,
    track_sample,
    track_source,
)


def test_purity_and_hungarian_on_known_example():
    y = ["a", "a", "a", "b", "b", "c"]
    p = [1, 1, 0, 0, 0, 0]
    assert purity(y, p) == pytest.approx((2 + 2) / 6)
    # best one-to-one matching: 1→a (2), 0→b (2): 4/6
    assert hungarian_accuracy(y, p) == pytest.approx(4 / 6)
    # relabelled perfect clustering scores 1 everywhere
    s = external_scores(["x", "x", "y", "y"], [7, 7, 3, 3])
    assert s == {"ari": 1.0, "nmi": 1.0, "purity": 1.0, "accuracy": 1.0}


def test_hungarian_ordered_contingency_puts_matches_on_diagonal():
    y = ["a"] * 5 + ["b"] * 5 + ["c"] * 2
    p = [2] * 5 + [0] * 5 + [1, 3]
    m, classes, clusters = hungarian_ordered_contingency(y, p)
    assert classes == ["a", "b", "c"] and clusters[:2] == [2, 0]
    assert list(np.diag(m)) == [5, 5, 1] and m.shape == (3, 4)


def test_internal_scores_skip_undefined_and_noise():
    x = np.array([[0.0], [0.1], [5.0], [5.1], [100.0]])
    s = internal_scores(x, np.array([0, 0, 1, 1, -1]))
    assert s["silhouette"] > 0.9 and set(s) == {"silhouette", "calinski_harabasz", "davies_bouldin"}
    assert internal_scores(x, np.zeros(5, dtype=int)) == {}
    same = internal_scores(x, np.array([0, 0, 1, 1, -1]), distances(x))
    assert same["silhouette"] == pytest.approx(s["silhouette"])


def test_mean_ci95():
    assert mean_ci95([3.0]) == (3.0, 0.0)
    mean, half = mean_ci95([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.303 * 1 / np.sqrt(3), rel=1e-3)


def _toy(n_tracks=12, chunks=3, seed=0):
    rng = np.random.default_rng(seed)
    tracks = pd.DataFrame({
        "track_id": [f"t{i:02d}" for i in range(n_tracks)],
        "language": ["Bangla" if i % 2 else "English" for i in range(n_tracks)],
        "genre": [["Folk", "Rock", "Pop"][i % 3] for i in range(n_tracks)],
    })
    keys = pd.DataFrame([(t, c) for t in tracks["track_id"] for c in range(chunks)],
                        columns=["track_id", "chunk"])
    genre_code = keys["track_id"].map(tracks.set_index("track_id")["genre"]).map(
        {"Folk": 0, "Rock": 1, "Pop": 2}).to_numpy()
    z = rng.normal(size=(len(keys), 4)).astype(np.float32) * 0.3
    z[:, 0] += 3 * genre_code
    lang = tracks["language"].eq("Bangla").astype(float).to_numpy()
    lyrics = rng.normal(size=(n_tracks, 6)).astype(np.float32) * 0.3
    lyrics[:, 0] += 4 * lang
    return tracks, keys, z, lyrics


def test_latents_to_frame_track_rows_are_chunk_means():
    _, keys, z, _ = _toy()
    shuffled = np.random.default_rng(1).permutation(len(keys))
    rows, vecs = latents_to_frame(keys.iloc[shuffled], z[shuffled])
    tk, tz = select_level(rows, vecs, "track")
    np.testing.assert_allclose(tz[0], z[:3].mean(axis=0), rtol=1e-6)
    ck, cz = select_level(rows, vecs, "chunk")
    np.testing.assert_array_equal(cz, z)  # back in key order
    assert (tk["chunk"] == -1).all()


def test_fuse_standardises_each_block_and_joins_by_track():
    keys = pd.DataFrame({"track_id": ["a", "a", "b", "c"], "chunk": [0, 1, 0, 0]})
    audio = np.array([[1.0], [3.0], [5.0], [7.0]], dtype=np.float32)
    fk, fx = fuse(keys, audio, pd.Series(["b", "a"]), np.array([[10.0, 0], [20.0, 1]], dtype=np.float32))
    assert list(fk["track_id"]) == ["a", "a", "b"]  # c has no lyrics: dropped
    np.testing.assert_allclose(fx.mean(axis=0), 0, atol=1e-6)
    assert fx[0, 1] == fx[1, 1] and fx[0, 1] > fx[2, 1]  # a's lyric (20) > b's (10)
    np.testing.assert_allclose(standardise(np.ones((3, 2))), 0)


def test_dbscan_finds_blobs_and_noise():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (20, 2)), [[50, 50]]])
    labels = dbscan(distances(x), min_samples=4, eps_quantile=0.9)
    assert labels[-1] == -1 and len(set(labels[:40])) == 2


PARAMS = ClusterParams(algorithms=["kmeans", "agglomerative", "dbscan"], kmeans_seeds=[0, 1], kmeans_n_init=3,
                       dbscan_min_samples=3, dbscan_eps_quantile=0.5)  # the registry's others: test_cluster_registry


def cluster_and_evaluate(corpus: Corpus, params: ClusterParams = PARAMS,
                         evaluation: EvaluateParams = EvaluateParams()) -> SimpleNamespace:
    """The cluster stage's call, then the evaluate stage's, on one corpus in memory."""
    assignments = cluster_corpus(corpus, targets_of(corpus.tracks), params, progress=False)
    result = evaluate(corpus, assignments, evaluation, silhouette_rows=params.max_quadratic_rows, progress=False)
    return SimpleNamespace(assignments=assignments, scores=result.scores, runs=result.runs, metrics=result.metrics)


def _corpus(tracks, keys, z, lyrics) -> Corpus:
    status = pd.DataFrame({"track_id": tracks["track_id"], "status": "ok", "reason": "",
                           "n_chunks": keys.groupby("track_id").size().reindex(tracks["track_id"]).to_numpy()})
    lyric_ids = None if lyrics is None else tracks["track_id"]
    return Corpus(tracks, status, {"m": latents_to_frame(keys, z)}, {}, lyric_ids, lyrics)


def _pipeline_scores(tracks, keys, z, lyrics):
    corpus = _corpus(tracks, keys, z, lyrics)
    result = cluster_and_evaluate(corpus, PARAMS)
    return corpus.representations(), result.assignments, (result.metrics, result.scores)


@pytest.mark.slow
def test_representations_and_scores_find_planted_factors():
    tracks, keys, z, lyrics = _toy()
    reps, assignments, (nested, table) = _pipeline_scores(tracks, keys, z, lyrics)
    assert {(r.name, r.level) for r in reps} == {
        (n, lvl) for n in ("m", "m+lyrics", "lyrics") for lvl in ("chunk", "track")}
    km = nested["kmeans"]["track"]
    assert km["m"]["genre"]["nmi"] == pytest.approx(1.0)   # audio carries genre
    assert km["lyrics"]["language"]["ari"] == pytest.approx(1.0)  # lyrics carry language
    # one training seed: its two KMeans seeds are averaged within it, so there is no interval over
    # training seeds; the song bootstrap gives the data-sampling interval (a perfect score stays perfect)
    assert km["m"]["genre"]["seeds"] == 1 and km["m"]["genre"]["runs"] == 2 and "nmi_ci95" not in km["m"]["genre"]
    assert km["m"]["genre"]["nmi_boot_lo"] == km["m"]["genre"]["nmi_boot_hi"] == pytest.approx(1.0)
    # the chunk-level clusterings of the audio latent are scored on every chunk
    chunk_runs = assignments[(assignments.representation == "m") & (assignments.level == "chunk")
                             & (assignments.algorithm == "kmeans")]
    assert len(chunk_runs) == 2 * len(keys) * 3  # 2 seeds x chunks x k in (2, 3, 6)
    assert "noise_fraction" in nested["dbscan"]["chunk"]["m"]["genre"]
    assert set(targets_of(tracks)) == {"language", "genre", "language_genre"}
    assert not table["value"].isna().any()
    # chance: a planted clustering has the smallest p-value its draws allow, and q-values beside it
    genre = km["m"]["genre"]
    assert genre["nmi_p"] == pytest.approx(1 / 201, abs=1e-6) and genre["nmi_q"] <= 0.05
    assert genre["nmi_null_p95"] < 0.5 < genre["nmi"]


@pytest.mark.slow
def test_shuffling_every_input_changes_no_score():
    tracks, keys, z, lyrics = _toy()
    _, _, (nested, _) = _pipeline_scores(tracks, keys, z, lyrics)
    rng = np.random.default_rng(7)
    pk = rng.permutation(len(keys))
    pt = rng.permutation(len(tracks))
    _, _, (shuffled, _) = _pipeline_scores(tracks.iloc[pt].reset_index(drop=True),
                                           keys.iloc[pk].reset_index(drop=True), z[pk],
                                           lyrics[pt])
    assert shuffled == nested


def test_score_assignments_joins_by_key_not_position():
    tracks, keys, z, lyrics = _toy()
    rows, vecs = latents_to_frame(keys, z)
    k, x = select_level(rows, vecs, "track")
    truth = targets_of(tracks)["genre"]
    assign = k.assign(cluster=truth.reindex(k["track_id"]).map({"Folk": 0, "Rock": 1, "Pop": 2}).to_numpy())
    base = score_assignments(k, x, assign, truth)
    shuffled = assign.sample(frac=1.0, random_state=3)
    assert score_assignments(k, x, shuffled, truth) == base
    assert base["accuracy"] == 1.0
    # positional pairing of the shuffled rows would be wrong, so this is a real check:
    wrong = external_scores(truth.reindex(k["track_id"]).to_numpy(), shuffled["cluster"].to_numpy())
    assert wrong["accuracy"] < 1.0
    with pytest.raises(ValueError, match="cover"):
        score_assignments(k, x, assign.iloc[1:], truth)
    # a row named twice is refused, even where every row is covered; rows of other keys are ignored
    with pytest.raises(ValueError, match="more than once"):
        score_assignments(k, x, pd.concat([assign, assign.iloc[:1]]), truth)
    other = assign.iloc[:1].assign(track_id="not a track")
    assert score_assignments(k, x, pd.concat([other, shuffled]), truth) == base


def test_majority_vote_takes_each_track_s_commonest_cluster_and_the_smallest_on_a_tie():
    keys = pd.DataFrame({"track_id": ["b", "a", "b", "a", "b", "c", "c"], "chunk": range(7)})
    votes = majority_vote(keys, np.array([7, 3, 7, 5, 2, 9, 4]))
    # a: 3 and 5 once each (a tie: 3); b: 7 twice; c: 9 and 4 (a tie: 4); sorted by track
    assert votes.to_dict() == {"a": 3, "b": 7, "c": 4}
    assert votes.index.name == "track_id" and votes.name == "cluster"


def test_a_seed_mean_does_not_depend_on_the_order_of_its_runs():
    values = [0.1, 0.7, 0.2, 1e-9, 0.3]
    rng = np.random.default_rng(0)
    summaries = {tuple(summarise([0] * 5 + [1] * 5, values + list(rng.permutation(values))).items()) for _ in range(20)}
    # two seeds of the same runs in other orders: one summary, with an sd of exactly 0
    assert len(summaries) == 1 and dict(next(iter(summaries)))["sd"] == 0.0
    nan_left_out = summarise([0, 0, 1], [1.0, np.nan, 3.0])
    assert (nan_left_out["mean"], nan_left_out["runs"], nan_left_out["seeds"]) == (2.0, 3, 2)


def test_isometric_compact_keeps_distances_and_clusterings():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (10, 300)), rng.normal(3, 1, (10, 300))]).astype(np.float32)
    c = isometric_compact(x)
    assert c.shape == (20, 20)
    np.testing.assert_allclose(distances(c), distances(x), rtol=1e-4, atol=1e-3)
    labels = np.repeat([0, 1], 10)
    a, b = internal_scores(x, labels), internal_scores(c, labels)
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-4)
    assert external_scores(kmeans(x, 2, seed=0), kmeans(c, 2, seed=0))["ari"] == 1.0
    small = rng.normal(size=(5, 3)).astype(np.float32)
    assert isometric_compact(small) is small


def test_track_only_source_gives_track_level_representations():
    tracks, keys, z, lyrics = _toy()
    rows, vecs = latents_to_frame(keys, z)
    stats = np.random.default_rng(0).normal(5, 3, size=(len(tracks), 4)).astype(np.float32)
    source = track_source(tracks["track_id"], stats)
    np.testing.assert_allclose(source[1].mean(axis=0), 0, atol=1e-5)
    reps = build_representations({"m": (rows, vecs), "clipstats": source}, tracks["track_id"], lyrics)
    names = {(r.name, r.level) for r in reps}
    assert ("clipstats", "track") in names and ("clipstats+lyrics", "track") in names
    assert ("clipstats", "chunk") not in names and ("m", "chunk") in names


def test_unlabelled_corpus_gets_internal_scores_per_k():
    tracks, keys, z, _ = _toy()
    corpus = _corpus(tracks.drop(columns=["language", "genre"]), keys, z, None)
    params = ClusterParams(kmeans_seeds=[0], kmeans_n_init=2, dbscan_min_samples=3, k_without_labels=[3, 2])
    result = cluster_and_evaluate(corpus, params)
    nested, reps = result.metrics, corpus.representations()
    assert set(nested["kmeans"]["track"]["m"]) == {"k2", "k3"}
    assert "silhouette" in nested["kmeans"]["track"]["m"]["k3"] and "nmi" not in nested["kmeans"]["track"]["m"]["k3"]
    assert "auto" in nested["dbscan"]["chunk"]["m"]
    assert {r.name for r in reps} == {"m"}  # no lyric representations without lyrics


def test_k_is_the_class_count_of_each_label():
    tracks, *_ = _toy()
    assert ks_for(targets_of(tracks), [7]) == [2, 3, 6]  # languages, genres, their cross here
    assert ks_for({}, [8, 2, 4, 2]) == [2, 4, 8]


def test_latent_and_data_summaries():
    z = np.zeros((50, 3), dtype=np.float32)
    z[:, 1] = np.linspace(-1, 1, 50)  # variance 0.35: active; the others are constant
    z[:, 2] = np.linspace(-0.1, 0.1, 50)  # variance 0.0035: below the 0.01 threshold
    assert active_units(z) == 1
    tracks, keys, z8, lyrics = _toy()
    corpus = _corpus(tracks, keys, z8, lyrics)
    corpus.status.loc[0, "status"] = "skipped"
    summary = data_summary(corpus.tracks, corpus.status)
    assert summary == {"tracks_listed": len(tracks), "tracks_used": len(tracks) - 1, "tracks_skipped": 1,
                       "chunks": len(keys)}


def _two_seed_corpus():
    """Model ``m`` trained with two seeds: seed 0 carries the genre, seed 1 is noise."""
    tracks, keys, z, lyrics = _toy()
    rows, vecs = latents_to_frame(keys, z)
    noise = np.random.default_rng(1).normal(size=vecs.shape).astype(np.float32)
    stacked = pd.concat([rows.assign(seed=0), rows.assign(seed=1)], ignore_index=True)
    corpus = _corpus(tracks, keys, z, lyrics)
    corpus.latents["m"] = (stacked, np.vstack([vecs, noise]))
    return corpus


@pytest.mark.slow
def test_scores_are_over_training_seeds_times_clustering_seeds():
    corpus = _two_seed_corpus()
    one_seed = _corpus(*_toy())
    result, single = cluster_and_evaluate(corpus, PARAMS), cluster_and_evaluate(one_seed, PARAMS)
    both, first = result.metrics["kmeans"]["track"]["m"]["genre"], single.metrics["kmeans"]["track"]["m"]["genre"]
    assert both["runs"] == 2 * len(PARAMS.kmeans_seeds) and first["runs"] == len(PARAMS.kmeans_seeds)
    # the noise seed drags the mean down and opens the interval that one seed alone did not have
    assert both["nmi"] < first["nmi"] == pytest.approx(1.0)
    # the interval is over the training seeds' means (n - 1 df), none for one training seed
    assert both["nmi_ci95"] > 0.1 and both["nmi_sd"] > 0 and "nmi_ci95" not in first
    assert both["seeds"] == 2 and first["seeds"] == 1
    seed_means = result.runs.query("algorithm == 'kmeans' and level == 'track' and representation == 'm' and "
                                   "target == 'genre' and metric == 'nmi'").groupby("train_seed")["value"].mean()
    assert both["nmi"] == pytest.approx(seed_means.mean(), abs=1e-6)
    assert both["nmi_ci95"] == pytest.approx(stats.t.ppf(0.975, 1) * seed_means.std(ddof=1) / np.sqrt(2), abs=1e-6)
    # the lyrics are not trained: their scores stay over the KMeans seeds only
    assert result.metrics["kmeans"]["track"]["lyrics"]["language"]["runs"] == len(PARAMS.kmeans_seeds)
    # agglomerative: one clustering per training seed, so an interval over the two
    assert result.metrics["agglomerative"]["track"]["m"]["genre"]["runs"] == 2
    assert set(result.assignments.loc[result.assignments.representation == "m", "train_seed"]) == {0, 1}
    assert set(result.assignments.loc[result.assignments.representation == "lyrics", "train_seed"]) == {-1}
    # disentanglement and active units per seed, summarised over seeds
    mig = result.metrics["disentanglement"]["track"]["m"]
    assert mig["seeds"] == 2 and mig["mig_ci95"] > 0
    assert single.metrics["disentanglement"]["track"]["m"]["seeds"] == 1
    assert "mig_ci95" not in single.metrics["disentanglement"]["track"]["m"]
    assert result.metrics["latents"]["m"]["seeds"] == 2


@pytest.mark.slow
def test_identical_training_seeds_count_once():
    corpus = _two_seed_corpus()
    rows, z = corpus.latents["m"]
    first = (rows["seed"] == 0).to_numpy()
    copied = z.copy()
    copied[~first] = z[first]  # seed 1's latents are seed 0's: one replicate, not two
    corpus.latents["m"] = (rows, copied)
    result = cluster_and_evaluate(corpus, PARAMS)
    assert result.metrics["data"]["training_seeds"]["m"] == 1
    node = result.metrics["kmeans"]["track"]["m"]["genre"]
    assert node["seeds"] == 1 and node["runs"] == len(PARAMS.kmeans_seeds) and "nmi_ci95" not in node
    assert set(result.runs.loc[result.runs["representation"] == "m", "train_seed"]) == {0}
    assert result.metrics["disentanglement"]["track"]["m"]["seeds"] == 1


@pytest.mark.slow
def test_training_seeds_must_cover_the_same_rows():
    corpus = _two_seed_corpus()
    rows, z = corpus.latents["m"]
    drop = (rows["seed"] == 1) & (rows["track_id"] == rows["track_id"].iloc[0])
    corpus.latents["m"] = (rows[~drop].reset_index(drop=True), z[~drop.to_numpy()])
    with pytest.raises(ValueError, match="training seeds of m .* do not cover the same rows"):
        cluster_and_evaluate(corpus, PARAMS)


@pytest.mark.slow
def test_quadratic_algorithms_see_a_seeded_sample_beyond_the_limit():
    import dataclasses

    corpus = _two_seed_corpus()  # 36 chunks, 12 tracks, two training seeds of m
    params = dataclasses.replace(PARAMS, max_quadratic_rows=100)
    small = cluster_and_evaluate(corpus, params)
    assert "quadratic_sample" not in small.metrics["data"]
    # pretend the corpus is large: a limit below the chunk count, above the track count
    limited = dataclasses.replace(PARAMS, max_quadratic_rows=20)  # below validate's floor: the mechanism alone
    result = cluster_and_evaluate(corpus, limited)
    a = result.assignments
    chunk_m = a[(a.representation == "m") & (a.level == "chunk")]
    for algorithm, rows in (("kmeans", 36), ("agglomerative", 20), ("dbscan", 20)):
        per_run = chunk_m[chunk_m.algorithm == algorithm].groupby(["train_seed", "k", "seed"]).size()
        assert set(per_run) == {rows}, algorithm
    # both training seeds are sampled on the same rows, and the tracks (12) are not sampled
    agg = chunk_m[chunk_m.algorithm == "agglomerative"]
    picked = [set(map(tuple, g[["track_id", "chunk"]].to_numpy())) for _, g in agg.groupby(["train_seed", "k"])]
    assert all(p == picked[0] for p in picked)
    assert (a[(a.level == "track") & (a.algorithm == "agglomerative")].groupby(
        ["representation", "train_seed", "k"]).size() == 12).all()
    assert result.metrics["data"]["quadratic_sample"]["chunk"]["m"] == 20
    chunk_scores = result.metrics["agglomerative"]["chunk"]["m"]["genre"]
    assert "silhouette" in chunk_scores and 0 <= chunk_scores["nmi"] <= 1
    assert "silhouette" in result.metrics["kmeans"]["chunk"]["m"]["genre"]  # a sampled silhouette
    # the same inputs give the same sample and scores
    again = cluster_and_evaluate(corpus, limited)
    pd.testing.assert_frame_equal(again.scores, result.scores)
    with pytest.raises(ConfigError, match="c.max_quadratic_rows"):
        ClusterParams(max_quadratic_rows=10).validate("c")


def test_track_means_summed_in_blocks_equal_one_reduction_bit_for_bit():
    rng = np.random.default_rng(4)
    counts = rng.integers(1, 6, size=150)  # more tracks than one block
    keys = pd.DataFrame({"track_id": np.repeat([f"t{i:03d}" for i in range(150)], counts),
                         "chunk": np.concatenate([np.arange(c) for c in counts])})
    z = rng.normal(size=(len(keys), 7)).astype(np.float32)
    rows, vecs = latents_to_frame(keys, z)
    first = np.append(0, np.cumsum(counts)[:-1])
    expected = (np.add.reduceat(z.astype(np.float64), first, axis=0) / counts[:, None]).astype(np.float32)
    np.testing.assert_array_equal(select_level(rows, vecs, "track")[1], expected)


def test_track_sample_keeps_whole_tracks_within_the_cap():
    ids = np.repeat([f"t{i}" for i in range(30)], 3)
    assert track_sample(ids, 90, seed=0) is None
    rows = track_sample(ids, 20, seed=0)
    assert np.all(np.diff(rows) > 0) and len(rows) <= 20
    kept = pd.Series(ids[rows]).value_counts()
    assert (kept == 3).all() and len(kept) == 6  # whole tracks: 6 of 3 chunks fit in 20
    np.testing.assert_array_equal(rows, track_sample(ids, 20, seed=0))
    assert not np.array_equal(rows, track_sample(ids, 20, seed=1))


def test_raw_pixels_beyond_the_cap_read_only_the_sampled_tracks(tmp_path):
    ids = np.repeat([f"t{i:02d}" for i in range(12)], 2)
    keys = pd.DataFrame({"track_id": ids, "chunk": np.tile([0, 1], 12)})
    images = np.random.default_rng(0).normal(size=(24, 4, 5)).astype(np.float32)
    rows = track_sample(ids, 10, seed=7)
    poisoned = images.copy()
    poisoned[np.setdiff1d(np.arange(24), rows)] = np.nan  # reading any other row would show
    np.save(tmp_path / "mels.npy", poisoned)
    keys.to_parquet(tmp_path / "chunks.parquet")
    got_rows, pixels, sample = raw_pixels(tmp_path / "mels.npy", tmp_path / "chunks.parquet", 10, seed=7)
    want_rows, want = latents_to_frame(keys.iloc[rows].reset_index(drop=True), images[rows].reshape(len(rows), -1))
    pd.testing.assert_frame_equal(got_rows, want_rows)
    np.testing.assert_array_equal(pixels, want)
    assert sample == {"tracks": 5, "chunks": 10, "of_tracks": 12, "of_chunks": 24}
    all_rows, all_pixels, none = raw_pixels(tmp_path / "mels.npy", tmp_path / "chunks.parquet", 24, seed=7)
    assert none is None and len(all_pixels) == 24 + 12


@pytest.mark.slow
def test_evaluate_records_the_raw_pixels_sample():
    tracks, keys, z, lyrics = _toy()
    corpus = _corpus(tracks, keys, z, None)
    corpus.latents["raw"] = latents_to_frame(keys, z)
    corpus.raw_sample = {"tracks": 5, "chunks": 15, "of_tracks": 10, "of_chunks": 30}
    metrics = cluster_and_evaluate(corpus, PARAMS).metrics
    assert metrics["data"]["raw_sample"] == corpus.raw_sample
    assert metrics["latents"]["raw"]["sample"] == corpus.raw_sample
    corpus.raw_sample = None
    metrics = cluster_and_evaluate(corpus, PARAMS).metrics
    assert "raw_sample" not in metrics["data"] and "sample" not in metrics["latents"]["raw"]


@pytest.mark.slow
def test_each_score_appears_once_and_each_run_has_its_p_value():
    result = cluster_and_evaluate(_two_seed_corpus(), PARAMS, EvaluateParams(null_draws=100))
    keys = ["algorithm", "level", "representation", "target", "metric"]
    assert not result.scores.duplicated(keys).any()
    family_p = result.scores.query("algorithm == 'kmeans' and level == 'track' and representation == 'm' and "
                                   "target == 'genre' and metric == 'nmi_p'")
    assert len(family_p) == 1 and np.isnan(family_p["seeds"].iloc[0])  # a chance row, not a summary of runs
    per_run = result.runs.query("algorithm == 'kmeans' and level == 'track' and representation == 'm' and "
                                "target == 'genre' and metric == 'nmi_p'")
    assert len(per_run) == 2 * len(PARAMS.kmeans_seeds) and per_run["value"].between(0, 1).all()
