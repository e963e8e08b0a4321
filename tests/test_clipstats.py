import numpy as np
import pytest
import torch

from musiclust.clipstats import (
    CLIP_STATISTIC_NAMES,
    LIBROSA_TOLERANCE,
    SAME_FRAMES_TOLERANCE,
    ClipFrames,
    clip_statistics,
    clip_statistics_librosa,
    librosa_gaps,
    recipe,
)

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
    """The study's recipe, with librosa, written out here independently of the package."""
    import librosa

    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sr)[0]
    zcr = librosa.feature.zero_crossing_rate(y)[0]
    return np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1), [centroid.mean(), centroid.std(), zcr.mean()]])


def assert_within_librosa_tolerance(stats: np.ndarray, reference: np.ndarray, label: str = "") -> None:
    """LIBROSA_TOLERANCE as its docstring states it, checked element by element."""
    spread = np.maximum(reference[np.r_[20:40, 41]], 1e-3)
    np.testing.assert_array_less(np.abs(stats[np.r_[0:20, 40]] - reference[np.r_[0:20, 40]]),
                                 LIBROSA_TOLERANCE["mean"] * spread, err_msg=f"{label}: means")
    np.testing.assert_array_less(np.abs(stats[np.r_[20:40, 41]] - reference[np.r_[20:40, 41]]),
                                 LIBROSA_TOLERANCE["std"] * spread, err_msg=f"{label}: standard deviations")
    np.testing.assert_allclose(stats[42], reference[42], rtol=LIBROSA_TOLERANCE["zcr"], atol=0, err_msg=f"{label}: zcr")


def test_shape_dtype_and_order_match_librosa():
    y = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    stats = clip_statistics(y, SR)
    assert stats.shape == (43,)
    assert stats.dtype == np.float32
    # no longer than one chunk: librosa's own frames, only the rounding differs
    np.testing.assert_allclose(stats, librosa_statistics(y), **SAME_FRAMES_TOLERANCE)


def test_the_reference_recipe_is_librosas_own():
    y = np.random.default_rng(1).standard_normal(2 * SR).astype(np.float32) * 0.1
    np.testing.assert_allclose(clip_statistics_librosa(y, SR), librosa_statistics(y), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seconds, seed, genre", [(8.0, 7, "metal"), (8.0, 8, "classical"), (8.0, 9, "hiphop"),
                                                  (30.0, 12, "hiphop")])   # 30 s hiphop: the largest MFCC gap seen
def test_every_statistic_of_a_synthetic_track_is_librosas_within_the_stated_tolerance(seconds, seed, genre):
    from musiclust.datasets.synthetic import synthesize_gtzan_track

    y = synthesize_gtzan_track(np.random.default_rng(seed), genre=genre, seconds=seconds, sample_rate=SR)
    y = y * np.float32(0.01) if genre == "classical" else y  # a quiet one too: the 80 dB floor applies
    stats, reference = clip_statistics(y, SR), librosa_statistics(y)
    assert_within_librosa_tolerance(stats, reference, genre)
    gaps = librosa_gaps(stats, reference)
    assert all(gaps[name] <= LIBROSA_TOLERANCE[name] for name in gaps), gaps


def test_the_joins_of_chunks_leave_no_trace_in_stationary_noise(monkeypatch):
    import musiclust.clipstats as clipstats

    # Each chunk's STFT zero-pads its ends; frames across a join would read as quieter and spread
    # the MFCCs of steady noise several times wider than librosa's (one STFT of the whole signal).
    y = (0.1 * np.random.default_rng(0).standard_normal(30 * SR)).astype(np.float32)
    reference = librosa_statistics(y)
    assert_within_librosa_tolerance(clip_statistics(y, SR), reference, "noise")
    monkeypatch.setattr(clipstats, "_clear_of_joins", lambda pieces: [torch.ones_like(c, dtype=torch.bool)
                                                                       for _, c, _ in pieces])
    assert librosa_gaps(clip_statistics(y, SR), reference)["std"] > 5 * LIBROSA_TOLERANCE["std"]


def _spectra(pieces: np.ndarray):
    from musiclust.audio import mel_spectra

    return mel_spectra(pieces, recipe(SR))


def test_frames_are_read_piece_by_piece_and_the_tail_gets_its_own_stft():
    rng = np.random.default_rng(2)
    y = (0.1 * rng.standard_normal(7 * SR + 5000)).astype(np.float32)
    frames = ClipFrames(SR)
    pieces = y[: 7 * SR].reshape(7, SR)
    frames.add(*_spectra(pieces[:4]), SR)   # in batches, as the features stage adds its chunks
    frames.add(*_spectra(pieces[4:]), SR)
    assert frames.covered == 7 * SR
    stats = frames.statistics(y)            # the last 5,000 samples without a piece
    assert np.array_equal(stats, clip_statistics(y, SR, chunk_samples=SR, batch_size=4))
    assert np.array_equal(frames.statistics(y), stats)  # taking the statistics changes nothing
    # The tail counts: a tone in it alone moves the centroid off silence.
    quiet = np.zeros(4 * SR, dtype=np.float32)
    quiet[3 * SR :] = 0.5 * np.sin(2 * np.pi * 2000 * np.arange(SR) / SR)
    silent_chunk = ClipFrames(SR)
    silent_chunk.add(*_spectra(quiet[: 3 * SR][None]), 3 * SR)
    assert silent_chunk.statistics(quiet)[40] > 0 and silent_chunk.statistics(quiet)[42] > 0
    with pytest.raises(ValueError, match="hold"):
        frames.statistics(y[: 6 * SR])


def test_clip_frames_refuses_spectra_of_other_settings():
    from musiclust.audio import MelConfig, mel_spectra

    with pytest.raises(ValueError, match="mel bands"):
        ClipFrames(SR).add(*mel_spectra(np.zeros((1, SR), np.float32), MelConfig(n_mels=64)), SR)


def test_gaps_are_measured_in_the_tolerances_terms():
    import doctest

    import musiclust.clipstats as clipstats

    assert doctest.testmod(clipstats, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
    reference = librosa_statistics(np.random.default_rng(3).standard_normal(SR).astype(np.float32))
    shifted = reference.copy()
    shifted[5] += 0.1 * reference[25]   # MFCC 6's mean moved by a tenth of its spread
    shifted[41] *= 1.02                 # the centroid's spread by 2%
    assert librosa_gaps(shifted, reference) == pytest.approx({"mean": 0.1, "std": 0.02, "zcr": 0.0}, rel=1e-5)


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
