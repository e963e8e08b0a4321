import re

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from musiclust.datasets.synthetic import (
    GENRES,
    LANGUAGES,
    STUDY_GROUPS,
    generate_corpus,
    group_counts,
    synthesize_track,
    write_lyrics,
)

BENGALI = re.compile("[\u0980-\u09ff]")
SR = 16000
TINY = dict(scale=0.1, min_seconds=4.0, max_seconds=6.0, sample_rate=SR, progress=False)


@pytest.fixture(scope="module")
def corpora(synthetic_corpus):
    """Two corpora with seed 0 (for determinism) and one with seed 1."""
    return {name: synthetic_corpus("hblm", replica=replica, seed=seed, **TINY)
            for name, replica, seed in (("a", 0, 0), ("b", 1, 0), ("c", 0, 1))}


# ---------------------------------------------------------------- designs
def test_group_counts_study():
    assert group_counts("study") == STUDY_GROUPS
    assert sum(group_counts("study").values()) == 100
    tiny = group_counts("study", scale=0.1)
    assert tiny == {("Bangla", "Folk"): 3, ("Bangla", "Rock"): 3, ("English", "Pop"): 3,
                    ("English", "Rock"): 2, ("English", "Acoustic"): 1}
    assert all(v >= 1 for v in group_counts("study", scale=0.001).values())


def test_group_counts_crossed():
    counts = group_counts("crossed", tracks_per_cell=3)
    assert set(counts) == {(lang, genre) for lang in LANGUAGES for genre in GENRES}
    assert set(counts.values()) == {3}


def test_group_counts_unknown_design():
    with pytest.raises(ValueError, match="bogus"):
        group_counts("bogus")


# ---------------------------------------------------------------- metadata
def test_metadata_bytes(corpora):
    root, _ = corpora["a"]
    raw = (root / "metadata.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert not raw.endswith(b"\n")
    assert b"\r" not in raw
    first_line = raw[3:].split(b"\n", 1)[0]
    assert first_line == b"filename,language,genre,label_id,lyrics"
    assert raw.endswith(b'"')  # last field is the quoted multi-line lyrics


def test_metadata_content(corpora):
    root, frame = corpora["a"]
    meta = pd.read_csv(root / "metadata.csv", encoding="utf-8-sig")
    assert list(meta.columns) == ["filename", "language", "genre", "label_id", "lyrics"]
    assert meta.groupby(["language", "genre"]).size().to_dict() == group_counts("study", scale=0.1)
    pd.testing.assert_frame_equal(meta, frame, check_dtype=False)
    assert (meta["label_id"] == meta["language"].map({"Bangla": 0, "English": 1})).all()
    for lang, sub in meta.groupby("language"):
        numbers = sorted(int(re.fullmatch(rf"{lang.lower()}/song_(\d+)\.flac", f).group(1)) for f in sub["filename"])
        assert numbers == list(range(1, len(sub) + 1))
    assert meta["lyrics"].str.contains("\n").all()
    bangla = meta["language"] == "Bangla"
    assert meta.loc[bangla, "lyrics"].map(lambda s: bool(BENGALI.search(s))).all()
    assert not meta.loc[~bangla, "lyrics"].map(lambda s: bool(BENGALI.search(s))).any()
    assert meta.loc[~bangla, "lyrics"].str.contains(r"[A-Za-z]{3}").all()


# ---------------------------------------------------------------- audio
def test_audio_files(corpora):
    root, frame = corpora["a"]
    for filename in frame["filename"]:
        path = root / "audio" / filename
        info = sf.info(path)
        assert info.samplerate == SR
        assert info.channels == 1
        assert info.subtype == "PCM_16"
        assert 4.0 - 1e-3 <= info.duration <= 6.0 + 1e-3
        y, _ = sf.read(path, dtype="float32")
        assert y.ndim == 1
        assert np.abs(y).max() <= 1.0
        assert np.sqrt(np.mean(y**2)) > 1e-3  # not silent
    durations = [sf.info(root / "audio" / f).duration for f in frame["filename"]]
    assert len(set(np.round(durations, 3))) > 1  # durations are drawn, not fixed


def test_determinism(corpora):
    (root_a, frame_a), (root_b, _), (root_c, frame_c) = corpora["a"], corpora["b"], corpora["c"]
    assert (root_a / "metadata.csv").read_bytes() == (root_b / "metadata.csv").read_bytes()
    for filename in frame_a["filename"]:
        assert (root_a / "audio" / filename).read_bytes() == (root_b / "audio" / filename).read_bytes()
    assert (root_a / "metadata.csv").read_bytes() != (root_c / "metadata.csv").read_bytes()
    common = set(frame_a["filename"]) & set(frame_c["filename"])
    differing = [f for f in common if (root_a / "audio" / f).read_bytes() != (root_c / "audio" / f).read_bytes()]
    assert len(differing) == len(common) > 0


def test_track_independent_of_design(tmp_path, corpora):
    """A track depends on its cell and index, not on the rest of the design."""
    root_a, frame_a = corpora["a"]
    crossed = generate_corpus(tmp_path, design="crossed", tracks_per_cell=1, seed=0, **{
        k: v for k, v in TINY.items() if k != "scale"})
    assert len(crossed) == len(LANGUAGES) * len(GENRES)
    (row,) = crossed[(crossed["language"] == "Bangla") & (crossed["genre"] == "Rock")].itertuples()
    y_crossed = (tmp_path / "audio" / row.filename).read_bytes()
    study_rock = frame_a[(frame_a["language"] == "Bangla") & (frame_a["genre"] == "Rock")]["filename"]
    assert any((root_a / "audio" / f).read_bytes() == y_crossed for f in study_rock)


def test_wav_format(tmp_path):
    frame = generate_corpus(tmp_path, scale=0.05, min_seconds=2.0, max_seconds=2.0, sample_rate=8000,
                            audio_format="wav", progress=False)
    for filename in frame["filename"]:
        assert filename.endswith(".wav")
        info = sf.info(tmp_path / "audio" / filename)
        assert (info.format, info.subtype, info.samplerate, info.frames) == ("WAV", "PCM_16", 8000, 16000)
    with pytest.raises(ValueError):
        generate_corpus(tmp_path, audio_format="mp3", progress=False)


# ---------------------------------------------------------------- building blocks
@pytest.mark.parametrize("genre", GENRES)
def test_synthesize_track(genre):
    y = synthesize_track(np.random.default_rng(3), genre=genre, language="English", seconds=3.3, sample_rate=SR)
    assert y.dtype == np.float32
    assert y.shape == (round(3.3 * SR),)
    assert np.abs(y).max() <= 1.0
    assert np.abs(y).max() > 0.1
    assert np.all(np.isfinite(y))
    y2 = synthesize_track(np.random.default_rng(3), genre=genre, language="English", seconds=3.3, sample_rate=SR)
    np.testing.assert_array_equal(y, y2)


def test_synthesize_track_rejects_unknown_labels():
    with pytest.raises(ValueError):
        synthesize_track(np.random.default_rng(0), genre="Jazz", language="English", seconds=1.0, sample_rate=SR)
    with pytest.raises(ValueError):
        synthesize_track(np.random.default_rng(0), genre="Pop", language="French", seconds=1.0, sample_rate=SR)


def test_rock_is_brighter_than_acoustic():
    """Genre shows in the audio: distorted Rock is brighter than Acoustic on average."""
    from musiclust.clipstats import clip_statistics

    def centroid(genre):
        return np.mean([clip_statistics(synthesize_track(np.random.default_rng(s), genre=genre, language="Bangla",
                                                         seconds=6.0, sample_rate=SR), SR)[40] for s in range(4)])

    assert centroid("Rock") > centroid("Acoustic")


def test_write_lyrics():
    for language in LANGUAGES:
        for genre in GENRES:
            text = write_lyrics(np.random.default_rng(0), genre=genre, language=language)
            assert text.count("\n") >= 4
            assert text == text.strip()
            assert bool(BENGALI.search(text)) == (language == "Bangla")
            assert text == write_lyrics(np.random.default_rng(0), genre=genre, language=language)
    a = write_lyrics(np.random.default_rng(0), genre="Folk", language="Bangla")
    assert a != write_lyrics(np.random.default_rng(1), genre="Folk", language="Bangla")
    with pytest.raises(ValueError):
        write_lyrics(np.random.default_rng(0), genre="Folk", language="Klingon")
