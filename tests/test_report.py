import numpy as np
import pandas as pd

from musiclust.report import confusion_frame, headline_metrics, metric_bars_table, representation_order, results_table


def _scores():
    rows = []
    for rep, nmi in [("m", 0.5), ("m+lyrics", 0.9), ("lyrics", 0.8)]:
        for target in ("language", "genre"):
            rows.append(("kmeans", "track", rep, target, "nmi", nmi, 0.04))
            rows.append(("kmeans", "track", rep, target, "ari", nmi - 0.1, np.nan))
    rows.append(("kmeans", "chunk", "m", "genre", "nmi", 0.123, 0.0))
    return pd.DataFrame(rows, columns=["algorithm", "level", "representation", "target", "metric", "value", "ci95"])


def test_results_table_rows_cells_and_order():
    md = results_table(_scores(), algorithm="kmeans", level="track", targets=["language", "genre"],
                       representations=["m+lyrics", "m", "lyrics"])
    lines = md.splitlines()
    assert lines[0].startswith("| representation | language NMI | language ARI")
    assert lines[2].startswith("| `m+lyrics` | 0.90 ± 0.04 | 0.80 |")
    assert "0.123" not in md  # the chunk row stays out of the track table
    chunk = results_table(_scores(), algorithm="kmeans", level="chunk", targets=["genre"],
                          representations=["m+lyrics", "m", "lyrics"])
    assert len(chunk.splitlines()) == 3  # only representations scored at that level get a row
    assert lines[2].count("–") == 2  # accuracy is missing for both targets


def test_representation_order_puts_headline_first_and_lyrics_last():
    assert representation_order(["raw", "lyrics", "m", "m+lyrics", "a", "clipstats"], "m") == [
        "m+lyrics", "m", "clipstats", "a", "raw", "lyrics"]


def test_confusion_frame_joins_truth_by_track():
    truth = pd.Series({"a": "x", "b": "y"})
    frame = confusion_frame(truth, pd.DataFrame({"track_id": ["b", "a"], "cluster": [1, 0]}))
    assert frame.to_dict("list") == {"track_id": ["b", "a"], "actual": ["y", "x"], "predicted": ["c1", "c0"]}


def test_metric_bars_table_filters_and_orders():
    t = metric_bars_table(_scores(), level="track", target="genre", order=["lyrics", "m", "m+lyrics"])
    assert list(t["representation"].unique()) == ["lyrics", "m", "m+lyrics"]
    assert set(t["metric"]) == {"nmi", "ari"}


def test_headline_metrics_pick_the_fusion_and_the_best_other_representation():
    scores = _scores()
    extra = pd.DataFrame([("kmeans", "track", "pca", "genre", "nmi", 0.85, 0.0),
                          ("kmeans", "track", "pca", "genre", "ari", 0.7, 0.0)], columns=scores.columns)
    headline = headline_metrics(pd.concat([scores, extra]), ["language", "genre"], "m")
    # m+lyrics (0.9) is the model; baselines exclude everything built on m
    assert headline["language"] == {"model": "m+lyrics", "baseline": "lyrics", "model_nmi": 0.9,
                                    "model_ari": 0.8, "baseline_nmi": 0.8, "baseline_ari": 0.7}
    assert headline["genre"]["baseline"] == "pca" and headline["genre"]["baseline_nmi"] == 0.85
    # without lyrics the audio model itself is the headline
    audio_only = scores[~scores["representation"].str.contains("lyrics")]
    assert headline_metrics(audio_only, ["genre"], "m") == {}  # no other representation to compare with


def test_markdown_text_makes_corpus_text_inert():
    from musiclust.report import markdown_text

    text = markdown_text("a`b <script>alert(1)</script> | *x* [l](u)\nnext")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\`" in text and "\\|" in text and "\\*x\\*" in text and "\\[l\\]" in text and "\n" not in text


def test_metric_bars_table_carries_each_scores_null():
    scores = _scores()
    null = pd.DataFrame([("kmeans", "track", "m", "genre", "nmi_null_p95", 0.3, np.nan)], columns=scores.columns)
    table = metric_bars_table(pd.concat([scores, null]), level="track", target="genre", order=["m", "m+lyrics"])
    row = table.set_index(["representation", "metric"])
    assert row.loc[("m", "nmi"), "null_p95"] == 0.3
    assert np.isnan(row.loc[("m", "ari"), "null_p95"]) and "nmi_null_p95" not in set(table["metric"])
