"""One decode, one STFT per crop: the log-mel chunks keep their recorded bytes, and the clip statistics
come from the same spectrogram."""

import hashlib

import numpy as np
import pytest
import soundfile as sf

from musiclust.audio import MelConfig, central_crop, load_crop
from musiclust.features import track_features

SR = 22050


def fixture_track(seconds: float, seed: int) -> np.ndarray:
    """A seeded signal made without libm (no sine: NumPy's SIMD loops round it by CPU): a 441 Hz
    sawtooth from integer arithmetic, and noise whose level steps every half second."""
    n = int(round(seconds * SR))
    rng = np.random.default_rng(seed)
    saw = (np.arange(n) % 50).astype(np.float32) / np.float32(50.0) - np.float32(0.5)
    level = np.repeat(rng.uniform(0.0, 0.3, size=-(-n // (SR // 2))).astype(np.float32), SR // 2)[:n]
    return np.float32(0.2) * saw + level * rng.standard_normal(n).astype(np.float32)


TRACKS = {"long": (31.0, 0), "tail": (12.5, 1)}   # cropped to 10 chunks; 4 chunks and a 0.5 s tail
CONFIGS = {"default": MelConfig(), "batches_of_3": MelConfig(batch_size=3), "absolute": MelConfig(level="absolute"),
           "float16": MelConfig(dtype="float16")}
# sha256 of the mels' bytes, recorded with the features stage as it was before the clip statistics
# shared its STFT: every trained model was fitted on these bytes.
RECORDED_MELS = {
    ("default", "long"): "0edcdd1769b53fac0b536933f6d05521cc0e2135ae13746f3b93ceeefee00dfe",
    ("batches_of_3", "long"): "0edcdd1769b53fac0b536933f6d05521cc0e2135ae13746f3b93ceeefee00dfe",
    ("absolute", "long"): "469638f8610511349924cbc197f4c30be2f036ae094be427c0ddaad2795e4c31",
    ("float16", "long"): "a78a44576714d4e161e52a3c240023393350278951bd27948c3d8e8fe3c49382",
    ("default", "tail"): "ea9f40cd25d0fc10a7480171e250ddbf9993518b2faef47b8e973058b7317f9b",
    ("batches_of_3", "tail"): "ea9f40cd25d0fc10a7480171e250ddbf9993518b2faef47b8e973058b7317f9b",
    ("absolute", "tail"): "f1626e822c453ac181d25f993bdb8d95ca82b74755cb8b4b74f66e68f8e6339b",
    ("float16", "tail"): "1445b915159fb8e8339c0c89b87e18c419141ffe5e6eebfd4a76f29a6a021137",
}


@pytest.fixture(scope="module")
def track_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tracks")
    paths = {}
    for name, (seconds, seed) in TRACKS.items():
        paths[name] = folder / f"{name}.wav"
        sf.write(paths[name], fixture_track(seconds, seed), SR, subtype="FLOAT")  # read back to the bit
    return paths


@pytest.mark.parametrize("config, track", sorted(RECORDED_MELS))
def test_mels_keep_their_recorded_bytes(track_files, config, track):
    cfg = CONFIGS[config]
    features = track_features(track, track_files[track], cfg)
    assert features.mels.dtype == np.dtype(cfg.dtype) and features.mels.shape == (len(features.chunks), 128, 128)
    assert len(features.chunks) == (10 if track == "long" else 4)
    assert hashlib.sha256(features.mels.tobytes()).hexdigest() == RECORDED_MELS[config, track]


@pytest.mark.parametrize("config", ["default", "batches_of_3"])
@pytest.mark.parametrize("track", sorted(TRACKS))
def test_clip_statistics_come_from_the_mels_stft_with_the_bits_of_clip_statistics(track_files, config, track):
    from musiclust.clipstats import clip_statistics

    cfg = CONFIGS[config]
    crop = central_crop(load_crop(track_files[track], SR, cfg.crop_seconds).samples, cfg.crop_samples)[0]
    expected = clip_statistics(crop, SR, chunk_samples=cfg.chunk_samples, batch_size=cfg.batch_size)
    assert np.array_equal(track_features(track, track_files[track], cfg).clip_stats, expected)


def test_the_features_stft_is_taken_once_per_chunk(track_files, monkeypatch):
    import musiclust.audio as audio

    calls = []
    transform = audio._mel_transform(SR, 2048, 512, 128)
    original = type(transform.spectrogram).forward
    monkeypatch.setattr(type(transform.spectrogram), "forward",
                        lambda self, x: calls.append(tuple(x.shape)) or original(self, x))
    track_features("tail", track_files["tail"], MelConfig())
    # the four chunks in one batch, and the 0.5 s after them for the clip statistics alone
    assert calls == [(4, 3 * SR), (1, SR // 2)]


def test_other_stft_settings_give_the_clip_statistics_their_own(track_files):
    # The clip statistics keep librosa's settings whatever the log-mel recipe's: the same numbers.
    default = track_features("tail", track_files["tail"], MelConfig())
    other = track_features("tail", track_files["tail"], MelConfig(n_mels=64, hop_length=256))
    assert other.mels.shape == (4, 64, 128)
    assert np.array_equal(other.clip_stats, default.clip_stats)
