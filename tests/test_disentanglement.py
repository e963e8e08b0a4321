"""Known answers of MIG, DCI and SAP on constructed codes (musiclust.disentanglement), and the same
numbers as google-research/disentanglement_lib's own functions (tests/reference) on the same rows."""

from __future__ import annotations

import doctest
import functools
import types

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from musiclust import disentanglement as dm
from musiclust.disentanglement_inputs import _check_groups, _split
from tests.reference import disentanglement_lib_metrics as reference

SEED = 0


def make_factors(n_per: int = 60) -> dict[str, np.ndarray]:
    """2 languages x 4 genres, balanced: 8 cells of n_per rows (480 rows by default)."""
    language = np.repeat(np.array(["en", "fr"]), 4 * n_per)
    genre = np.tile(np.repeat(np.arange(4), n_per), 2)
    return {"language": language, "genre": genre}


def aligned_code(factors: dict[str, np.ndarray], noise_dims: int = 3, seed: int = 0) -> np.ndarray:
    """Dim 0 a noisy function of the language only, dim 1 of the genre only, then pure noise."""
    rng = np.random.default_rng(seed)
    n = len(factors["language"])
    language = np.where(factors["language"] == "fr", 1.0, -1.0) + 0.3 * rng.normal(size=n)
    genre = (factors["genre"] - 1.5) + 0.2 * rng.normal(size=n)
    return np.column_stack([language, genre, rng.normal(size=(n, noise_dims))])


def rotate_45(code: np.ndarray) -> np.ndarray:
    """Mix the two informative dims by a 45-degree rotation (the most mixing rotation in 2-D)."""
    c = s = np.sqrt(0.5)
    out = code.copy()
    out[:, :2] = code[:, :2] @ np.array([[c, -s], [s, c]])
    return out


def mix_all(code: np.ndarray, seed: int = 1) -> np.ndarray:
    """A seeded random orthogonal mixing of every dim: both factors spread over all dims."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(code.shape[1], code.shape[1])))
    return code @ q


@pytest.fixture(scope="module")
def factors():
    return make_factors()


@pytest.fixture(scope="module")
def scores(factors):
    """The five scores of each constructed code (computed once per module)."""
    aligned = aligned_code(factors)
    n = aligned.shape[0]
    codes = {
        "aligned": aligned,
        "rotated": rotate_45(aligned),
        "mixed": mix_all(aligned),
        "constant": np.zeros((n, 5)),
        "noise": np.random.default_rng(2).normal(size=(n, 5)),
    }
    return {name: dm.disentanglement_scores(code, factors, seed=SEED) for name, code in codes.items()}


# ------------------------------------------------------------------ constructed codes


def test_keys_and_range(scores):
    for result in scores.values():
        assert tuple(result) == dm.SCORE_KEYS
        for value in result.values():
            assert isinstance(value, float)
            assert 0.0 <= value <= 1.0 + 1e-12


def test_aligned_code_scores_high(scores):
    s = scores["aligned"]
    # MIG is normalised by H(factor): 1 means one dim holds all of it and no other any.
    assert s["mig"] > 0.85
    assert s["dci_disentanglement"] > 0.9
    assert s["dci_completeness"] > 0.9
    assert s["dci_informativeness"] > 0.95
    # SAP is a gap between test accuracies, so the second-best dim scores at least about
    # chance (1/2 for language, 1/4 for genre), and a linear classifier on one dim finds the two
    # outer genres but not the two middle ones (about 1/2, test below): about (0.5 + 0.25) / 2.
    assert s["sap"] > 0.3


def test_aligned_sap_matrix_picks_the_right_dims(factors):
    matrix = dm.sap_score_matrix(aligned_code(factors), factors, seed=SEED)
    assert matrix.shape == (5, 2)
    # Language from dim 0. Genre from dim 1 with disentanglement_lib's one-vs-rest LinearSVC: each
    # class is one line over dim 1, and the two middle genres, lying between the outer two, are
    # rarely the top line, so about half the rows are right (chance: 1/4).
    assert matrix[0, 0] > 0.95 and matrix[1, 1] > 0.5
    assert np.argmax(matrix[:, 0]) == 0 and np.argmax(matrix[:, 1]) == 1


def test_aligned_importance_is_diagonal(factors):
    importance, accuracy = dm.dci_importance(aligned_code(factors), factors, seed=SEED)
    assert importance.shape == (5, 2)
    np.testing.assert_allclose(importance.sum(axis=0), 1.0)
    assert importance[0, 0] > 0.9 and importance[1, 1] > 0.9
    assert np.all(accuracy > 0.95)


@pytest.mark.parametrize("name", ["rotated", "mixed"])
def test_entangled_codes_score_lower(scores, name):
    aligned, entangled = scores["aligned"], scores[name]
    assert aligned["mig"] - entangled["mig"] > 0.5
    assert aligned["dci_disentanglement"] - entangled["dci_disentanglement"] > 0.5
    assert aligned["sap"] - entangled["sap"] > 0.2
    # The information is still there, only spread across dims.
    assert entangled["dci_informativeness"] > 0.85


def test_rotated_code_scores_low(scores):
    s = scores["rotated"]
    assert s["mig"] < 0.15
    assert s["dci_disentanglement"] < 0.2
    assert s["sap"] < 0.15


def test_constant_code(scores):
    s = scores["constant"]
    assert s["mig"] == 0.0
    assert s["sap"] == 0.0
    # No tree can split: all-zero importance matrix, both DCI scores 0 (not NaN).
    assert s["dci_disentanglement"] == 0.0
    assert s["dci_completeness"] == 0.0
    # Chance on a balanced stratified test set: mean of 1/2 (language) and 1/4 (genre).
    assert s["dci_informativeness"] == pytest.approx(0.375, abs=0.01)


def test_noise_code(scores):
    s = scores["noise"]
    assert s["mig"] < 0.05
    assert s["sap"] < 0.1
    assert s["dci_informativeness"] < 0.5
    assert s["dci_disentanglement"] < 0.2


# ---------------------------------------------------------------------- MIG details


def test_mig_exact_copy_of_factor_is_one(factors):
    genre = factors["genre"].astype(float)
    language = (factors["language"] == "fr").astype(float)
    codes = np.column_stack([language, genre, np.zeros_like(genre)])
    assert dm.mig(codes, factors) == pytest.approx(1.0)
    # Swapping the columns swaps nothing in the score.
    assert dm.mig(codes[:, ::-1], factors) == pytest.approx(1.0)
    # One dim copying both factors' information (genre + 4 * language) leaves no gap for
    # either factor when a second copy exists.
    both = 4 * language + genre
    assert dm.mig(np.column_stack([both, both]), factors) == pytest.approx(0.0)


def test_histogram_discretize_matches_reference():
    rng = np.random.default_rng(3)
    codes = np.column_stack([rng.normal(size=50), np.full(50, 2.0)])
    out = dm.histogram_discretize(codes, 20)
    ref = np.digitize(codes[:, 0], np.histogram(codes[:, 0], 20)[1][:-1])
    np.testing.assert_array_equal(out[:, 0], ref)
    assert out[:, 0].min() == 1 and out[:, 0].max() == 20
    assert len(np.unique(out[:, 1])) == 1  # a constant dim is one bin


def test_mutual_information_matrix(factors):
    m = dm.mutual_information_matrix(aligned_code(factors), factors)
    assert m.shape == (5, 2)
    assert m[0, 0] == pytest.approx(np.log(2), rel=0.05)
    assert m[1, 1] > 0.9 * np.log(4)


# ---------------------------------------------------------------------- DCI details


def test_importance_known_answers():
    assert dm.disentanglement_from_importance(np.eye(3)) == pytest.approx(1.0)
    assert dm.completeness_from_importance(np.eye(3)) == pytest.approx(1.0)
    assert dm.disentanglement_from_importance(np.ones((3, 3))) == pytest.approx(0.0)
    assert dm.completeness_from_importance(np.ones((3, 3))) == pytest.approx(0.0)
    # An unused dim (all-zero row) has weight 0: same scores as without it.
    r = np.array([[0.7, 0.1], [0.3, 0.9], [0.0, 0.0]])
    assert dm.disentanglement_from_importance(r) == pytest.approx(dm.disentanglement_from_importance(r[:2]))
    # Each dim serves one factor, but factor 0 is spread evenly over two dims and
    # factor 1 over none (all-zero column, weight 0).
    r = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert dm.disentanglement_from_importance(r) == pytest.approx(1.0)
    assert dm.completeness_from_importance(r) == pytest.approx(0.0)
    # All zero: 0, not NaN. Hand-computed mixed case.
    assert dm.disentanglement_from_importance(np.zeros((4, 2))) == 0.0
    assert dm.completeness_from_importance(np.zeros((4, 2))) == 0.0
    r = np.array([[0.5, 0.5], [1.0, 0.0]])
    assert dm.disentanglement_from_importance(r) == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    h = -(2 / 3 * np.log2(2 / 3) + 1 / 3 * np.log2(1 / 3))
    assert dm.completeness_from_importance(r) == pytest.approx(0.75 * (1 - h) + 0.25 * 1.0)


def test_importance_errors():
    with pytest.raises(ValueError, match="non-negative"):
        dm.disentanglement_from_importance(np.array([[1.0, -0.1], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="2-D"):
        dm.completeness_from_importance(np.ones(3))


def test_dci_one_dim_and_singleton_class(factors):
    code = aligned_code(factors)[:, :1]
    result = dm.dci(code, {"language": factors["language"]}, seed=SEED)
    assert result["completeness"] == 1.0 and result["disentanglement"] == 1.0
    # A class with one row cannot be stratified: falls back to a plain seeded split.
    genre = factors["genre"].copy()
    genre[0] = 9
    result = dm.dci(aligned_code(factors), {"genre": genre}, seed=SEED)
    assert result["informativeness"] > 0.9


# ------------------------------------------------------ determinism, encoding, wide codes


def test_deterministic_for_a_seed(factors):
    code = mix_all(aligned_code(factors))
    first = dm.disentanglement_scores(code, factors, seed=7)
    assert dm.disentanglement_scores(code, factors, seed=7) == first


def test_label_types_and_factor_forms(factors):
    code = aligned_code(factors)
    as_strings = {"language": factors["language"], "genre": np.array([f"g{g}" for g in factors["genre"]])}
    assert dm.disentanglement_scores(code, as_strings, seed=SEED) == dm.disentanglement_scores(code, factors, seed=SEED)
    stacked = np.column_stack([(factors["language"] == "fr").astype(int), factors["genre"]])
    assert dm.mig(code, stacked) == dm.mig(code, factors)
    assert dm.sap(code, stacked, seed=SEED) == dm.sap(code, factors, seed=SEED)
    assert dm.mig(code, factors["genre"]) == dm.mig(code, {"genre": factors["genre"]})


@pytest.mark.slow
def test_wide_code_is_capped():
    from musiclust.linalg import project, randomized_pca

    small = make_factors(n_per=10)  # 80 rows
    n = len(small["genre"])
    rng = np.random.default_rng(4)
    wide = rng.normal(size=(n, 16_384))  # a raw-pixel-sized code
    wide[:, :50] += 2.0 * (small["language"] == "fr")[:, None]
    importance, accuracy = dm.dci_importance(wide, small, seed=SEED, max_dims=16)
    assert importance.shape == (16, 2)
    assert accuracy[0] > 0.9  # language survives in the leading components
    # The cap is the seeded randomized PCA: same numbers as passing the components directly.
    pca = randomized_pca(wide, 16, SEED)
    pcs = project(wide, pca.mean, pca.components)
    assert dm.mig(wide, small, max_dims=16, seed=SEED) == dm.mig(pcs, small, max_dims=None)
    # A cap below N - 1 = 79 components still applies: at most N - 1 components.
    assert dm.sap_score_matrix(wide[:, :300], small, seed=SEED, max_dims=200).shape == (79, 2)
    # The default cap, 2048, replaces the 16,384 raw dims by N - 1 = 79 components.
    first = dm.disentanglement_scores(wide, small, seed=SEED)
    assert first == dm.disentanglement_scores(wide, small, seed=SEED)
    assert first["dci_informativeness"] > 0.6


def test_code_under_the_cap_keeps_its_axes():
    from musiclust.disentanglement_inputs import _cap_dims

    small = make_factors(n_per=5)  # 40 rows
    rng = np.random.default_rng(4)
    code = rng.normal(size=(40, 260))  # wider than N and than the former cap of 256
    code[:, 0] += 2.0 * (small["language"] == "fr")
    assert dm.MAX_DIMS == 2048
    assert _cap_dims(code, dm.MAX_DIMS, SEED) is code  # not replaced by N - 1 = 39 components
    assert dm.disentanglement_scores(code, small, seed=SEED) == dm.disentanglement_scores(
        code, small, seed=SEED, max_dims=None)


# ------------------------------------------------------------------------ input errors


def test_input_errors(factors):
    code = aligned_code(factors)
    bad = code.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        dm.disentanglement_scores(bad, factors, seed=SEED)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="finite"):
        dm.dci(bad, factors, seed=SEED)
    with pytest.raises(ValueError, match="2-D"):
        dm.mig(code[:, 0], factors)
    with pytest.raises(ValueError, match="'genre' has 479 labels but codes have 480 rows"):
        dm.disentanglement_scores(code, {**factors, "genre": factors["genre"][:-1]}, seed=SEED)
    with pytest.raises(ValueError, match="'mood' has only 1 class"):
        dm.disentanglement_scores(code, {**factors, "mood": np.full(len(code), "calm")}, seed=SEED)
    with pytest.raises(ValueError, match="'mood' has only 1 class"):
        dm.sap(code, {"mood": np.zeros(len(code), dtype=int)}, seed=SEED)
    for fn in (lambda c: dm.mig(c, factors), lambda c: dm.sap(c, factors, seed=SEED),
               lambda c: dm.disentanglement_scores(c, factors, seed=SEED)):
        with pytest.raises(ValueError, match="at least 2 dimension"):
            fn(code[:, :1])
    with pytest.raises(ValueError, match="at least one factor"):
        dm.disentanglement_scores(code, {}, seed=SEED)
    with pytest.raises(ValueError, match="mapping"):
        dm.disentanglement_scores(code, factors["genre"], seed=SEED)
    with pytest.raises(ValueError, match="test_fraction"):
        dm.dci(code, factors, seed=SEED, test_fraction=1.0)
    with pytest.raises(ValueError, match="seed"):
        dm.sap(code, factors, seed=0.5)
    with pytest.raises(ValueError, match="bins"):
        dm.mig(code, factors, bins=1)
    with pytest.raises(ValueError, match="max_dims"):
        dm.mig(code, factors, max_dims=1)
    with pytest.raises(ValueError, match="missing"):
        dm.mig(code, {"x": np.where(factors["genre"] == 0, np.nan, 1.0)})
    with pytest.raises(ValueError, match="cannot be sorted"):
        dm.mig(code, {"x": np.array(["a", None] * (len(code) // 2), dtype=object)})


def test_module_docstring_example():
    result = doctest.testmod(dm, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_input_errors_of_groups_and_floor(factors):
    code = aligned_code(factors)
    n = len(code)
    with pytest.raises(ValueError, match="groups must be an"):
        dm.dci(code, factors, seed=SEED, groups=np.arange(n - 1))
    with pytest.raises(ValueError, match="missing"):
        dm.sap(code, factors, seed=SEED, groups=np.where(np.arange(n) == 0, np.nan, 1.0))
    with pytest.raises(ValueError, match="at least 2 distinct ids"):
        dm.disentanglement_scores(code, factors, seed=SEED, groups=np.zeros(n))
    with pytest.raises(ValueError, match="draws must be an int >= 1"):
        dm.random_code_floor(n, 5, factors, seed=SEED, draws=0)
    with pytest.raises(ValueError, match="n_dims must be an int >= 2"):
        dm.random_code_floor(n, 1, factors, seed=SEED)
    with pytest.raises(ValueError, match="'language' has 480 labels but codes have 479 rows"):
        dm.random_code_floor(n - 1, 5, factors, seed=SEED)


# --------------------------------------------------------------------- splits by song


def songs_code(n_songs: int = 64, chunks: int = 8, dims: int = 8, seed: int = 5):
    """A code that only memorises songs: each song a random vector (its chunks that vector plus a
    little noise), the factors constant per song but unrelated to the vectors."""
    rng = np.random.default_rng(seed)
    song = np.repeat(np.arange(n_songs), chunks)
    factors = {"language": song % 2, "genre": (song // 2) % 4}
    code = rng.normal(size=(n_songs, dims))[song] + 0.05 * rng.normal(size=(n_songs * chunks, dims))
    return code, factors, song


def test_split_by_groups_keeps_each_group_on_one_side():
    _, factors, song = songs_code()
    groups = _check_groups(np.array([f"track{s:02d}" for s in song]), len(song))
    for seed in (0, 1):
        train, test = _split(factors["genre"], seed, 0.3, "genre", groups)
        assert not set(song[train]) & set(song[test])
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(len(song)))
        # First of 3 folds of whole songs (8 chunks each), stratified: every genre on both sides.
        assert len(test) % 8 == 0 and 0.25 < len(test) / len(song) < 0.42
        assert set(factors["genre"][test]) == set(factors["genre"][train]) == {0, 1, 2, 3}
        again = _split(factors["genre"], seed, 0.3, "genre", groups)
        np.testing.assert_array_equal(again[1], test)
    # Fewer groups than folds: GroupShuffleSplit, still no group on both sides.
    two = (song >= 32).astype(int)
    train, test = _split(factors["language"], 0, 0.3, "language", _check_groups(two, len(song)))
    assert set(two[train]).isdisjoint(two[test])


def test_code_memorising_songs_scores_chance_when_split_by_song():
    code, factors, song = songs_code()
    # Chance: the majority share, 1/2 for language and 1/4 for genre, mean 0.375.
    by_row = dm.dci(code, factors, seed=SEED)
    by_song = dm.dci(code, factors, seed=SEED, groups=song)
    assert by_row["informativeness"] > 0.9  # test chunks of songs seen in training: recognised
    assert by_song["informativeness"] < 0.45
    scores = dm.disentanglement_scores(code, factors, seed=SEED, groups=song)
    assert scores["dci_informativeness"] == by_song["informativeness"]
    assert scores["sap"] == dm.sap(code, factors, seed=SEED, groups=song)
    assert scores["mig"] == dm.mig(code, factors)  # no split: groups change nothing
    assert scores == dm.disentanglement_scores(code, factors, seed=SEED, groups=song)


# --------------------------------------------------------------------- random-code floor


def test_random_code_floor():
    n = 100
    factors = {"two": np.arange(n) % 2, "five": np.arange(n) % 5}
    rounds = 10  # fewer boosting rounds than the default, the same for the floor and the codes
    floor = dm.random_code_floor(n, 64, factors, seed=SEED, n_estimators=rounds)
    assert tuple(floor) == dm.SCORE_KEYS
    for stats in floor.values():
        assert set(stats) == {"mean", "p95"} and 0.0 <= stats["mean"] <= stats["p95"] <= 1.0
    # Noise is not zero: the plug-in MI of 64 dims in 20 bins against 100 rows is biased upwards.
    assert 0.0 < floor["mig"]["mean"] < 0.1
    # One draw: the scores of the first noise code of the seed, scored as any code.
    noise = np.random.default_rng(SEED).standard_normal((n, 64))
    one = dm.random_code_floor(n, 64, factors, seed=SEED, draws=1, n_estimators=rounds)
    expected = dm.disentanglement_scores(noise, factors, seed=SEED, n_estimators=rounds)
    assert one == {key: {"mean": value, "p95": value} for key, value in expected.items()}
    # A planted code (dim 0 the binary factor, dim 1 the five-class one) clears every p95.
    planted = np.random.default_rng(1).normal(size=(n, 64))
    planted[:, 0] = factors["two"] + 0.1 * planted[:, 0]
    planted[:, 1] = factors["five"] + 0.1 * planted[:, 1]
    scores = dm.disentanglement_scores(planted, factors, seed=SEED, n_estimators=rounds)
    for key in dm.SCORE_KEYS:
        assert scores[key] > floor[key]["p95"], key


# ------------------------------------------------------- parity with disentanglement_lib


@pytest.fixture(scope="module")
def parity_inputs():
    """300 rows, 10 dims, two factors (3 and 4 classes): dims 0 and 1 noisy copies of one factor
    each, dim 2 a mixture of both, dim 3 a coarse copy of factor 0, the rest noise."""
    rng = np.random.default_rng(11)
    n = 300
    y = np.column_stack([rng.integers(0, 3, n), rng.integers(0, 4, n)])
    code = rng.normal(size=(n, 10))
    code[:, 0] += 2.0 * y[:, 0]
    code[:, 1] += 1.5 * y[:, 1]
    code[:, 2] += y[:, 0] + y[:, 1]
    code[:, 3] = np.round(code[:, 0])
    return code, y


def reference_on_our_splits(function, code, y):
    """Call a reference function (library layout: codes (D, N), factors (K, N)) once per factor on the
    rows of our split for that factor (the library has one split for all factors, ours one per
    factor, see the module docstring); returns the per-factor results."""
    results = []
    for k in range(y.shape[1]):
        train, test = _split(y[:, k], SEED, dm.TEST_FRACTION, f"factor {k}")
        results.append(function(code[train].T, y[train, k][None, :], code[test].T, y[test, k][None, :]))
    return results


def test_mig_equals_reference(parity_inputs):
    code, y = parity_inputs
    discretized = reference.make_discretizer(code.T)
    np.testing.assert_array_equal(dm.histogram_discretize(code), discretized.T)
    np.testing.assert_array_equal(dm.mutual_information_matrix(code, y), reference.discrete_mutual_info(discretized, y.T))
    # MIG uses all rows, in the library too: no split to share.
    assert dm.mig(code, y) == reference._compute_mig(code.T, y.T)["discrete_mig"]


def test_dci_equals_reference(parity_inputs, monkeypatch):
    code, y = parity_inputs
    # The library's GradientBoostingClassifier() is unseeded; ours has random_state=seed (it breaks
    # ties between equally good splits). Seeding the reference's trees the same way makes the two
    # bit-identical, so the comparison is exact.
    seeded = functools.partial(GradientBoostingClassifier, random_state=SEED)
    monkeypatch.setattr(reference, "ensemble", types.SimpleNamespace(GradientBoostingClassifier=seeded))
    columns = reference_on_our_splits(reference.compute_importance_gbt, code, y)
    importance_ref = np.column_stack([matrix[:, 0] for matrix, _, _ in columns])
    accuracy_ref = np.array([test_accuracy for _, _, test_accuracy in columns])
    importance, accuracy = dm.dci_importance(code, y, seed=SEED)
    np.testing.assert_array_equal(importance, importance_ref)
    np.testing.assert_array_equal(accuracy, accuracy_ref)
    result = dm.dci(code, y, seed=SEED)
    assert result["disentanglement"] == reference.disentanglement(importance_ref)
    assert result["completeness"] == reference.completeness(importance_ref)
    assert result["informativeness"] == np.mean(accuracy_ref)
    # Not a trivial case: dims 0 and 3 share factor 0, dim 2 serves both factors.
    assert 0.3 < result["disentanglement"] < 0.95 and 0.3 < result["completeness"] < 0.95


def test_disentanglement_and_completeness_equal_reference():
    rng = np.random.default_rng(12)
    dense = rng.random((6, 3))
    with_unused = dense.copy()
    with_unused[2] = 0.0
    with_unused[:, 1] = 0.0
    for matrix in (dense, with_unused, np.eye(4), np.ones((3, 5)), np.zeros((4, 2)), rng.random((2, 7))):
        # Ours is the library's value clipped to [0, 1] (float rounding around an all-zero matrix).
        assert dm.disentanglement_from_importance(matrix) == np.clip(reference.disentanglement(matrix), 0, 1)
        assert dm.completeness_from_importance(matrix) == np.clip(reference.completeness(matrix), 0, 1)


def test_sap_equals_reference(parity_inputs):
    code, y = parity_inputs
    # LinearSVC on one feature uses liblinear's deterministic primal solver: the library's unseeded
    # classifier and ours (random_state=seed) agree exactly without patching.
    columns = reference_on_our_splits(functools.partial(reference.compute_score_matrix, continuous_factors=False),
                                      code, y)
    matrix_ref = np.column_stack([column[:, 0] for column in columns])
    np.testing.assert_array_equal(dm.sap_score_matrix(code, y, seed=SEED), matrix_ref)
    assert dm.sap(code, y, seed=SEED) == reference.compute_avg_diff_top_two(matrix_ref)
    # Not a trivial case: factor 0 is best read from dims 0 and 3 (its copies), well above chance.
    assert set(np.argsort(matrix_ref[:, 0])[-2:]) == {0, 3} and matrix_ref[0, 0] > 0.6
