import numpy as np
import pytest

from musiclust.clipstats import CLIP_STATISTIC_NAMES, clip_statistics

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


def test_shape_dtype_and_order_match_librosa():
    import librosa

    y = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    stats = clip_statistics(y, SR)
    assert stats.shape == (43,)
    assert stats.dtype == np.float32
    mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)
    np.testing.assert_allclose(stats[:20], mfcc.mean(axis=1), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(stats[20:40], mfcc.std(axis=1), rtol=1e-4, atol=1e-3)
    zcr = librosa.feature.zero_crossing_rate(y).mean()
    assert stats[42] == pytest.approx(zcr, rel=1e-5)


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
