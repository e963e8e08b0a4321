"""Claims between representations as tests over training seeds, and the runs table they and the
score summaries are recomputed from."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from musiclust import claims
from musiclust.claims import Comparison, holm, paired_test, seed_means, sentence, verdict
from musiclust.metrics import RUN_COLUMNS, ChanceParams, score_representation, summarise
from musiclust.representations import Representation

CLUSTER_OFFSETS = np.array([-0.02, -0.01, 0.0, 0.01, 0.02])  # sum to zero: a seed's mean is what it was given


def runs_table(seed_values: dict[str, dict[int, float]], *, target="genre", metric="nmi") -> pd.DataFrame:
    """A runs table (``RUN_COLUMNS``) in which representation r, training seed s has the mean
    ``seed_values[r][s]`` over five clustering seeds, beside rows of another metric, algorithm and
    level that no claim on ``metric`` of k-means chunks may read."""
    rows = []
    for representation, per_seed in seed_values.items():
        for train_seed, mean in per_seed.items():
            for cluster_seed, offset in enumerate(CLUSTER_OFFSETS):
                rows.append((representation, "kmeans", "chunk", target, 4, train_seed, cluster_seed, metric,
                             mean + offset))
                rows.append((representation, "kmeans", "chunk", target, 4, train_seed, cluster_seed, "other", 9.0))
                rows.append((representation, "agglomerative", "chunk", target, 4, train_seed, cluster_seed, metric, 9.0))
                rows.append((representation, "kmeans", "track_vote", target, 4, train_seed, cluster_seed, metric, 9.0))
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def seeds(values, first=0) -> dict[int, float]:
    return {first + i: float(v) for i, v in enumerate(values)}


BASE = np.array([0.40, 0.43, 0.38, 0.41, 0.42])  # B's seed means; others are B plus a difference per seed


def results_of(table, comparisons, margin=0.02):
    return {(c["a"], c["b"]): c for c in claims.tested_claims(table, comparisons, algorithm="kmeans", level="chunk",
                                                       metric="nmi", margin=margin)}


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1: 0.04, 0.09, 0.08, 0.2; then the running maximum
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.2]), [0.04, 0.09, 0.09, 0.2], rtol=1e-12)
    adjusted = holm([np.nan, 0.01, 0.04, np.nan, 0.03, 0.2])  # NaN kept, and not counted
    assert np.isnan(adjusted[[0, 3]]).all()
    np.testing.assert_allclose(adjusted[[1, 2, 4, 5]], [0.04, 0.09, 0.09, 0.2], rtol=1e-12)
    np.testing.assert_array_equal(holm([0.5, 0.6]), [1.0, 1.0])
    assert holm([]).shape == (0,)


def test_holm_is_a_monotone_step_down():
    p = np.random.default_rng(0).uniform(size=40) ** 4
    adjusted = holm(p)
    order = np.argsort(p)
    assert np.all(np.diff(adjusted[order]) >= 0)
    assert np.all(adjusted >= p) and np.all(adjusted <= 1)
    assert adjusted[order[0]] == pytest.approx(min(1.0, 40 * p[order[0]]), rel=1e-12)  # Bonferroni at the first step


def test_paired_test_on_shared_seeds_is_a_paired_t_test():
    rng = np.random.default_rng(1)
    a = pd.Series(rng.normal(0.5, 0.03, 5), index=range(5))
    b = pd.Series(a.to_numpy() - 0.02 + rng.normal(0, 0.01, 5), index=range(5))
    out = paired_test(a, b, margin=0.05)
    assert out["test"] == "paired t" and out["n"] == 5
    assert out["p"] == pytest.approx(stats.ttest_rel(a, b).pvalue, rel=1e-12)
    assert out["diff"] == pytest.approx(a.mean() - b.mean(), abs=1e-15)
    # two one-sided tests of the mean difference against -margin and +margin
    d = (a - b).to_numpy()
    se = d.std(ddof=1) / np.sqrt(5)
    lower = stats.t.sf((d.mean() + 0.05) / se, 4)
    upper = stats.t.cdf((d.mean() - 0.05) / se, 4)
    assert out["p_equivalence"] == pytest.approx(max(lower, upper), rel=1e-9)


def test_paired_test_on_different_seeds_is_welchs():
    rng = np.random.default_rng(2)
    a = pd.Series(rng.normal(0.5, 0.03, 5), index=range(5))
    b = pd.Series(rng.normal(0.45, 0.06, 4), index=range(10, 14))
    out = paired_test(a, b, margin=0.05)
    assert out["test"] == "Welch t" and out["n"] == 4
    assert out["p"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-12)
    same_count = pd.Series(rng.normal(0.45, 0.06, 5), index=range(10, 15))  # as many seeds, not the same ones
    assert paired_test(a, same_count, margin=0.05)["p"] == pytest.approx(
        stats.ttest_ind(a, same_count, equal_var=False).pvalue, rel=1e-12)


def test_paired_test_against_a_deterministic_side_is_a_one_sample_test():
    rng = np.random.default_rng(3)
    varied = pd.Series(rng.normal(0.5, 0.03, 5), index=range(5))
    fixed = pd.Series([0.47], index=[-1])
    out = paired_test(varied, fixed, margin=0.05)
    assert out["test"] == "one-sample t" and out["n"] == 5
    assert out["p"] == pytest.approx(stats.ttest_1samp(varied, 0.47).pvalue, rel=1e-12)
    assert out["diff"] == pytest.approx(varied.mean() - 0.47, abs=1e-15)
    swapped = paired_test(fixed, varied, margin=0.05)  # the same test, the difference the other way
    assert swapped["p"] == pytest.approx(out["p"], rel=1e-12)
    assert swapped["p_equivalence"] == pytest.approx(out["p_equivalence"], rel=1e-12)
    assert swapped["diff"] == pytest.approx(-out["diff"], abs=1e-15)


def test_paired_test_with_nothing_varying_tests_nothing():
    out = paired_test(pd.Series([0.5], index=[-1]), pd.Series([0.4], index=[-1]), margin=0.05)
    assert out["test"].startswith("none") and np.isnan(out["p"]) and np.isnan(out["p_equivalence"])
    assert out["diff"] == pytest.approx(0.1)
    assert verdict(out["diff"], out["p"], out["p_equivalence"], alpha=0.05) == "not tested"


def test_equivalence_is_shown_for_tiny_consistent_differences_only():
    a = pd.Series(BASE, index=range(5))
    tiny = paired_test(a, a - 0.001 + np.array([1, -1, 2, -2, 0]) * 1e-4, margin=0.02)
    noisy = paired_test(a, a - 0.001 + np.array([1, -1, 2, -2, 0]) * 3e-2, margin=0.02)
    assert tiny["p_equivalence"] < 1e-4
    assert noisy["p_equivalence"] > 0.2
    assert noisy["p"] > 0.5  # and no difference shown either


def test_seed_means_read_only_their_rows():
    table = runs_table({"A": seeds(BASE + 0.1), "B": seeds(BASE)})
    means = seed_means(table, "A", algorithm="kmeans", level="chunk", target="genre", metric="nmi")
    np.testing.assert_allclose(means.to_numpy(), BASE + 0.1, atol=1e-15)
    assert list(means.index) == [0, 1, 2, 3, 4]


def test_tested_claims_verdicts():
    differences = np.array([1, -1, 2, -2, 0])
    table = runs_table({
        "A": seeds(BASE + 0.2 + differences * 0.005),   # clearly above B
        "B": seeds(BASE),
        "C": seeds(BASE + differences * 0.0005),        # B within noise far below the margin
        "D": seeds(BASE + differences * 0.08),          # B on average, too noisy to say more
        "stats": {-1: 0.30},                            # deterministic: one value
    })
    comparisons = [Comparison("A", "B", "genre"), Comparison("C", "B", "genre"), Comparison("D", "B", "genre"),
                   Comparison("B", "A", "genre"), Comparison("A", "stats", "genre"),
                   Comparison("missing", "B", "genre"), Comparison("A", "B", "language")]
    results = results_of(table, comparisons)
    assert set(results) == {("A", "B"), ("C", "B"), ("D", "B"), ("B", "A"), ("A", "stats")}  # the rest: no rows
    assert results["A", "B"]["verdict"] == "above" and results["B", "A"]["verdict"] == "below"
    assert results["C", "B"]["verdict"] == "level with"
    assert results["D", "B"]["verdict"] == "no difference detected"
    assert results["A", "stats"]["test"] == "one-sample t" and results["A", "stats"]["verdict"] == "above"
    assert results["A", "B"]["mean_a"] == pytest.approx(BASE.mean() + 0.2, abs=1e-12)
    assert results["A", "B"]["mean_b"] == pytest.approx(BASE.mean(), abs=1e-12)
    assert (results["A", "B"]["seeds_a"], results["A", "stats"]["seeds_b"]) == (5, 1)
    # both families of p-values are Holm-adjusted over the five claims
    for key in ("p", "p_equivalence"):
        raw = [results[pair][key] for pair in results]
        np.testing.assert_allclose([results[pair][f"{key}_holm"] for pair in results], holm(raw), rtol=1e-12)


def test_holm_across_claims_can_undo_a_marginal_difference():
    # E is above B by 0.05 with a paired t of about 4.4 on 4 df: p near 0.012 alone, about 0.13 among 11
    marginal = {"B": seeds(BASE), "E": seeds(BASE + 0.05 + np.array([3, -3, 2, -2, 0]) * 0.01)}
    alone = results_of(runs_table(marginal), [Comparison("E", "B", "genre")])["E", "B"]
    assert alone["p"] < 0.05 and alone["p_holm"] == alone["p"] and alone["verdict"] == "above"

    nulls = {f"N{i}": seeds(BASE + np.roll([0.06, -0.06, 0.03, -0.03, 0.0], i)) for i in range(10)}
    crowded = results_of(runs_table({**marginal, **nulls}),
                        [Comparison("E", "B", "genre")] + [Comparison(name, "B", "genre") for name in nulls])
    among = crowded["E", "B"]
    assert among["p"] == pytest.approx(alone["p"], rel=1e-12)
    assert among["p_holm"] == pytest.approx(min(1.0, 11 * alone["p"]), rel=1e-12)  # the smallest of 11
    assert among["verdict"] == "no difference detected"  # and 0.05 is not within a margin of 0.02


def test_sentences_carry_the_numbers_behind_them():
    differences = np.array([1, -1, 2, -2, 0])
    table = runs_table({"A": seeds(BASE + 0.2 + differences * 0.005), "B": seeds(BASE),
                        "C": seeds(BASE + differences * 0.0005), "D": seeds(BASE + differences * 0.08)})
    results = results_of(table, [Comparison(name, "B", "genre") for name in "ACD"])
    for claim in results.values():
        text = claim["sentence"]
        assert f"{claim['mean_a']:.2f}" in text and f"{claim['mean_b']:.2f}" in text
        shown = claim["p_equivalence_holm"] if claim["verdict"] == "level with" else claim["p_holm"]
        assert f"p = {shown:.3g}" in text
        assert claim["verdict"] in text
        assert text == sentence(claim, metric="nmi", margin=0.02)
    assert "within ±0.02" in results["C", "B"]["sentence"]
    untested = {"a": "x", "b": "y", "target": "language_genre", "mean_a": 0.5, "mean_b": 0.25, "verdict": "not tested",
                "test": "none (one training seed each)"}
    assert sentence(untested, metric="nmi", margin=0.02) == (
        "`x` vs `y` on language×genre: NMI 0.50 vs 0.25; not tested (none (one training seed each)).")


def recomputed(runs: pd.DataFrame) -> pd.DataFrame:
    """The score summaries a reader recomputes from ``runs.parquet``: the mean over clustering seeds
    per training seed, then the mean, sd and 95% t-interval (n - 1 df) over those seed means."""
    keys = ["algorithm", "level", "representation", "target", "metric"]
    per_seed = runs.groupby(keys + ["train_seed"])["value"].mean()
    out = per_seed.groupby(keys).agg(mean="mean", sd="std", seeds="count")
    out["ci95"] = stats.t.ppf(0.975, out["seeds"] - 1) * out["sd"] / np.sqrt(out["seeds"])
    out["runs"] = runs.groupby(keys)["value"].size()
    return out


def test_summaries_are_recomputed_from_the_runs_table():
    rng = np.random.default_rng(4)
    rows = [(representation, "kmeans", "chunk", "genre", 4, train_seed, cluster_seed, metric, rng.uniform())
            for representation, train_seeds in (("A", range(5)), ("B", [0, 3, 7]), ("stats", [-1]))
            for train_seed in train_seeds for cluster_seed in range(rng.integers(1, 6)) for metric in ("nmi", "ari")]
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS)
    expected = recomputed(runs)
    for key, group in runs.groupby(["algorithm", "level", "representation", "target", "metric"]):
        summary = summarise(group["train_seed"], group["value"])
        row = expected.loc[key]
        assert summary["mean"] == pytest.approx(row["mean"], rel=1e-12)
        assert (summary["seeds"], summary["runs"]) == (row["seeds"], row["runs"])
        if row["seeds"] == 1:  # one training seed: no spread, no interval
            assert np.isnan(summary["sd"]) and np.isnan(summary["ci95"])
        else:
            assert summary["sd"] == pytest.approx(row["sd"], rel=1e-12)
            assert summary["ci95"] == pytest.approx(row["ci95"], rel=1e-12)


def test_scored_representations_are_recomputed_from_their_runs():
    # two training seeds of one representation, three k-means runs each; scores against a 3-genre target
    rng = np.random.default_rng(5)
    track_ids = [f"t{i:02d}" for i in range(30)]
    keys = pd.DataFrame([(t, c) for t in track_ids for c in range(4)], columns=["track_id", "chunk"])
    genre = pd.Series(np.array(["folk", "pop", "rock"])[np.arange(30) % 3], index=track_ids)
    code = {"folk": 0, "pop": 1, "rock": 2}
    truth = genre.reindex(keys["track_id"]).map(code).to_numpy()
    members = []
    for train_seed in (0, 1):
        features = rng.normal(size=(len(keys), 3)) + truth[:, None]
        rep = Representation("model", "chunk", keys, features, train_seed=train_seed)
        assignments = pd.concat([keys.assign(algorithm="kmeans", k=3, seed=seed,
                                             cluster=np.where(rng.random(len(keys)) < 0.7, truth,
                                                              rng.integers(0, 3, len(keys))))
                                 for seed in range(3)], ignore_index=True)
        members.append((rep, assignments, None))
    records, run_records = score_representation(members, {"genre": genre}, chance=ChanceParams(draws=0))
    scores = pd.DataFrame(records, columns=["algorithm", "level", "representation", "target", "metric", "value", "sd",
                                            "ci95", "runs", "seeds", "boot_lo", "boot_hi"])
    runs = pd.DataFrame(run_records, columns=RUN_COLUMNS)
    assert {"nmi", "ari", "ami", "accuracy", "purity", "silhouette"} <= set(scores["metric"])
    expected = recomputed(runs)
    for row in scores.itertuples(index=False):
        again = expected.loc[(row.algorithm, row.level, row.representation, row.target, row.metric)]
        assert row.value == pytest.approx(again["mean"], rel=1e-12, abs=1e-15)
        assert row.sd == pytest.approx(again["sd"], rel=1e-12, abs=1e-15)
        assert row.ci95 == pytest.approx(again["ci95"], rel=1e-12, abs=1e-15)
        assert (row.runs, row.seeds) == (again["runs"], again["seeds"]) == (3 * 2, 2)
    levels = set(scores["level"])
    assert levels == {"chunk", "track_vote"}  # a chunk clustering is also scored by each track's vote


def test_a_replicated_claim_is_decided_the_same_way_on_every_corpus_draw():
    from conftest import load_script

    holds = load_script("replication").holds
    assert holds(["below", "below", "below"]) and holds(["level with"] * 3)
    assert not holds(["below", "below", "no difference detected"])
    assert not holds(["above", "below", "above"]) and not holds(["no difference detected"] * 3)
    assert not holds(["below", None, "below"])  # a draw that could not test it
