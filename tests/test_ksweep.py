"""Tests for musiclust.ksweep and its figure (musiclust.plots.ksweep): the sweep finds the k the
data hold, scores it as scikit-learn would, and the figure draws the table it is given."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import make_blobs
from test_plots import assert_deterministic, assert_png, drawn, plot_axes  # noqa: F401 (drawn: a fixture)

from musiclust import ksweep
from musiclust.cluster import kmeans
from musiclust.ksweep import SWEEP_COLUMNS, k_sweep, sweep_ks
from musiclust.metrics import internal_scores
from musiclust.plots.ksweep import plot_k_sweep


@pytest.fixture(scope="module")
def blobs():
    """400 rows in 5 dimensions around 4 well-separated centres, a label that follows them and one that does not."""
    features, blob = make_blobs(n_samples=400, centers=4, n_features=5, cluster_std=1.0, center_box=(-20, 20),
                                random_state=0)
    noise = np.random.default_rng(0).integers(0, 3, len(blob))
    return features.astype(np.float32), {"blob": blob, "noise": noise}


@pytest.fixture(scope="module")
def sweep(blobs):
    features, truths = blobs
    return k_sweep(features, truths, sweep_ks([4, 3]), n_init=4)


def test_sweep_ks():
    assert sweep_ks([4, 3]) == [2, 3, 4, 5, 6, 7, 8]
    assert sweep_ks([1]) == sweep_ks([]) == [2, 3, 4]
    assert sweep_ks([2]) == [2, 3, 4]
    with pytest.raises(ValueError, match="class counts"):
        sweep_ks([0])


def test_ami_and_silhouette_peak_at_the_true_k(sweep):
    blob = sweep[sweep["target"] == "blob"].set_index("k")
    assert blob["ami"].idxmax() == 4 and blob["ami"][4] == pytest.approx(1.0)
    assert blob["silhouette"].idxmax() == 4
    assert (blob["ami"].drop(4) < 0.95).all()
    # a label the clusters do not follow: AMI near 0 at every k, while its NMI rises with k
    noise = sweep[sweep["target"] == "noise"].set_index("k")
    assert noise["ami"].abs().max() < 0.02
    assert noise["nmi"][8] > noise["nmi"][2]


def test_columns_rows_and_scores_as_documented(blobs, sweep):
    features, truths = blobs
    assert list(sweep.columns) == SWEEP_COLUMNS == ["k", "target", "nmi", "ami", "silhouette"]
    assert sweep["k"].tolist() == [k for k in range(2, 9) for _ in truths]
    assert sweep["target"].tolist() == ["blob", "noise"] * 7
    assert sweep["k"].dtype == np.int64 and all(sweep[c].dtype == np.float64 for c in ("nmi", "ami", "silhouette"))
    row = sweep[(sweep["k"] == 3) & (sweep["target"] == "blob")].iloc[0]
    labels = kmeans(features, 3, seed=0, n_init=4)
    assert row["nmi"] == skm.normalized_mutual_info_score(truths["blob"], labels)
    assert row["ami"] == skm.adjusted_mutual_info_score(truths["blob"], labels)
    assert row["silhouette"] == pytest.approx(skm.silhouette_score(features, labels), abs=1e-6)
    # the silhouette does not depend on the label: the same for both targets of a k
    assert (sweep.groupby("k")["silhouette"].nunique() == 1).all()


def test_same_seed_same_table_and_unsorted_ks(blobs, sweep):
    features, truths = blobs
    again = k_sweep(features, truths, [8, 3, 5, 2, 4, 7, 6, 4], n_init=4)
    pd.testing.assert_frame_equal(again, sweep)


def test_without_truths_one_row_per_k_with_the_silhouette(blobs, sweep):
    features, _ = blobs
    alone = k_sweep(features, {}, [2, 4], n_init=4)
    assert list(alone.columns) == SWEEP_COLUMNS
    assert alone["k"].tolist() == [2, 4] and alone["target"].tolist() == ["", ""]
    assert alone[["nmi", "ami"]].isna().all().all()
    expected = sweep[sweep["target"] == "blob"].set_index("k")["silhouette"]
    np.testing.assert_array_equal(alone["silhouette"], expected[[2, 4]])


def test_silhouette_of_a_sample_as_internal_scores_draws_it(blobs):
    features, truths = blobs
    table = k_sweep(features, {"blob": truths["blob"]}, [3, 5], n_init=2, silhouette_rows=150)
    for k, silhouette in zip(table["k"], table["silhouette"]):
        labels = kmeans(features, k, seed=0, n_init=2)
        assert silhouette == internal_scores(features, labels, silhouette_rows=150)["silhouette"]
    everything = k_sweep(features, {"blob": truths["blob"]}, [3, 5], n_init=2, silhouette_rows=None)
    assert not np.array_equal(everything["silhouette"], table["silhouette"])
    np.testing.assert_array_equal(everything["nmi"], table["nmi"])
    other_seed = ksweep.silhouette_sample(400, 150, 1)
    assert len(other_seed) == 150 and not np.array_equal(np.sort(other_seed), np.sort(ksweep.silhouette_sample(400, 150, 0)))
    assert ksweep.silhouette_sample(400, 400, 0) == slice(None)


def test_rejects_bad_ks_and_truths(blobs):
    features, truths = blobs
    with pytest.raises(ValueError, match=r"\[1\]"):
        k_sweep(features, truths, [1, 2])
    with pytest.raises(ValueError, match=r"\[400\]"):
        k_sweep(features, truths, [400])
    with pytest.raises(ValueError, match="'short'"):
        k_sweep(features, {"short": truths["blob"][:-1]}, [2])


def test_docstring_examples_run():
    result = doctest.testmod(ksweep, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------
# plot_k_sweep
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sweeps() -> pd.DataFrame:
    """Three representations' sweeps over k = 2 ... 6 against two labels, rows shuffled."""
    rng = np.random.default_rng(0)
    rows = [(rep, k, target, rng.random(), rng.random(), rng.random())
            for rep in ("audio", "lyrics", "joint") for target in ("genre", "language") for k in range(2, 7)]
    table = pd.DataFrame(rows, columns=["representation", "k", "target", "nmi", "ami", "silhouette"])
    # a representation's silhouette does not depend on the label
    first = table[table["target"] == "genre"].set_index(["representation", "k"])["silhouette"]
    table["silhouette"] = first.reindex(pd.MultiIndex.from_frame(table[["representation", "k"]])).to_numpy()
    return table.sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_k_sweep_figure_draws_the_table(tmp_path, sweeps, drawn):  # noqa: F811
    marks = {"genre": 4, "language": 2}
    out = assert_deterministic(lambda p: plot_k_sweep(sweeps, p, title="k sweep", marks=marks), tmp_path)
    assert_png(out)
    figure = drawn[0]
    assert figure.get_suptitle() == "k sweep"
    reps = list(dict.fromkeys(sweeps["representation"]))
    targets = list(dict.fromkeys(sweeps["target"]))  # panels in the table's order
    *panels, silhouette = plot_axes(figure)
    assert [ax.get_title() for ax in panels] == [f"{target} ({marks[target]} classes)" for target in targets]
    assert silhouette.get_title() == "silhouette (no label)"
    for ax, target in zip(panels, targets):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert list(lines) == [f"{rep} {score}" for rep in reps for score in ("AMI", "NMI")] + [
            f"{marks[target]} classes"]
        for rep in reps:
            rows = sweeps[(sweeps["representation"] == rep) & (sweeps["target"] == target)].sort_values("k")
            ami, nmi = lines[f"{rep} AMI"], lines[f"{rep} NMI"]
            np.testing.assert_array_equal(ami.get_xdata(), [2, 3, 4, 5, 6])
            np.testing.assert_array_equal(ami.get_ydata(), rows["ami"])
            np.testing.assert_array_equal(nmi.get_ydata(), rows["nmi"])
            assert (ami.get_linestyle(), nmi.get_linestyle()) == ("-", "--")
            assert ami.get_color() == nmi.get_color()
        np.testing.assert_array_equal(lines[f"{marks[target]} classes"].get_xdata(), [marks[target]] * 2)
    lines = {line.get_label(): line for line in silhouette.get_lines()}
    assert list(lines) == [f"{rep} silhouette" for rep in reps] + ["2 classes (language)", "4 classes (genre)"]
    for rep in reps:
        rows = sweeps[(sweeps["representation"] == rep) & (sweeps["target"] == "genre")].sort_values("k")
        np.testing.assert_array_equal(lines[f"{rep} silhouette"].get_ydata(), rows["silhouette"])
    np.testing.assert_array_equal(lines["4 classes (genre)"].get_xdata(), [4, 4])
    assert len({panels[0].get_lines()[2 * i].get_color() for i in range(3)}) == 3  # a colour per representation
    (legend,) = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == reps + ["AMI", "NMI", "class count"]


def test_k_sweep_figure_highlight_many_and_unlabelled(tmp_path, drawn):  # noqa: F811
    rows = [(f"rep{r:02d}", k, "", np.nan, np.nan, 0.5 - 0.01 * k + 0.001 * r) for r in range(22) for k in range(2, 9)]
    table = pd.DataFrame(rows, columns=["representation", "k", "target", "nmi", "ami", "silhouette"])
    plot_k_sweep(table, tmp_path / "all.png", title="all")
    (silhouette,) = plot_axes(drawn[0])
    colours = [tuple(line.get_color()) for line in silhouette.get_lines()]
    assert len(set(colours[:20])) == 20 and len(colours) == 22
    assert silhouette.get_lines()[20].get_marker() != "None"  # beyond 20 colours, markers tell them apart
    plot_k_sweep(table, tmp_path / "two.png", title="two", highlight=["rep03", "rep10"])
    (silhouette,) = plot_axes(drawn[1])
    widths = {line.get_label(): line.get_linewidth() for line in silhouette.get_lines()}
    assert [label for label, width in widths.items() if width > 1] == ["rep03 silhouette", "rep10 silhouette"]
    (legend,) = drawn[1].legends
    assert [text.get_text() for text in legend.get_texts()] == ["rep03", "rep10", "20 other representations",
                                                               "AMI", "NMI", "class count"]


def test_k_sweep_figure_rejects_bad_tables(tmp_path, sweeps):
    with pytest.raises(ValueError, match="silhouette"):
        plot_k_sweep(sweeps.drop(columns="silhouette"), tmp_path / "x.png", title="t")
    with pytest.raises(ValueError, match="duplicate"):
        plot_k_sweep(pd.concat([sweeps, sweeps.iloc[:1]]), tmp_path / "x.png", title="t")
    with pytest.raises(ValueError, match="mood"):
        plot_k_sweep(sweeps, tmp_path / "x.png", title="t", marks={"mood": 3})
    with pytest.raises(ValueError, match="video"):
        plot_k_sweep(sweeps, tmp_path / "x.png", title="t", highlight=["video"])
    assert not (tmp_path / "x.png").exists()
