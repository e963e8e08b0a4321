"""The pretrained audio model as a representation kind: its input cut from the kept chunks, its codes."""

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from musiclust.chunk_audio import AudioChunks, chunk_patches
from musiclust.config import InputError
from musiclust.models import ModelInputs, embed, kind_of
from musiclust.musicnn import MusicnnConfig, load_musicnn, musicnn_patches


def _corpus(tmp_path, seconds=(7.0, 10.0), rate=22050):
    rng = np.random.default_rng(0)
    rows = []
    for i, length in enumerate(seconds):
        t = np.arange(int(length * rate)) / rate
        y = 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t) + 0.05 * rng.normal(size=len(t))
        sf.write(tmp_path / f"s{i}.wav", y.astype(np.float32), rate)
        rows.append({"track_id": f"s{i}", "path": f"s{i}.wav"})
    return pd.DataFrame(rows)


def test_each_kept_chunk_gets_musicnns_patch_of_the_same_crop(tmp_path):
    tracks = _corpus(tmp_path)
    # the features stage kept chunks 0-1 of s0 (a 6 s crop) and 0-2 of s1 (9 s), say; s1's chunk 1 was dropped
    keys = pd.DataFrame({"track_id": ["s1", "s0", "s1", "s0"], "chunk": [2, 1, 0, 0]})
    patches = chunk_patches(AudioChunks(tracks, tmp_path, keys, crop_seconds=9.0, chunk_seconds=3.0), progress=False)
    assert patches.keys.values.tolist() == [["s0", 0], ["s0", 1], ["s1", 0], ["s1", 2]]
    assert patches.data.shape == (4, 187, 96) and patches.level == "chunk"
    # s1 (10 s) is cropped to its central 9 s: chunk 2 is seconds 6.5-9.5 of the file, read at 16 kHz
    import librosa

    y, _ = librosa.load(tmp_path / "s1.wav", sr=16000)
    start = (len(y) - 9 * 16000) // 2 + 6 * 16000
    expected = musicnn_patches(y[start : start + 3 * 16000], 16000)[0]
    np.testing.assert_allclose(patches.data[3], expected, atol=0.05)  # resampled whole vs in place


def test_a_chunk_the_crop_does_not_hold_is_named(tmp_path):
    tracks = _corpus(tmp_path)
    keys = pd.DataFrame({"track_id": ["s0"], "chunk": [5]})
    with pytest.raises(InputError, match="s0.wav.*chunk 5"):
        chunk_patches(AudioChunks(tracks, tmp_path, keys, 30.0, 3.0), progress=False)
    with pytest.raises(InputError, match="at least 3 s"):
        chunk_patches(AudioChunks(tracks, tmp_path, pd.DataFrame({"track_id": ["s0"], "chunk": [0]}), 6.0, 2.0),
                      progress=False)


def test_the_registry_embeds_chunks_and_their_track_means(tmp_path):
    tracks = _corpus(tmp_path)
    keys = pd.DataFrame({"track_id": ["s0", "s0", "s1"], "chunk": [0, 1, 0]})
    patches = chunk_patches(AudioChunks(tracks, tmp_path, keys, 6.0, 3.0), progress=False)
    assert not kind_of("musicnn").trains
    rows, codes = embed("musicnn", MusicnnConfig(batch_size=2), ModelInputs(audio=patches, given=frozenset({"audio"})),
                        progress=False)[""]
    assert rows["level"].tolist() == ["chunk", "chunk", "chunk", "track", "track"]
    assert codes.shape == (5, 200) and np.isfinite(codes).all()
    direct = load_musicnn("MSD_musicnn").encode(patches.data, "penultimate")
    np.testing.assert_allclose(codes[:3], direct, atol=1e-5)  # batches of 2 or 3: the same codes
    np.testing.assert_allclose(codes[3], direct[:2].mean(0), rtol=1e-5, atol=1e-6)
    pooled = embed("musicnn", MusicnnConfig(layer="max_pool"), ModelInputs(audio=patches, given=frozenset({"audio"})),
                   device=torch.device("cpu"), progress=False)[""][1]
    assert pooled.shape == (5, 753)


def test_the_chunk_patch_is_musicnns_front_end_in_torch():
    # the same patch as the front end that matches the original (tests/test_musicnn.py), up to the last bits
    # of the spectrogram, which can move a float16 rounding by one step (about 4e-4 after the log)
    from musiclust.chunk_audio import chunk_patch

    rng = np.random.default_rng(3)
    t = np.arange(3 * 16000) / 16000
    audio = (0.4 * np.sin(2 * np.pi * 330 * t) * np.exp(-t) + 0.05 * rng.normal(size=len(t))).astype(np.float32)
    ours, theirs = chunk_patch(audio), musicnn_patches(audio, 16000)[0]
    assert ours.shape == theirs.shape == (187, 96) and ours.dtype == np.float32
    differ = np.abs(ours - theirs) > 1e-4
    assert differ.mean() < 1e-2 and np.abs(ours - theirs).max() < 1e-3
    with pytest.raises(ValueError, match="shorter than one patch"):
        chunk_patch(audio[:16000])
