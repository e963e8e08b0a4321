"""Song-level chance: scores of contingency tables, the permutation null of a family of runs,
its floors within strata, the song bootstrap and the Benjamini-Hochberg q-values."""

from itertools import permutations

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.metrics.cluster import contingency_matrix

from musiclust.chance import (
    ALPHA,
    NEAR_SE,
    NULL_METRICS,
    _shuffled,
    benjamini_hochberg,
    family_chance,
    observed_scores,
    scores_from_contingency,
    song_bootstrap,
    song_runs,
    table_scores,
)


def song_coherent(rng, *, n_songs, chunks, n_classes, k, stay, signal=0.0):
    """Rows of ``n_songs`` songs of ``chunks`` chunks each, one random class per song, and a clustering
    in which each song has a home cluster holding about ``stay`` of its chunks (the rest random).

    A song's home is its class's cluster with probability ``signal``, a random cluster otherwise:
    with ``signal`` 0 the clustering is independent of the classes.
    """
    songs = np.repeat(np.arange(n_songs), chunks)
    song_class = rng.integers(0, n_classes, n_songs)
    home = np.where(rng.random(n_songs) < signal, song_class % k, rng.integers(0, k, n_songs))
    clusters = np.where(rng.random(len(songs)) < stay, home[songs], rng.integers(0, k, len(songs)))
    return songs, song_class[songs], clusters


def brute_force_accuracy(table: np.ndarray) -> float:
    """The best one-to-one matching of classes and clusters, by trying every one (small tables only)."""
    n_classes, n_clusters = table.shape
    if n_classes <= n_clusters:
        best = max(sum(table[i, j] for i, j in enumerate(cols)) for cols in permutations(range(n_clusters), n_classes))
    else:
        best = max(sum(table[i, j] for j, i in enumerate(rows)) for rows in permutations(range(n_classes), n_clusters))
    return best / table.sum()


def purity_by_hand(y, p) -> float:
    """Each cluster's majority class count, summed over clusters, over the number of rows."""
    return sum(np.unique(y[p == cluster], return_counts=True)[1].max() for cluster in np.unique(p)) / len(y)


def label_pairs():
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(8):
        y = rng.integers(0, 4, 150)
        pairs.append((y, rng.integers(-1, 5, 150)))  # -1: DBSCAN's noise, one more cluster
        pairs.append((y, np.where(rng.random(150) < 0.6, y, rng.integers(-1, 3, 150))))  # related
    y = rng.integers(0, 4, 150)
    pairs.append((y, np.zeros(150, dtype=int)))  # a single cluster
    pairs.append((np.zeros(150, dtype=int), rng.integers(0, 3, 150)))  # a single class
    pairs.append((np.zeros(150, dtype=int), np.full(150, -1)))  # one class, one cluster
    pairs.append((y, (y + 2) % 4))  # perfect up to renaming
    return pairs


@pytest.mark.parametrize("y, p", label_pairs())
def test_scores_of_a_contingency_table_equal_sklearns(y, p):
    table = contingency_matrix(y, p)
    scores = scores_from_contingency(table)
    assert scores["nmi"] == pytest.approx(skm.normalized_mutual_info_score(y, p), abs=1e-12)
    assert scores["ari"] == pytest.approx(skm.adjusted_rand_score(y, p), abs=1e-12)
    assert scores["ami"] == pytest.approx(skm.adjusted_mutual_info_score(y, p), abs=1e-12)
    assert scores["accuracy"] == pytest.approx(brute_force_accuracy(table), abs=1e-12)
    assert scores["purity"] == pytest.approx(purity_by_hand(y, p), abs=1e-12)


def test_a_batch_of_tables_scores_each_as_alone():
    pairs = label_pairs()[:6]
    tables = [contingency_matrix(y, p) for y, p in pairs]
    shape = (max(t.shape[0] for t in tables), max(t.shape[1] for t in tables))
    padded = np.stack([np.pad(t, [(0, shape[0] - t.shape[0]), (0, shape[1] - t.shape[1])]) for t in tables])
    batch = table_scores(padded)  # empty rows and columns change no score
    for i, (y, p) in enumerate(pairs):
        assert batch["nmi"][i] == pytest.approx(skm.normalized_mutual_info_score(y, p), abs=1e-12)
        assert batch["ari"][i] == pytest.approx(skm.adjusted_rand_score(y, p), abs=1e-12)
        assert batch["accuracy"][i] == pytest.approx(brute_force_accuracy(tables[i]), abs=1e-12)
    assert "ami" not in batch  # AMI needs each table's expected mutual information


def test_song_level_null_holds_its_level_where_a_chunk_level_one_does_not():
    # A clustering that keeps each song's chunks mostly together but knows nothing of the classes.
    # Shuffling songs' classes keeps that coherence, so p <= 0.05 about 5% of the time; shuffling
    # chunks as if they were independent songs breaks it, and the coherence alone looks like signal.
    # 1000 simulations: an exact test passes 7% with probability > 99.7% (the sd of the rate is 0.7%).
    song_rejections, chunk_rejections = [], []
    for i in range(1000):
        songs, y, clusters = song_coherent(np.random.default_rng(i), n_songs=100, chunks=10, n_classes=5, k=5,
                                           stay=0.8)
        chance = family_chance(song_runs(songs, y, [clusters]), draws=200, max_draws=1000, seed=100_000 + i)
        song_rejections.append(chance.family["nmi_p"] <= 0.05)
        if i < 200:
            naive = family_chance(song_runs(np.arange(len(songs)), y, [clusters]), draws=200, max_draws=1000,
                                  seed=100_000 + i)
            chunk_rejections.append(naive.family["nmi_p"] <= 0.05)
    assert np.mean(song_rejections) <= 0.07
    assert np.mean(chunk_rejections) > 0.20


def test_a_planted_clustering_gets_the_smallest_p_and_a_null_near_zero():
    rng = np.random.default_rng(3)
    songs = np.repeat(np.arange(300), 4)
    y = rng.integers(0, 3, 300)[songs]
    chance = family_chance(song_runs(songs, y, [y, (y + 1) % 3]), draws=200, max_draws=1000, seed=0)
    assert chance.family["draws"] == 200  # p far from 0.05: no more draws
    for m in NULL_METRICS:
        assert chance.family[f"{m}_p"] == 1 / 201
        np.testing.assert_array_equal(chance.per_run[f"{m}_p"], [1 / 201, 1 / 201])
    np.testing.assert_allclose(chance.observed["nmi"], 1.0, atol=1e-12)
    assert 0 < chance.family["nmi_null_mean"] < 0.02  # NMI's small positive bias, 300 songs
    assert abs(chance.family["ari_null_mean"]) < 0.01 and abs(chance.family["ami_null_mean"]) < 0.01
    assert chance.family["nmi_null_mean"] < chance.family["nmi_null_p95"] < 0.05


def test_more_draws_only_where_a_p_value_lies_near_alpha():
    draws, max_draws = 200, 1000
    band = NEAR_SE * np.sqrt(ALPHA * (1 - ALPHA) / draws)
    extended = []
    for i, signal in enumerate(np.linspace(0.0, 0.5, 11)):
        songs, y, clusters = song_coherent(np.random.default_rng(i), n_songs=60, chunks=5, n_classes=3, k=3,
                                           stay=0.7, signal=signal)
        runs = song_runs(songs, y, [clusters])
        first = family_chance(runs, draws=draws, max_draws=draws, seed=i)  # the same first 200 shuffles
        near = any(abs(first.family[f"{m}_p"] - ALPHA) <= band for m in NULL_METRICS)
        chance = family_chance(runs, draws=draws, max_draws=max_draws, seed=i)
        assert chance.family["draws"] == (max_draws if near else draws)
        resolution = max_draws if near else draws
        for m in NULL_METRICS:  # each p-value is (1 + draws reaching the score) / (1 + draws)
            reaching = chance.family[f"{m}_p"] * (1 + resolution)
            assert reaching == pytest.approx(round(reaching), abs=1e-9)
        if not near:
            assert chance.family == first.family
        extended.append(near)
    assert any(extended) and not all(extended)  # both cases met: a weak signal and a strong or absent one


def test_one_shuffle_per_draw_serves_every_run():
    rng = np.random.default_rng(5)
    songs, y, weak = song_coherent(rng, n_songs=80, chunks=6, n_classes=4, k=4, stay=0.8, signal=0.3)
    _, _, other = song_coherent(rng, n_songs=80, chunks=6, n_classes=4, k=4, stay=0.8, signal=0.6)
    both = family_chance(song_runs(songs, y, [weak, weak, other]), draws=300, max_draws=300, seed=7)
    alone = {name: family_chance(song_runs(songs, y, [run]), draws=300, max_draws=300, seed=7)
             for name, run in (("weak", weak), ("other", other))}
    for m in NULL_METRICS:
        p = both.per_run[f"{m}_p"]
        assert p[0] == p[1]  # two identical runs: the same shuffles, the same p
        # a run's p-value does not depend on the family around it
        assert p[0] == alone["weak"].family[f"{m}_p"] and p[2] == alone["other"].family[f"{m}_p"]
    # the family's statistic is the mean over its runs, tested against the same shuffles' means
    assert both.family["nmi_null_mean"] == pytest.approx(
        (2 * alone["weak"].family["nmi_null_mean"] + alone["other"].family["nmi_null_mean"]) / 3, abs=1e-12)


def test_the_order_of_rows_changes_nothing():
    rng = np.random.default_rng(8)
    songs, y, first = song_coherent(rng, n_songs=50, chunks=5, n_classes=3, k=3, stay=0.8, signal=0.4)
    _, _, second = song_coherent(rng, n_songs=50, chunks=5, n_classes=3, k=3, stay=0.8, signal=0.4)
    order = rng.permutation(len(songs))
    a = family_chance(song_runs(songs, y, [first, second]), draws=200, max_draws=1000, seed=2)
    b = family_chance(song_runs(songs[order], y[order], [first[order], second[order]]), draws=200, max_draws=1000,
                      seed=2)
    assert a.family == b.family
    for m in NULL_METRICS:
        np.testing.assert_array_equal(a.per_run[f"{m}_p"], b.per_run[f"{m}_p"])


def test_the_floor_of_a_crossed_target_is_what_the_stratum_alone_earns():
    # language x genre, 20 songs a cell, 3 chunks a song; a k = 4 clustering that knows the language
    # and splits each language's songs in two halves holding equal numbers of each genre
    rng = np.random.default_rng(11)
    language = np.repeat([0, 1], 40)
    genre = np.tile(np.repeat([0, 1], 20), 2)
    half = np.tile(np.repeat([0, 1], 10), 4)
    order = rng.permutation(80)  # song ids in no particular order
    language, genre, half = language[order], genre[order], half[order]
    songs = np.repeat(np.arange(80), 3)
    target = (2 * language + genre)[songs]
    clusters = (2 * language + half)[songs]
    runs = song_runs(songs, target, [clusters])
    # knowing the language is knowing half the target: MI ln 2 of entropies ln 4
    observed, _ = observed_scores(runs)
    assert observed["nmi"][0] == pytest.approx(0.5, abs=1e-12)

    floor = family_chance(runs, draws=200, max_draws=200, seed=0, strata=language)
    # a shuffle within language keeps the language, so MI never falls below ln 2: the clustering
    # sits at the bottom of its floor's null
    assert floor.family["nmi_p"] == 1.0 and floor.family["ami_p"] == 1.0
    assert 0.5 <= floor.family["nmi_null_mean"] < 0.55
    plain = family_chance(runs, draws=200, max_draws=200, seed=0)
    assert plain.family["nmi_p"] == 1 / 201 and plain.family["ami_p"] == 1 / 201
    assert plain.family["nmi_null_mean"] < 0.1


def test_a_shuffle_within_strata_moves_no_class_across_strata():
    classes = np.array([0, 2, 1, 3, 1, 2, 0, 3, 3, 1])
    strata = np.array([0, 1, 0, 1, 0, 1, 0, 1, 1, 0])
    shuffled = _shuffled(classes, 2000, np.random.default_rng(0), strata)
    for stratum in (0, 1):
        members = np.flatnonzero(strata == stratum)
        expected = np.sort(classes[members])
        for row in shuffled[:, members]:
            np.testing.assert_array_equal(np.sort(row), expected)
    # 5!/(2! 3!) = 10 arrangements in each stratum: 2000 shuffles meet all 100 and nothing else
    assert len({tuple(row) for row in shuffled}) == 100
    plain = _shuffled(classes, 200, np.random.default_rng(0), None)
    np.testing.assert_array_equal(np.sort(plain, axis=1), np.tile(np.sort(classes), (200, 1)))
    assert any(sorted(row[strata == 0]) != sorted(classes[strata == 0]) for row in plain)


def test_song_bootstrap():
    def family(n_songs, seed):
        songs, y, clusters = song_coherent(np.random.default_rng(seed), n_songs=n_songs, chunks=5, n_classes=4, k=4,
                                           stay=0.8, signal=0.7)
        return song_runs(songs, y, [clusters])

    runs = family(100, 0)
    interval = song_bootstrap(runs, resamples=500, seed=1)
    assert interval == song_bootstrap(runs, resamples=500, seed=1)
    assert interval != song_bootstrap(runs, resamples=500, seed=2)
    observed, _ = observed_scores(runs)
    for m in ("nmi", "ari"):
        lo, hi = interval[m]
        assert lo < observed[m].mean() < hi

    wide = interval["nmi"][1] - interval["nmi"][0]
    narrow = song_bootstrap(family(400, 0), resamples=500, seed=1)
    assert narrow["nmi"][1] - narrow["nmi"][0] < 0.7 * wide  # 1/sqrt(4) = 0.5 expected
    assert narrow["ari"][1] - narrow["ari"][0] < 0.7 * (interval["ari"][1] - interval["ari"][0])

    songs = np.repeat(np.arange(30), 4)
    y = songs % 3
    perfect = song_bootstrap(song_runs(songs, y, [y, (y + 1) % 3]), resamples=200, seed=0)
    for m in ("nmi", "ari"):
        assert perfect[m] == pytest.approx((1.0, 1.0), abs=1e-12)


def test_benjamini_hochberg():
    # sorted 0.01, 0.03, 0.04, 0.2 times 4/rank: 0.04, 0.06, 0.0533, 0.2; then the running minimum from the top
    q = benjamini_hochberg([0.01, np.nan, 0.04, 0.03, 0.2])
    np.testing.assert_allclose(q, [0.04, np.nan, 0.16 / 3, 0.16 / 3, 0.2], rtol=1e-12)
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()

    p = np.random.default_rng(0).uniform(size=50) ** 3
    q = benjamini_hochberg(p)
    order = np.argsort(p)
    assert np.all(np.diff(q[order]) >= 0)  # a smaller p never gets a larger q
    assert np.all(q >= p) and np.all(q <= 1)


def test_song_runs_counts_per_song_and_refuses_two_classes_in_a_song():
    songs = np.array(["b", "a", "b", "a", "c"])
    y = np.array(["x", "y", "x", "y", "x"])
    first, second = np.array([5, 5, 7, 5, 7]), np.array([9, 9, 9, 9, 7])
    runs = song_runs(songs, y, [first, second])
    np.testing.assert_array_equal(runs.classes, [1, 0, 0])  # songs a, b, c; classes x, y
    # clusters 5, 7 and 9 share one code space across runs
    np.testing.assert_array_equal(runs.counts, [[[2, 0, 0], [1, 1, 0], [0, 1, 0]], [[0, 0, 2], [0, 0, 2], [0, 1, 0]]])
    np.testing.assert_array_equal(runs.observed()[0][:, :2], contingency_matrix(y, first))
    np.testing.assert_array_equal(runs.observed()[1][:, 1:], contingency_matrix(y, second))
    with pytest.raises(ValueError, match="different classes"):
        song_runs(songs, np.array(["x", "y", "y", "y", "x"]), [np.zeros(5, dtype=int)])


def test_the_bootstrap_interval_holds_the_estimate_where_repeated_songs_inflate_nmi():
    # ten classes of ten songs, a weak clustering: resampled songs repeat, and repeats raise NMI by
    # themselves, so the resampled scores sit above the estimate; the basic interval reflects that away
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(10), 10)
    clusters = np.where(rng.random(100) < 0.4, y, rng.integers(0, 10, 100))
    runs = song_runs(np.arange(100), y, [clusters])
    observed, _ = observed_scores(runs)
    interval = song_bootstrap(runs, resamples=1000, seed=0)
    for m in ("nmi", "ari"):
        lo, hi = interval[m]
        assert lo < observed[m][0] < hi
    # the shift is real: most resampled NMIs lie above the estimate, so a percentile interval would miss it
    per_song = np.einsum("sk,rsl->rskl", (runs.classes[:, None] == np.arange(10)).astype(np.int64), runs.counts)
    weights = np.random.default_rng(0).multinomial(100, np.full(100, 0.01), size=400)
    tables = np.einsum("bs,rskl->brkl", weights, per_song)[:, 0]
    resampled = table_scores(tables, accuracy=False)["nmi"]
    assert np.percentile(resampled, 2.5) > observed["nmi"][0]
