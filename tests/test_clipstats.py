import numpy as np
import pytest

from musiclust.clipstats import CLIP_STATISTIC_NAMES, LIBROSA_TOLERANCE, clip_statistics

SR = 22050


def sine(freq: float, seconds: float = 2.0, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_names():
    assert len(CLIP_STATISTIC_NAMES) == 43
    assert len(set(CLIP_STATISTIC_NAMES)) == 43
    assert CLIP_STATISTIC_NAMES[:2] == ("mfcc1_mean", "mfcc2_mean")
    assert CLIP_STATISTIC_NAMES[19:21] == ("mfcc20_mean", "mfcc1_std")
    assert CLIP_STATISTIC_NAMES[39] == "mfcc20_std"
    assert CLIP_STATISTIC_NAMES[40:] == ("centroid_mean", "centroid_std", "zcr_mean")


def librosa_statistics(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """The study's recipe, with librosa."""
    import librosa

    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sr)[0]
    zcr = librosa.feature.zero_crossing_rate(y)[0]
    return np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1), [centroid.mean(), centroid.std(), zcr.mean()]])


def test_shape_dtype_and_order_match_librosa():
    y = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    stats = clip_statistics(y, SR)
    assert stats.shape == (43,)
    assert stats.dtype == np.float32
    np.testing.assert_allclose(stats, librosa_statistics(y), **LIBROSA_TOLERANCE)


def test_every_statistic_of_a_synthetic_track_is_librosas_within_the_stated_tolerance():
    from musiclust.datasets.synthetic import synthesize_gtzan_track

    rng = np.random.default_rng(7)
    for genre in ("metal", "classical", "hiphop"):
        y = synthesize_gtzan_track(rng, genre=genre, seconds=8.0, sample_rate=SR)
        y = y * np.float32(0.01) if genre == "classical" else y  # a quiet one too: the 80 dB floor applies
        np.testing.assert_allclose(clip_statistics(y, SR), librosa_statistics(y), **LIBROSA_TOLERANCE,
                                   err_msg=genre)


def test_silence_is_finite():
    stats = clip_statistics(np.zeros(SR, dtype=np.float32), SR)
    assert stats.shape == (43,)
    assert np.all(np.isfinite(stats))
    assert stats[42] == 0.0  # no zero crossings


@pytest.mark.parametrize("freq", [440.0, 1500.0])
def test_pure_tone_centroid_and_zcr(freq):
    stats = clip_statistics(sine(freq), SR)
    centroid_mean, centroid_std, zcr_mean = stats[40:]
    assert centroid_mean == pytest.approx(freq, rel=0.05)
    assert centroid_std < 0.1 * freq  # steady tone (edge frames add a little spread)
    assert zcr_mean == pytest.approx(2 * freq / SR, rel=0.05)


def test_brighter_signal_has_higher_centroid():
    assert clip_statistics(sine(3000.0), SR)[40] > clip_statistics(sine(300.0), SR)[40] + 2000


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        clip_statistics(np.zeros((2, 100), dtype=np.float32), SR)
    with pytest.raises(ValueError):
        clip_statistics(np.zeros(0, dtype=np.float32), SR)
