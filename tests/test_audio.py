import numpy as np
import pytest
import soundfile as sf

from musiclust.audio import (
    AudioError,
    MelConfig,
    central_crop,
    chunk,
    load_audio,
    load_crop,
    log_mel,
    log_mel_librosa,
    track_chunks,
)
from musiclust.features import corpus_features


def spectrogram_corpus(tracks, root, cfg, out, progress=False):
    features = corpus_features(tracks, root, cfg, out, progress=progress)
    return features.chunks, features.status

CFG = MelConfig()


def _signals(n):
    rng = np.random.default_rng(1)
    t = np.arange(CFG.chunk_samples) / CFG.sample_rate
    return np.stack([
        0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t)),
        0.2 * rng.standard_normal(len(t)),
        0.5 * np.sin(2 * np.pi * 110 * t) * np.exp(-2 * t),
        np.where((t % 0.5) < 0.02, 0.8, 0.0) * rng.standard_normal(len(t)),
    ][:n]).astype(np.float32)


def test_torch_mel_equals_librosa_reference():
    x = _signals(4)
    got = log_mel(x, CFG)
    ref = np.stack([log_mel_librosa(c, CFG) for c in x])
    assert got.shape == (4, 128, 128) and got.dtype == np.float32
    assert np.abs(got - ref).max() < 1e-4
    assert got.min() == 0.0 and np.allclose(got.max(axis=(1, 2)), 1.0)


def test_silent_chunk_gives_zeros_not_nan():
    x = np.zeros((2, CFG.chunk_samples), dtype=np.float32)
    x[1] = _signals(1)[0]
    out = log_mel(x, CFG)
    assert np.isfinite(out).all()
    assert (out[0] == 0).all() and out[1].max() == 1.0


def test_short_spectrogram_is_padded_to_frames():
    cfg = MelConfig(chunk_seconds=1.0, crop_seconds=1.0)
    x = np.random.default_rng(0).standard_normal((1, cfg.chunk_samples)).astype(np.float32)
    got, ref = log_mel(x, cfg), log_mel_librosa(x[0], cfg)
    assert got.shape == (1, 128, 128)
    assert np.abs(got[0] - ref).max() < 1e-4
    assert (got[0][:, 50:] == 0).all()  # padding sits at the floor, which scales to 0


def test_central_crop_and_chunking():
    y = np.arange(100, dtype=np.float32)
    cropped, offset = central_crop(y, 40)
    assert offset == 30 and cropped[0] == 30 and len(cropped) == 40
    assert central_crop(y, 200)[1] == 0
    assert chunk(y, 30).shape == (3, 30)
    cfg = MelConfig(sample_rate=10, crop_seconds=4, chunk_seconds=1)
    chunks, starts = track_chunks(np.arange(60, dtype=np.float32), cfg)
    assert chunks.shape == (4, 10) and list(starts) == [1.0, 2.0, 3.0, 4.0]
    assert chunks[0, 0] == 10


def test_load_audio_stereo_resampled_and_errors(tmp_path):
    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 220 * t)], axis=1) * 0.5
    sf.write(tmp_path / "s.wav", stereo, 44100)
    y = load_audio(tmp_path / "s.wav", 22050)
    assert y.ndim == 1 and abs(len(y) - 22050) <= 1 and y.dtype == np.float32
    (tmp_path / "bad.wav").write_bytes(b"not audio at all")
    with pytest.raises(AudioError, match="bad.wav"):
        load_audio(tmp_path / "bad.wav", 22050)


def test_spectrogram_corpus_streams_and_records_skips(tmp_path):
    import pandas as pd

    sr = 22050
    rng = np.random.default_rng(0)
    sf.write(tmp_path / "a.wav", 0.1 * rng.standard_normal(sr * 7), sr)   # 2 chunks
    sf.write(tmp_path / "b.wav", 0.1 * rng.standard_normal(sr * 2), sr)   # too short
    (tmp_path / "c.wav").write_bytes(b"garbage")
    tracks = pd.DataFrame({"track_id": ["c", "a", "b"], "path": ["c.wav", "a.wav", "b.wav"]})
    chunks, status = spectrogram_corpus(tracks, tmp_path, CFG, tmp_path / "mels.npy", progress=False)
    mels = np.load(tmp_path / "mels.npy", mmap_mode="r")
    assert mels.shape == (2, 128, 128) and len(chunks) == 2
    assert list(chunks["track_id"]) == ["a", "a"] and list(chunks["chunk"]) == [0, 1]
    assert chunks["start_s"].iloc[1] - chunks["start_s"].iloc[0] == pytest.approx(3.0)
    st = status.set_index("track_id")
    assert st.loc["a", "status"] == "ok" and st.loc["a", "n_chunks"] == 2
    assert st.loc["b", "status"] == "skipped" and "shorter" in st.loc["b", "reason"]
    # nothing usable left: the run fails, naming the reasons, and writes no array
    with pytest.raises(AudioError, match="shorter than the minimum 8 s"):
        spectrogram_corpus(tracks, tmp_path, MelConfig(min_seconds=8.0), tmp_path / "m2.npy", progress=False)
    assert not (tmp_path / "m2.npy").exists()
    assert st.loc["c", "status"] == "skipped" and "c.wav" in st.loc["c", "reason"]


def test_corpus_edge_cases_each_get_their_documented_answer(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(2)
    t44 = np.arange(44100 * 12) / 44100
    sf.write(tmp_path / "stereo44k.wav", 0.3 * np.stack([np.sin(2 * np.pi * 330 * t44)] * 2, axis=1), 44100)
    sf.write(tmp_path / "rate8k.flac", 0.2 * rng.standard_normal(8000 * 12), 8000)
    sf.write(tmp_path / "silent.wav", np.zeros(22050 * 12), 22050)
    sf.write(tmp_path / "short5s.ogg", 0.2 * rng.standard_normal(22050 * 5), 22050)
    sf.write(tmp_path / "long.wav", 0.2 * rng.standard_normal(22050 * 50), 22050)
    sf.write(tmp_path / "empty.wav", np.zeros(0), 22050)
    (tmp_path / "broken.mp3").write_bytes(b"ID3" + rng.bytes(2000))
    names = ["stereo44k.wav", "rate8k.flac", "silent.wav", "short5s.ogg", "long.wav", "empty.wav", "broken.mp3"]
    tracks = pd.DataFrame({"track_id": [n.split(".")[0] for n in names], "path": names})
    chunks, status = spectrogram_corpus(tracks, tmp_path, CFG, tmp_path / "mels.npy", progress=False)
    st = status.set_index("track_id")
    mels = np.load(tmp_path / "mels.npy")
    assert np.isfinite(mels).all()
    n = chunks.groupby("track_id").size()
    assert n["stereo44k"] == 4 and n["rate8k"] == 4 and n["silent"] == 4  # 12 s: fewer chunks
    assert n["short5s"] == 1 and n["long"] == 10  # 50 s: the central 30 s
    assert chunks.set_index(["track_id", "chunk"]).loc[("long", 0), "start_s"] == pytest.approx(10.0)
    silent_rows = (chunks["track_id"] == "silent").to_numpy()
    assert (mels[silent_rows] == 0).all()  # zeros, not NaN
    assert st.loc["empty", "status"] == "skipped" and "zero samples" in st.loc["empty", "reason"]
    assert st.loc["broken", "status"] == "skipped" and "broken.mp3" in st.loc["broken", "reason"]
    assert st.loc["stereo44k", "duration_s"] == pytest.approx(12.0, abs=0.01)


def test_mp3_decodes_like_the_real_hblm_files(tmp_path):
    t = np.arange(22050 * 4) / 22050
    sf.write(tmp_path / "song_1.mp3", 0.3 * np.sin(2 * np.pi * 440 * t), 22050, format="MP3")
    y = load_audio(tmp_path / "song_1.mp3", 22050)
    assert abs(len(y) / 22050 - 4.0) < 0.1
    spectrum = np.abs(np.fft.rfft(y[2000:2000 + 22050]))
    assert abs(np.argmax(spectrum) - 440) <= 2  # 1 Hz bins: the tone survives the codec


def test_only_the_central_crop_is_decoded_and_matches_a_whole_decode(tmp_path):
    sr = 22050
    y = (0.2 * np.random.default_rng(3).standard_normal(sr * 40)).astype(np.float32)
    sf.write(tmp_path / "long.flac", y, sr)
    whole = load_audio(tmp_path / "long.flac", sr)
    crop = load_crop(tmp_path / "long.flac", sr, 30.0)
    expected, offset = central_crop(whole, 30 * sr)
    np.testing.assert_array_equal(crop.samples, expected)  # the same samples, read by seeking
    assert crop.start == offset == 5 * sr and crop.duration_s == pytest.approx(40.0)
    # a stereo 44.1 kHz file: the crop is read at its own rate, then averaged and resampled
    t = np.arange(44100 * 40) / 44100
    sf.write(tmp_path / "stereo.wav", 0.3 * np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1), 44100)
    stereo = load_crop(tmp_path / "stereo.wav", sr, 30.0)
    assert len(stereo.samples) == 30 * sr and stereo.start == 5 * sr
    spectrum = np.abs(np.fft.rfft(stereo.samples[:sr]))
    assert abs(np.argmax(spectrum) - 440) <= 1


def test_extreme_samples_are_skipped_or_scaled_never_nan(tmp_path):
    import pandas as pd

    sr = 22050
    tone = np.sin(2 * np.pi * 220 * np.arange(sr * 4) / sr).astype(np.float32)
    sf.write(tmp_path / "huge.wav", tone * np.float32(3e37), sr, subtype="FLOAT")
    sf.write(tmp_path / "e30.wav", tone * np.float32(1e30), sr, subtype="FLOAT")
    sf.write(tmp_path / "hot.wav", tone * np.float32(2.5), sr, subtype="FLOAT")
    sf.write(tmp_path / "ok.wav", tone * np.float32(0.5), sr, subtype="FLOAT")
    names = ["huge", "e30", "hot", "ok"]
    tracks = pd.DataFrame({"track_id": names, "path": [f"{n}.wav" for n in names]})
    features = corpus_features(tracks, tmp_path, MelConfig(crop_seconds=3.0), tmp_path / "m.npy", progress=False)
    st = features.status.set_index("track_id")
    assert st.loc["huge", "status"] == "skipped" and "far outside [-1, 1]" in st.loc["huge", "reason"]
    assert st.loc["e30", "status"] == "skipped" and "huge.wav" not in st.loc["e30", "reason"]
    assert st.loc["hot", "status"] == "ok" and "scaled to 1" in st.loc["hot", "reason"]
    # one skip policy: the clip statistics cover exactly the tracks the mel chunks cover
    assert features.clip_ids == ["hot", "ok"] == sorted(features.chunks["track_id"].unique())
    assert np.isfinite(features.clip_stats).all() and np.isfinite(np.load(tmp_path / "m.npy")).all()
    # the scaled track has the spectral shape of the same tone recorded in range (MFCC 1-19; MFCC 0 is loudness)
    np.testing.assert_allclose(features.clip_stats[0][1:20], features.clip_stats[1][1:20], rtol=1e-2, atol=0.5)


def test_short_tracks_are_skipped_for_every_representation(tmp_path):
    import pandas as pd

    sr = 22050
    rng = np.random.default_rng(1)
    sf.write(tmp_path / "long.wav", 0.1 * rng.standard_normal(sr * 9), sr)
    sf.write(tmp_path / "short.wav", 0.1 * rng.standard_normal(sr * 4), sr)
    tracks = pd.DataFrame({"track_id": ["long", "short"], "path": ["long.wav", "short.wav"]})
    features = corpus_features(tracks, tmp_path, MelConfig(min_seconds=6.0), tmp_path / "m.npy", progress=False)
    assert features.clip_ids == ["long"] and features.clip_stats.shape == (1, 43)
    assert features.status.set_index("track_id").loc["short", "status"] == "skipped"


def test_an_empty_decoder_message_still_names_the_reason(tmp_path):
    (tmp_path / "x.mp3").write_bytes(b"")
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "x.mp3", 22050)
    message = str(err.value)
    assert "x.mp3" in message and not message.rstrip(")").endswith(": ")


def test_absolute_level_keeps_how_loud_a_chunk_is():
    from musiclust.audio import full_scale_power, log_mel
    from musiclust.mel_config import MelConfig

    cfg = MelConfig(level="absolute")
    sr = cfg.sample_rate
    t = np.arange(cfg.chunk_samples) / sr
    sine = np.sin(2 * np.pi * 1000.0 * t).astype(np.float32)
    loud, half, silent = log_mel(np.stack([sine, 0.5 * sine, np.zeros_like(sine)]), cfg)
    assert loud.shape == (cfg.n_mels, cfg.frames)
    assert loud.max() == pytest.approx(1.0, abs=1e-3)  # a full-scale sine is the 0 dB reference
    # half the amplitude is 6.02 dB quieter: 6.02 / top_db lower wherever both are above the floor
    both = (half > 0.05) & (loud < 1.0)
    assert both.sum() > 100
    np.testing.assert_allclose((loud - half)[both], 20 * np.log10(2) / cfg.top_db, atol=1e-4)
    assert not silent.any()
    # the study's per-chunk scaling makes the two chunks identical: their level is lost
    study = log_mel(np.stack([sine, 0.5 * sine]), MelConfig())
    np.testing.assert_allclose(study[0], study[1], atol=1e-5)
    assert full_scale_power(sr, cfg.n_fft, cfg.hop_length, cfg.n_mels) > 0
