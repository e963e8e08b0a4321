"""The generator's per-song factors: written beside the synthetic corpus, carried to factors.parquet,
binned into labels and scored against the audio codes (MIG, DCI, SAP beside random codes)."""

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from musiclust.datasets import DatasetParams, SyntheticParams, generator_factors, read_tracks
from musiclust.datasets.synthetic import FACTORS_FILE, synthesize_track, synthesize_track_with_factors
from musiclust.datasets.synthetic.styles import HBLM
from musiclust.evaluate import factor_disentanglement, factor_labels
from musiclust.representations import Corpus

TINY = dict(scale=0.1, min_seconds=4.0, max_seconds=6.0, sample_rate=16000, progress=False)


@pytest.fixture(scope="module")
def corpus(synthetic_corpus):
    return synthetic_corpus("hblm", replica=0, seed=0, **TINY)


def test_every_track_has_the_factors_its_plan_drew(corpus):
    root, frame = corpus
    factors = pd.read_csv(root / FACTORS_FILE)
    assert factors["filename"].tolist() == frame["filename"].tolist()
    assert list(factors.columns) == ["filename", "tempo_bpm", "key", "mode", "metre", "vocals", "lead", "level_db"]
    assert factors["key"].between(0, 11).all() and set(factors["mode"]) <= {"major", "minor"}
    assert set(factors["metre"]) <= {"straight", "triplet"}
    for row, genre in zip(factors.itertuples(), frame["genre"]):
        lo, hi = HBLM.styles[genre].tempo
        scale = HBLM.rules.triplet_tempo if row.metre == "triplet" else 1.0
        assert lo * scale - 1e-3 <= row.tempo_bpm <= hi * scale + 1e-3, row.filename
        # the level is the written track's: RMS of the decoded 16-bit file, in dB of full scale
        y, _ = sf.read(root / "audio" / row.filename, dtype="float64")
        assert 10 * np.log10(np.mean(y**2)) == pytest.approx(row.level_db, abs=0.05)


def test_the_factors_leave_the_audio_as_it_was():
    args = dict(genre="Rock", language="English", seconds=2.0, sample_rate=16000)
    y, factors = synthesize_track_with_factors(np.random.default_rng(7), **args)
    assert np.array_equal(y, synthesize_track(np.random.default_rng(7), **args))
    assert set(factors) == {"tempo_bpm", "key", "mode", "metre", "vocals", "lead", "level_db"}


def test_factors_parquet_rows_are_the_tracks_and_only_generated_corpora_have_factors(corpus):
    root, _ = corpus
    tracks = read_tracks("hblm", root)
    synthetic = DatasetParams(format="synthetic", synthetic=SyntheticParams(layout="hblm"))
    factors = generator_factors(synthetic, root, tracks)
    assert factors["track_id"].tolist() == tracks["track_id"].tolist()
    assert {"tempo_bpm", "key", "level_db"} <= set(factors.columns) and not factors.isna().any().any()
    # a published corpus (even one with a file of that name) and the GTZAN-like layout: track ids only
    assert list(generator_factors(DatasetParams(format="hblm", source="x"), root, tracks).columns) == ["track_id"]
    gtzan = DatasetParams(format="synthetic", synthetic=SyntheticParams(layout="gtzan"))
    assert list(generator_factors(gtzan, root, tracks).columns) == ["track_id"]


def test_a_factors_file_missing_a_track_is_named(corpus, tmp_path):
    root, _ = corpus
    tracks = read_tracks("hblm", root)
    pd.read_csv(root / FACTORS_FILE).iloc[1:].to_csv(tmp_path / FACTORS_FILE, index=False)
    synthetic = DatasetParams(format="synthetic", synthetic=SyntheticParams(layout="hblm"))
    with pytest.raises(Exception, match=f"{FACTORS_FILE}: no factors for {tracks['filename'].iloc[0]}"):
        generator_factors(synthetic, tmp_path, tracks)


def test_factor_labels_bin_real_values_keep_discrete_ones_and_drop_constants():
    n = 40
    factors = pd.DataFrame({"track_id": [f"t{i:02d}" for i in range(n)], "tempo_bpm": np.linspace(60, 180, n),
                            "key": np.arange(n) % 12, "vocals": [True] * n, "lead": ["flute", "piano"] * (n // 2)})
    labels = factor_labels(factors, bins=4)
    assert list(labels) == ["tempo_bpm", "key", "lead"]  # one value says nothing
    assert labels["tempo_bpm"].value_counts().tolist() == [10, 10, 10, 10]
    assert labels["tempo_bpm"]["t00"] != labels["tempo_bpm"]["t39"]
    assert labels["key"].nunique() == 12 and labels["tempo_bpm"].index.tolist() == factors["track_id"].tolist()


def test_a_code_that_carries_the_factors_scores_above_random_codes():
    rng = np.random.default_rng(0)
    n = 120
    ids = [f"t{i:03d}" for i in range(n)]
    tempo, key = rng.uniform(60, 180, n), rng.integers(0, 12, n)
    tracks = pd.DataFrame({"track_id": ids, "language": rng.choice(["a", "b"], n), "genre": rng.choice(["x", "y"], n)})
    rows = pd.concat([pd.DataFrame({"track_id": ids, "level": "track", "chunk": -1, "seed": s}) for s in (0, 1)],
                     ignore_index=True)
    carrying = np.vstack([np.column_stack([tempo, key, rng.normal(size=(n, 4))]) for _ in (0, 1)])
    corpus = Corpus(tracks=tracks, status=pd.DataFrame(), latents={"m": (rows, carrying)}, clipstats={},
                    lyric_ids=None, lyrics=None)
    targets = {t: tracks.set_index("track_id")[t] for t in ("language", "genre")}
    factors = pd.DataFrame({"track_id": ids, "tempo_bpm": tempo, "key": key, "vocals": True})
    result = factor_disentanglement(corpus, targets, factors, bins=4, seed=0, floor_draws=5)
    assert result["factors"] == {"language": 2, "genre": 2, "tempo_bpm": 4, "key": 12} and result["bins"] == 4
    node = result["track"]["m"]
    assert node["seeds"] == 2 and "chunk" not in result  # a score over the training seeds; no chunk rows
    for score in ("mig", "dci_informativeness", "sap"):
        assert node[score] > node[f"{score}_floor_p95"], score
    assert factor_disentanglement(corpus, targets, factors[["track_id"]], bins=4, seed=0, floor_draws=5) == {}
