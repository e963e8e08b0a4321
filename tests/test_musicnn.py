"""The PyTorch musicnn against what the original TensorFlow musicnn gave (tests/data/musicnn_reference.npz,
written by scripts/musicnn_reference.py): its checkpoint listing, its input patches, its tags and features."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import load_script

from musiclust.config import ConfigError, InputError
from musiclust.musicnn import (
    CODE_LAYERS,
    MODELS,
    MusicnnConfig,
    checkpoint_prefix,
    load_musicnn,
    musicnn_dir,
    musicnn_patches,
)
from musiclust.musicnn.checkpoint import CheckpointError, crc32c, read_checkpoint, read_index
from musiclust.musicnn.frontend import N_FRAMES, log_mel

REFERENCE = Path(__file__).parent / "data" / "musicnn_reference.npz"
ref_script = load_script("musicnn_reference")

# Patches: identical here (librosa 0.11 / numpy 2 against the original's librosa 0.8.1 / numpy 1.23). Another
# BLAS may round a mel power to the neighbouring float16, a step of up to ~3e-4 in log10(1 + 10000 x): so at
# most 0.1% of the entries may differ by more than 1e-4 and none by more than 1e-3.
PATCH_ATOL, PATCH_OUTLIERS, PATCH_MAX = 1e-4, 1e-3, 1e-3
# Tags and features: float32 rounding only. Tags and penultimate features: 1e-4 absolute (found: < 1e-5). The
# pooled and time-resolved maps reach ~100 through the residual mid end, where TensorFlow's and this port's
# float32 sums both stray ~2e-4 from a float64 run of the port: 1e-4 plus 1e-5 times the map's largest
# magnitude (float32 spacing at 100 is 7.6e-6).
ATOL, SCALED = 1e-4, 1e-5


def assert_close_to_scale(actual: np.ndarray, desired: np.ndarray, name: str) -> None:
    tolerance = ATOL + SCALED * np.abs(desired).max()
    worst = np.abs(actual - desired).max()
    assert worst <= tolerance, f"{name}: max abs difference {worst:.3g} > {tolerance:.3g}"


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module")
def nets():
    return {model: load_musicnn(model) for model in MODELS}


def test_signals_are_the_ones_tensorflow_saw(reference):
    assert list(reference["signal_names"]) == list(ref_script.SIGNALS)
    for name, digest in zip(reference["signal_names"], reference["signal_sha256"]):
        assert ref_script.signal_sha256(ref_script.make_signal(str(name))) == digest, name


@pytest.mark.parametrize("model", MODELS)
def test_checkpoint_reader_lists_what_tensorflow_lists(reference, model):
    variables = read_checkpoint(checkpoint_prefix(model))
    listing = dict(zip(reference[f"{model}/variable_names"], reference[f"{model}/variable_shapes"]))
    assert len(variables) == len(listing) == 150
    assert {name: repr(tuple(value.shape)) for name, value in variables.items()} == listing
    assert all(value.dtype == np.float32 for value in variables.values())
    assert np.isfinite(variables["conv2d/kernel"]).all() and variables["conv2d/kernel"].std() > 0


def test_checkpoint_crc_catches_a_damaged_data_file(tmp_path):
    source = Path(checkpoint_prefix("MSD_musicnn"))
    for name in (".index", ".data-00000-of-00001"):
        shutil.copy(source / name, tmp_path / name)
    prefix = str(tmp_path) + "/"
    read_checkpoint(prefix)  # intact
    data = bytearray((tmp_path / ".data-00000-of-00001").read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / ".data-00000-of-00001").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="crc32c"):
        read_checkpoint(prefix)
    assert len(read_checkpoint(prefix, verify=False)) == 150


def test_sstable_checks_its_footer_and_blocks(tmp_path):
    index = (Path(checkpoint_prefix("MSD_musicnn")) / ".index").read_bytes()
    entries = read_index(Path(checkpoint_prefix("MSD_musicnn")) / ".index")
    assert entries[0][0] == b"" and [k for k, _ in entries] == sorted(k for k, _ in entries)
    (tmp_path / "bad.index").write_bytes(index[:-1] + b"\x00")
    with pytest.raises(CheckpointError, match="magic"):
        read_index(tmp_path / "bad.index")
    damaged = bytearray(index)
    damaged[20] ^= 0x40  # inside the first data block
    (tmp_path / "damaged.index").write_bytes(bytes(damaged))
    with pytest.raises(CheckpointError, match="crc32c"):
        read_index(tmp_path / "damaged.index")


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283  # the standard check value
    long = np.random.default_rng(0).integers(0, 256, 200_003, dtype=np.uint8).tobytes()
    # the chunked numpy path against the byte loop it replaces
    from musiclust.musicnn.checkpoint import _crc_raw
    assert crc32c(long) == _crc_raw(0xFFFFFFFF, long) ^ 0xFFFFFFFF


def test_frontend_matches_the_original_patches(reference):
    ours = np.concatenate([musicnn_patches(ref_script.make_signal(str(n)), 16000) for n in reference["signal_names"]])
    theirs = reference["patches"]
    assert ours.shape == theirs.shape == (int(reference["patch_counts"].sum()), N_FRAMES, 96)
    assert ours.dtype == np.float32
    diff = np.abs(ours - theirs)
    assert (diff > PATCH_ATOL).mean() <= PATCH_OUTLIERS and diff.max() <= PATCH_MAX, diff.max()
    # Each signal's first frame, the one the centring pad reaches, and the last patch of the chord, which ends
    # on its last frame, are held to the tight bound everywhere.
    firsts = np.cumsum([0, *reference["patch_counts"][:-1]])
    assert diff[firsts, 0].max() <= PATCH_ATOL


def test_frontend_hop_matches_the_original_overlap(reference):
    for name in reference["signal_names"]:
        sums = musicnn_patches(ref_script.make_signal(str(name)), 16000, hop=ref_script.OVERLAP_HOP)
        np.testing.assert_allclose(sums.astype(np.float64).sum(axis=(1, 2)), reference[f"overlap_sums_{name}"],
                                   rtol=1e-6)


def test_frontend_inputs():
    rng = np.random.default_rng(1)
    mono = (0.1 * rng.standard_normal(16000 * 4)).astype(np.float32)
    stereo = np.stack([mono, np.zeros_like(mono)])
    np.testing.assert_array_equal(musicnn_patches(stereo, 16000), musicnn_patches(mono / 2, 16000))
    assert musicnn_patches(rng.standard_normal(22050 * 7) * 0.1, 22050).shape == (2, N_FRAMES, 96)
    with pytest.raises(ValueError, match="shorter than one patch"):
        musicnn_patches(mono[:16000 * 2], 16000)
    with pytest.raises(ValueError, match="overflows float16"):
        log_mel(mono * 32768)  # int16-scaled samples


@pytest.mark.parametrize("model", MODELS)
def test_model_matches_tensorflow(reference, nets, model):
    features = nets[model].features(reference["patches"], batch_size=2)
    for name in ("taggram", "penultimate"):
        np.testing.assert_allclose(features[name], reference[f"{model}/{name}"], atol=ATOL, rtol=0, err_msg=name)
    for name in ("mean_pool", "max_pool"):
        assert_close_to_scale(features[name], reference[f"{model}/{name}"], name)
    for name in ref_script.TIME_MAPS:
        values = features[name]
        assert values.shape == tuple(reference[f"{model}/{name}_shape"]), name
        sampled = values.reshape(-1)[ref_script.sampled_indices(values.shape)]
        assert_close_to_scale(sampled, reference[f"{model}/{name}_sampled"], name)


def test_api_shapes_and_batching(reference, nets):
    net = nets["MSD_musicnn"]
    assert len(net.tags) == 50 and net.tags[0] == "rock" and nets["MTT_musicnn"].tags[0] == "guitar"
    patches = reference["patches"]
    whole = net.features(patches, batch_size=64, layers=("taggram", "max_pool"))
    assert set(whole) == {"taggram", "max_pool"}
    for layer, width in zip(CODE_LAYERS, (200, 753, 753)):
        codes = net.encode(patches, layer, batch_size=3)
        assert codes.shape == (len(patches), width) and codes.dtype == np.float32
    np.testing.assert_allclose(net.encode(patches, "max_pool", batch_size=1), whole["max_pool"], atol=1e-4, rtol=1e-5)
    empty = net.features(patches[:0])
    assert empty["penultimate"].shape == (0, 200) and empty["timbral"].shape == (0, N_FRAMES, 408)
    with pytest.raises(ValueError, match="unknown musicnn layers"):
        net.features(patches, layers=("logits",))
    with pytest.raises(ValueError, match="patches must be"):
        net.features(patches[:, :, :64])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_on_cuda_matches_tensorflow(reference):
    # cuDNN may use TF32 for convolutions, which rounds inputs to 10-bit mantissas: looser bounds than on CPU.
    features = load_musicnn("MSD_musicnn", device="cuda").features(reference["patches"])
    np.testing.assert_allclose(features["taggram"], reference["MSD_musicnn/taggram"], atol=1e-2)
    np.testing.assert_allclose(features["penultimate"], reference["MSD_musicnn/penultimate"], atol=5e-2)


def test_missing_package_is_an_input_error(monkeypatch, tmp_path):
    with pytest.raises(InputError, match=r"MSD_musicnn/\.index.*requirements-musicnn\.txt"):
        load_musicnn("MSD_musicnn", package_dir=tmp_path)
    import musiclust.musicnn as package
    real = package.importlib.util.find_spec
    monkeypatch.setattr(package.importlib.util, "find_spec", lambda name: None if name == "musicnn" else real(name))
    with pytest.raises(InputError, match="not installed.*--no-deps --require-hashes -r requirements-musicnn.txt"):
        musicnn_dir()
    with pytest.raises(InputError, match="not installed"):
        load_musicnn()


def test_config_rejects_bad_values():
    MusicnnConfig().validate("models.musicnn")
    MusicnnConfig(model="MTT_musicnn", layer="max_pool", batch_size=1).validate("models.musicnn")
    with pytest.raises(ConfigError, match=r"models\.musicnn\.layer.*'cnn9'"):
        MusicnnConfig(layer="cnn9").validate("models.musicnn")
    with pytest.raises(ConfigError, match=r"models\.musicnn\.model"):
        MusicnnConfig(model="MSD_vgg").validate("models.musicnn")
    with pytest.raises(ConfigError, match=r"models\.musicnn\.batch_size"):
        MusicnnConfig(batch_size=0).validate("models.musicnn")
