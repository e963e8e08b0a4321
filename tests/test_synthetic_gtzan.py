import warnings

import numpy as np
import pytest
import soundfile as sf
from conftest import relative_files

from musiclust.datasets.synthetic import GTZAN_GENRES, generate_gtzan_corpus, synthesize_gtzan_track

SR = 22050
SMALL = dict(tracks_per_genre=2, seconds=3.0, sample_rate=SR)


@pytest.fixture(scope="module")
def corpora(synthetic_corpus):
    """Two corpora with seed 0 (determinism) and one with seed 1."""
    return {name: synthetic_corpus("gtzan", replica=replica, seed=seed, **SMALL)
            for name, replica, seed in (("a", 0, 0), ("b", 1, 0), ("c", 0, 1))}


def test_the_gtzan_reader_sees_ten_genre_folders_in_order(corpora):
    from musiclust.datasets.gtzan import read_gtzan

    root, _ = corpora["a"]
    folders = sorted(p.name for p in (root / "genres_original").iterdir())
    tracks = read_gtzan(root)
    assert len(folders) == 10 and tuple(folders) == GTZAN_GENRES  # alphabetical, as on disk
    assert sorted(tracks["genre"].unique()) == folders


def test_layout_and_counts(corpora):
    root, frame = corpora["a"]
    expected = [f"genres_original/{g}/{g}.{i:05d}.wav" for g in GTZAN_GENRES for i in range(2)]
    assert relative_files(root) == expected
    assert list(frame["path"]) == expected
    assert list(frame["track_id"]) == [f"{g}.{i:05d}" for g in GTZAN_GENRES for i in range(2)]
    assert frame["genre"].value_counts().to_dict() == {g: 2 for g in GTZAN_GENRES}
    assert frame["planted_unreadable"].dtype == bool
    # with 2 tracks per genre the planted file is the last jazz file
    assert frame.loc[frame["planted_unreadable"], "track_id"].tolist() == ["jazz.00001"]


def test_audio_is_16_bit_pcm(corpora):
    root, frame = corpora["a"]
    for row in frame[~frame["planted_unreadable"]].itertuples():
        info = sf.info(root / row.path)
        assert (info.format, info.subtype, info.channels, info.samplerate, info.frames) == (
            "WAV", "PCM_16", 1, SR, 3 * SR)
        y, _ = sf.read(root / row.path, dtype="float32")
        assert np.sqrt(np.mean(y**2)) > 1e-3, row.track_id


def test_planted_file_fails_to_decode_others_load(corpora):
    import librosa

    root, frame = corpora["a"]
    planted = root / frame.loc[frame["planted_unreadable"], "path"].item()
    assert planted.read_bytes()[:4] == b"RIFF" and planted.read_bytes()[8:12] == b"WAVE"
    assert planted.stat().st_size > 3 * SR  # looks like a full-size file
    with pytest.raises(sf.LibsndfileError):
        sf.read(planted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns before trying its fallback decoder
        with pytest.raises(Exception):  # noqa: B017 (librosa's fallback decoders raise many types)
            librosa.load(planted, sr=SR)
        for row in frame[~frame["planted_unreadable"]].head(4).itertuples():
            y, _ = librosa.load(root / row.path, sr=SR)
            assert len(y) == 3 * SR


def test_pipeline_skips_planted_file(corpora, tmp_path):
    from musiclust.audio import MelConfig
    from musiclust.datasets.gtzan import read_gtzan
    from musiclust.features import corpus_features

    root, _ = corpora["a"]
    tracks = read_gtzan(root)
    sub = tracks[tracks["genre"].isin(["jazz", "metal"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        features = corpus_features(sub, root, MelConfig(sample_rate=SR), tmp_path / "mels.npy", progress=False)
    assert features.clip_ids == ["jazz.00000", "metal.00000", "metal.00001"]
    assert features.clip_stats.shape == (3, 43)
    skipped = features.status[features.status["status"] != "ok"]
    assert skipped["track_id"].tolist() == ["jazz.00001"]
    assert "jazz.00001.wav" in skipped["reason"].item()


def test_determinism(corpora):
    (root_a, frame_a), (root_b, frame_b), (root_c, _) = corpora["a"], corpora["b"], corpora["c"]
    assert frame_a.equals(frame_b)
    for rel in frame_a["path"]:
        assert (root_a / rel).read_bytes() == (root_b / rel).read_bytes(), rel
    assert all((root_a / rel).read_bytes() != (root_c / rel).read_bytes() for rel in frame_a["path"])


def test_jazz_00054_is_planted(tmp_path, monkeypatch):
    """With more than 54 tracks per genre the planted file is jazz.00054, as in GTZAN."""
    from musiclust.datasets import synthetic

    calls = []

    def cheap(rng, *, genre, seconds, sample_rate):  # keep the test fast: skip the synthesis
        calls.append(genre)
        return np.zeros(int(round(seconds * sample_rate)), dtype=np.float32)

    monkeypatch.setattr(synthetic, "synthesize_gtzan_track", cheap)
    frame = generate_gtzan_corpus(tmp_path, tracks_per_genre=56, seconds=0.05, sample_rate=8000, progress=False)
    assert len(frame) == 560 and len(calls) == 559
    assert frame.loc[frame["planted_unreadable"], "track_id"].tolist() == ["jazz.00054"]
    assert (tmp_path / "genres_original/jazz/jazz.00055.wav").is_file()
    with pytest.raises(sf.LibsndfileError):
        sf.read(tmp_path / "genres_original/jazz/jazz.00054.wav")


def test_no_planting_and_other_formats(tmp_path):
    frame = generate_gtzan_corpus(tmp_path / "f", tracks_per_genre=1, seconds=0.5, sample_rate=8000,
                                  audio_format="flac", plant_unreadable=False, progress=False)
    assert not frame["planted_unreadable"].any()
    for rel in frame["path"]:
        assert rel.endswith(".flac")
        assert sf.info(tmp_path / "f" / rel).subtype == "PCM_16"
    planted = generate_gtzan_corpus(tmp_path / "g", tracks_per_genre=1, seconds=0.5, sample_rate=8000,
                                    audio_format="flac", progress=False)
    with pytest.raises(sf.LibsndfileError):
        sf.read(tmp_path / "g" / planted.loc[planted["planted_unreadable"], "path"].item())
    with pytest.raises(ValueError, match="audio_format"):
        generate_gtzan_corpus(tmp_path, audio_format="mp3", progress=False)
    with pytest.raises(ValueError, match="tracks_per_genre"):
        generate_gtzan_corpus(tmp_path, tracks_per_genre=0, progress=False)


@pytest.mark.parametrize("genre", GTZAN_GENRES)
def test_synthesize_gtzan_track(genre):
    y = synthesize_gtzan_track(np.random.default_rng(3), genre=genre, seconds=2.5, sample_rate=16000)
    assert y.dtype == np.float32 and y.shape == (40000,)
    assert np.all(np.isfinite(y)) and 0.01 < np.abs(y).max() <= 1.0
    np.testing.assert_array_equal(y, synthesize_gtzan_track(np.random.default_rng(3), genre=genre, seconds=2.5,
                                                            sample_rate=16000))


def test_synthesize_gtzan_track_rejects_unknown_genre():
    with pytest.raises(ValueError, match="Rock"):
        synthesize_gtzan_track(np.random.default_rng(0), genre="Rock", seconds=1.0, sample_rate=SR)


def test_genres_differ_in_the_audio():
    """Genre shows in the clip statistics: metal is brighter and louder than classical, which has no drums."""
    from musiclust.clipstats import clip_statistics

    def stats(genre):
        return np.mean([clip_statistics(synthesize_gtzan_track(np.random.default_rng(s), genre=genre, seconds=6.0,
                                                               sample_rate=SR), SR) for s in range(3)], axis=0)

    metal, classical = stats("metal"), stats("classical")
    assert metal[40] > classical[40]  # spectral centroid mean
    assert metal[0] > classical[0]  # first MFCC (log energy)
