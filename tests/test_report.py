import numpy as np
import pandas as pd
import pytest

from musiclust.metrics import SCORE_COLUMNS
from musiclust.report import confusion_frame, headline_metrics
from musiclust.tables import (
    disentanglement_table,
    metric_bars_table,
    representation_order,
    results_table,
    study_table,
)


def _rows(*rows) -> pd.DataFrame:
    """Score-table rows given as (algorithm, level, representation, target, metric, value, sd, ci95,
    runs): a score counts its training seeds (the lyrics train nothing: one, else 3), a chance row none."""
    full = [r + ((np.nan,) if "_null_" in r[4] else (1 if r[2] == "lyrics" else 3,)) + (np.nan, np.nan) for r in rows]
    return pd.DataFrame(full, columns=SCORE_COLUMNS)


def _scores():
    rows = []
    for rep, nmi, runs in [("m", 0.5, 15), ("m+lyrics", 0.9, 15), ("lyrics", 0.8, 5)]:
        for target in ("language", "genre"):
            rows.append(("kmeans", "track", rep, target, "nmi", nmi, 0.05, 0.04, runs))
            rows.append(("kmeans", "track", rep, target, "ari", nmi - 0.1, np.nan, np.nan, 1))
    rows.append(("kmeans", "chunk", "m", "genre", "nmi", 0.123, 0.0, 0.0, 15))
    return _rows(*rows)


def test_results_table_rows_cells_and_order():
    md = results_table(_scores(), algorithm="kmeans", level="track", targets=["language", "genre"],
                       representations=["m+lyrics", "m", "lyrics"])
    lines = md.splitlines()
    assert lines[0].startswith("| representation | seeds | runs | language NMI | language ARI")
    assert lines[2].startswith("| `m+lyrics` | 3 | 15 | 0.90 ± 0.04 | 0.80 |")
    assert lines[4].startswith("| `lyrics` | 1 | 5 |")  # nothing trained: one "seed", KMeans seeds only
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


def test_headline_metrics_are_the_fusion_of_the_headline_model():
    scores = _scores()
    null = _rows(("kmeans", "track", "m+lyrics", "language", "nmi_null_p95", 0.07, np.nan, np.nan, 15))
    with_null = pd.concat([scores, null], ignore_index=True)
    headline = headline_metrics(with_null, ["language", "genre", "language_genre"], "m", "ds")
    # keyed by dataset first: the keys stay unique across the datasets' files
    assert list(headline) == ["ds"]
    # m+lyrics is the headline where there are lyrics: its NMI with the interval and chance level, and its ARI
    language = headline["ds"]["language"]
    assert {k: v for k, v in language.items() if k != "best_baseline"} == {"nmi": 0.9, "nmi_ci95": 0.04,
                                                                           "nmi_null_p95": 0.07, "ari": 0.8}
    # beside it, the best other representation by NMI (lyrics, 0.8, above the audio model's 0.5)
    assert language["best_baseline"] == {"lyrics": {"nmi": 0.8, "nmi_ci95": 0.04, "ari": 0.7}}
    assert "nmi_null_p95" not in headline["ds"]["genre"]  # no null drawn, no chance level invented
    assert set(headline["ds"]) == {"language", "genre"}  # the labels, not their cross
    # without lyrics the audio model itself is the headline
    audio_only = scores[~scores["representation"].str.contains("lyrics")]
    assert headline_metrics(audio_only, ["genre"], "m", "g") == {"g": {"genre": {"nmi": 0.5, "nmi_ci95": 0.04,
                                                                                 "ari": 0.4}}}
    assert headline_metrics(audio_only, ["genre"], "other", "g") == {"g": {}}  # a model that was not scored


def test_markdown_text_makes_corpus_text_inert():
    from musiclust.tables import markdown_text

    text = markdown_text("a`b <script>alert(1)</script> | *x* [l](u)\nnext")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\`" in text and "\\|" in text and "\\*x\\*" in text and "\\[l\\]" in text and "\n" not in text


def test_metric_bars_table_carries_each_scores_null():
    scores = _scores()
    null = _rows(("kmeans", "track", "m", "genre", "nmi_null_p95", 0.3, np.nan, np.nan, 200))
    table = metric_bars_table(pd.concat([scores, null]), level="track", target="genre", order=["m", "m+lyrics"])
    row = table.set_index(["representation", "metric"])
    assert row.loc[("m", "nmi"), "null_p95"] == 0.3
    assert np.isnan(row.loc[("m", "ari"), "null_p95"]) and "nmi_null_p95" not in set(table["metric"])


def test_study_table_sets_the_studys_numbers_beside_ours_with_chance():
    rows = [("kmeans", "chunk", "m+lyrics", "language", "nmi", 0.97, 0.01, 0.02, 15),
            ("kmeans", "chunk", "m+lyrics", "language", "ari", 0.98, 0.01, 0.01, 15),
            ("kmeans", "chunk", "m+lyrics", "language", "nmi_null_p95", 0.004, np.nan, np.nan, 200),
            ("kmeans", "chunk", "pca", "language", "nmi", 0.001, 0.0, 0.0, 15),
            ("kmeans", "chunk", "pca", "language", "nmi_null_p95", 0.003, np.nan, np.nan, 200),
            ("kmeans", "track", "pca", "language", "nmi", 0.9, 0.0, 0.0, 15),  # another level: ignored
            ("kmeans", "track", "clipstats", "language", "nmi", 0.14, 0.0, 0.0, 5)]  # exists per track only
    md = study_table(_rows(*rows), "m").splitlines()
    assert md[0] == "| study's method | study ARI | study NMI | ours | ARI | NMI | chance NMI p95 |"
    assert md[2] == "| hybrid beta-VAE | 1.00 | 1.00 | `m+lyrics` | 0.98 ± 0.01 | 0.97 ± 0.02 | 0.00 |"
    assert md[3] == "| PCA (64) | 0.00 | 0.00 | `pca` | – | 0.00 ± 0.00 † | 0.00 |"  # at chance: marked
    assert any(line.startswith("| audio-only latent | 0.01 | – | `m` | – | – | – |") for line in md)
    assert "| mel statistics | – | – | `clipstats` (tracks) | – | 0.14 ± 0.00 | – |" in md


def test_disentanglement_table_prints_intervals_over_training_seeds():
    md = disentanglement_table({"m": {"seeds": 3, "mig": 0.2, "mig_ci95": 0.05, "sap": 0.1, "sap_ci95": 0.0},
                                "raw": {"seeds": 1, "mig": 0.3}}).splitlines()
    assert md[0] == "| code | seeds | MIG | DCI D | DCI C | DCI I | SAP |"
    assert md[2] == "| `m` | 3 | 0.20 ± 0.05 | – | – | – | 0.10 ± 0.00 |"  # a zero interval is printed
    assert md[3] == "| `raw` | 1 | 0.30 | – | – | – | – |"


def _kl_history(seeds_final: dict[int, list[float]]) -> pd.DataFrame:
    rows = []
    for seed, final in seeds_final.items():
        for epoch in (1, 2):
            dims = {f"kl_dim_{i}": (v if epoch == 2 else 1.0) for i, v in enumerate(final)}
            rows.append({"epoch": epoch, "total": 1.0, "reconstruction": 1.0, "kl": sum(dims.values()), "seed": seed,
                         **dims})
    return pd.DataFrame(rows)


def test_kl_usage_counts_dimensions_above_threshold_at_the_last_epoch():
    from musiclust.tables import kl_usage

    usage = kl_usage(_kl_history({0: [0.9, 0.001, 0.2], 1: [0.0, 0.0, 0.0]}))
    # in nats: above 0.1 (carries information) and above 0.5 (clearly), and how concentrated the KL is
    assert usage[0] == {"kl": pytest.approx(1.101), "dims_used": 2, "dims_strong": 1, "top5_share": pytest.approx(1.0),
                        "dims": 3}
    assert usage[1]["dims_used"] == 0 and usage[1]["top5_share"] == 0.0
    wide = kl_usage(_kl_history({0: [0.2] * 10}))[0]
    assert wide["dims_used"] == 10 and wide["dims_strong"] == 0 and wide["top5_share"] == pytest.approx(0.5)


def test_kl_table_warns_of_posterior_collapse_only_when_a_seed_collapses(tmp_path):
    from musiclust.plots import plot_kl_per_dim
    from musiclust.tables import kl_table, kl_usage

    healthy = kl_usage(_kl_history({0: [0.5, 0.2], 1: [0.3, 0.2]}))
    # seed 1 varies its posterior means (the variance rule counts 2 active units) but carries < 0.1 nats
    collapsed = kl_usage(_kl_history({0: [0.5, 0.2], 1: [0.05, 0.02]}))
    summary = {"good": {"active_units": 2.0, "active_units_min": 2}, "bad": {"active_units": 2.0, "active_units_min": 2}}
    table, warnings = kl_table({"good": healthy}, summary)
    assert warnings == [] and "| `good` | 2 |" in table and "2.0 (min 2) of 2" in table
    table, warnings = kl_table({"good": healthy, "bad": collapsed}, summary)
    assert len(warnings) == 1 and "posterior collapse in `bad`" in warnings[0] and "seed(s) 1 " in warnings[0]
    path = plot_kl_per_dim(_kl_history({0: [0.5, 0.2], 1: [0.001, 0.0]}), tmp_path / "kl.png", title="t")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_tsne_shows_a_seeded_sample_beyond_its_limit(tmp_path, monkeypatch):
    from musiclust import report as R
    from musiclust.representations import latents_to_frame

    tracks = pd.DataFrame({"track_id": [f"t{i}" for i in range(30)], "language": ["a", "b"] * 15,
                           "genre": ["x", "y", "z"] * 10})
    keys = pd.DataFrame([(t, c) for t in tracks.track_id for c in range(5)], columns=["track_id", "chunk"])
    latents = latents_to_frame(keys, np.random.default_rng(0).normal(size=(150, 3)).astype(np.float32))
    data = R._Loaded(tracks, pd.DataFrame(), keys, pd.DataFrame(), R.targets_of(tracks), {})
    seen = []
    monkeypatch.setattr(R.plots, "tsne_2d", lambda x, **kw: seen.append(x.copy()) or x[:, :2])
    for limit in (200, 100):
        R._latent_figures(data, latents, (None, None), R.ReportParams(tsne_max_points=limit), tmp_path, "m", 0)
    assert [len(x) for x in seen] == [150, 100]
    R._latent_figures(data, latents, (None, None), R.ReportParams(tsne_max_points=100), tmp_path, "m", 0)
    np.testing.assert_array_equal(seen[1], seen[2])  # the same sample each time


def test_the_fused_tsne_pools_tracks_as_the_cluster_stage_does(tmp_path, monkeypatch):
    from musiclust import report as R
    from musiclust.representations import fuse, latents_to_frame, level_rows

    tracks = pd.DataFrame({"track_id": [f"t{i}" for i in range(12)], "language": ["a", "b"] * 6,
                           "genre": ["x", "y", "z"] * 4})
    keys = pd.DataFrame([(t, c) for t in tracks.track_id for c in range(4)], columns=["track_id", "chunk"])
    latents = latents_to_frame(keys, np.random.default_rng(1).normal(size=(48, 3)).astype(np.float32))
    lyric_ids = pd.Series(tracks.track_id[::-1].to_numpy())
    lyrics = np.random.default_rng(2).normal(size=(12, 5)).astype(np.float32)
    data = R._Loaded(tracks, pd.DataFrame(), keys, pd.DataFrame(), R.targets_of(tracks), {})
    seen = []
    monkeypatch.setattr(R.plots, "tsne_2d", lambda x, **kw: seen.append(x.copy()) or x[:, :2])
    R._latent_figures(data, latents, (lyric_ids, lyrics), R.ReportParams(), tmp_path, "m", 0,
                      track_pooling=("mean", "std"))
    expected = fuse(*level_rows(*latents, "track", ("mean", "std")), lyric_ids, lyrics)[1]
    assert seen[1].shape == (12, 3 * 2 + 5)
    np.testing.assert_array_equal(seen[1], expected)


def test_report_says_when_the_raw_pixels_were_sampled(tmp_path):
    from musiclust import report as R
    from musiclust.audio import MelConfig

    tracks = pd.DataFrame({"track_id": ["a", "b"], "language": ["x", "y"], "genre": ["g", "h"]})
    status = pd.DataFrame({"track_id": ["a", "b"], "status": "ok", "reason": "", "n_chunks": [1, 1]})
    chunks = pd.DataFrame({"track_id": ["a", "b"], "chunk": [0, 0]})
    data = R._Loaded(tracks, status, chunks, _scores(), R.targets_of(tracks), {})
    text = R.report_markdown(data, ["m", "m+lyrics", "lyrics"], MelConfig(), tmp_path, dataset="d", headline="m")
    assert "The raw pixels are scored on a seeded sample" not in text
    data.latent_summary = {"raw": {"dimension": 16384, "sample": {"tracks": 3, "chunks": 30, "of_tracks": 9,
                                                                  "of_chunks": 90}}}
    text = R.report_markdown(data, ["m", "m+lyrics", "lyrics"], MelConfig(), tmp_path, dataset="d", headline="m")
    assert "The raw pixels are scored on a seeded sample of 3 of the 9 tracks (30 of 90 chunks" in text


def test_a_score_cell_carries_both_intervals_and_the_q_value_mark():
    from musiclust.tables import format_score

    assert format_score(0.5, 0.04, q=0.01, boot=(0.41, 0.58)) == "0.50 ± 0.04 [0.41, 0.58]"
    assert format_score(0.5, np.nan, q=0.2, boot=(0.41, 0.58)) == "0.50 [0.41, 0.58] †"  # not shown above chance
    # the q-value decides, not the null's 95th percentile, where there is one
    assert format_score(0.05, None, 0.06, q=0.01) == "0.05"
    assert format_score(0.05, None, 0.06) == "0.05 †"
    assert format_score(np.nan) == "–"


def test_disentanglement_cells_stand_beside_random_codes():
    md = disentanglement_table({"m": {"seeds": 3, "mig": 0.2, "mig_ci95": 0.05, "mig_floor_p95": 0.04},
                                "n": {"seeds": 1, "mig": 0.03, "mig_floor_p95": 0.04}}).splitlines()
    assert md[2].startswith("| `m` | 3 | 0.20 ± 0.05 (0.04) |")
    assert md[3].startswith("| `n` | 1 | 0.03 † (0.04) |")  # at or below random codes of its size


def test_claims_and_probes_render_what_the_files_hold():
    from musiclust.tables import claims_lines, probes_table

    claims = {"settings": {"algorithm": "kmeans", "metric": "nmi", "level": "track", "equivalence_margin": 0.02,
                           "correction": "Holm over the claims below"},
              "claims": [{"sentence": "`a` is above `b` on genre (NMI 0.50 vs 0.30; ...)."}]}
    lines = claims_lines(claims)
    assert lines[-1] == "- `a` is above `b` on genre (NMI 0.50 vs 0.30; ...)." and "±0.02" in lines[0]
    assert claims_lines({"settings": {}, "claims": []}) == []
    probes = {"m": {"genre": {"accuracy": 0.8, "accuracy_ci95": 0.05, "majority": 0.25, "seeds": 3}},
              "lyrics": {"genre": {"skipped": "too few songs"}}}
    md = probes_table(probes, ["m", "lyrics"], ["genre"]).splitlines()
    assert md[0] == "| representation | seeds | genre |"
    assert md[2] == "| `m` | 3 | 0.80 ± 0.05 (0.25) |" and md[3] == "| `lyrics` | 1 | – |"
