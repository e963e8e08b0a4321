"""Training at scale: loader workers, autocast precision, compute params, two-process DDP, the GPU check.

Run as a script, this file is the worker that torchrun starts for the DDP test.
"""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from musiclust.compute import ComputeParams
from musiclust.config import ConfigError
from musiclust.models.conv_bvae import ConvBetaVAE, ConvBVAEConfig
from musiclust.models.dense_ae import DenseAE, DenseAEConfig
from musiclust.train import _RowBatches, resolve_precision, train
from stages.params import build

REPO = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")

# The DDP comparison: a deterministic model (the dense autoencoder draws no noise, unlike the VAEs,
# whose per-rank noise would differ from one process's) and no dropout or BatchNorm, whose
# per-rank statistics would too. 69 rows in batches of 16: the last batch of 5 splits 3 + 2.
DDP_ROWS, DDP_BATCH, DDP_EPOCHS, DDP_SEED = 69, 16, 2, 4


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One torch thread: fastest for these tiny models, and two threads slow down many times
    over when the other core is busy."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _images(n: int, size: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, size, size), dtype=np.float32)


def _conv_vae() -> ConvBetaVAE:
    torch.manual_seed(0)
    return ConvBetaVAE(ConvBVAEConfig(latent_dim=4, beta=4.0, likelihood="sse"), image_size=16)


def _dense_ae() -> DenseAE:
    torch.manual_seed(0)
    return DenseAE(DenseAEConfig(latent_dim=4, hidden_dim=32), image_size=16)


def _run(model: torch.nn.Module, data: np.ndarray, **options) -> tuple[list[tuple], dict]:
    """``(per-epoch (total, reconstruction, kl), final weights)`` of a 3-epoch seeded run."""
    history = train(model, data, epochs=3, batch_size=8, lr=3e-3, seed=3, device=CPU, kl_warmup_epochs=2,
                    progress=False, **options)
    return [(h.total, h.reconstruction, h.kl) for h in history], model.state_dict()


def _assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


@pytest.mark.parametrize("rows", [20, 17])  # a last batch of 4; a last batch of 1, skipped
def test_default_is_fp32_and_workers_change_nothing(tmp_path, rows):
    np.save(tmp_path / "chunks.npy", _images(rows))
    chunks = np.load(tmp_path / "chunks.npy", mmap_mode="r")
    default = _run(_conv_vae(), chunks)
    fp32 = _run(_conv_vae(), chunks, precision="fp32", compile=False, loader_workers=0)
    workers = _run(_conv_vae(), chunks, loader_workers=2)
    in_memory = _run(_conv_vae(), np.array(chunks))
    for other in (fp32, workers, in_memory):
        assert other[0] == default[0]  # bit for bit, not approximately
        _assert_same_weights(other[1], default[1])
    assert default[0][-1][0] < default[0][0][0]


def test_bf16_autocast_on_cpu_is_close_to_fp32():
    data = _images(20)
    fp32, _ = _run(_conv_vae(), data)
    bf16, _ = _run(_conv_vae(), data, precision="bf16")
    assert bf16 != fp32  # autocast did run: bf16 rounding changes the numbers
    # bf16 keeps 8 significant bits (a relative step of 2**-8, 0.4%): the first forward pass
    # moves the loss by about 0.1%, and 9 Adam steps at lr 3e-3 on bf16 gradients drift apart
    # to about 1% by the third epoch. Hence 3% on the losses, and an absolute 0.01 on the KL,
    # which stays below 0.05 (relative differences of a number that small mean little).
    for got, expected in zip(bf16, fp32):
        np.testing.assert_allclose(got[:2], expected[:2], rtol=3e-2)
        np.testing.assert_allclose(got[2], expected[2], atol=0.01)


def test_precision_resolution():
    assert resolve_precision("auto", CPU) == "fp32"  # the CPU keeps today's numbers
    assert resolve_precision("bf16", CPU) == "bf16"
    with pytest.raises(ValueError, match="fp16 training needs a CUDA device"):
        resolve_precision("fp16", CPU)
    with pytest.raises(ValueError, match="'fp8' is not one of"):
        train(_dense_ae(), _images(4), epochs=1, batch_size=2, lr=1e-3, seed=0, device=CPU, precision="fp8",
              progress=False)


def test_memory_map_travels_to_workers_by_name(tmp_path):
    np.save(tmp_path / "chunks.npy", _images(50))
    chunks = np.load(tmp_path / "chunks.npy", mmap_mode="r")
    pickled = pickle.dumps(_RowBatches(chunks))
    assert len(pickled) < 1000  # 50 x 16 x 16 float32 would be 51,200 bytes
    copy = pickle.loads(pickled)
    rows = np.array([7, 3, 41])
    np.testing.assert_array_equal(copy[(rows, 3)][0].numpy(), chunks[np.sort(rows)])
    # A slice of a map is copied, not reopened at the whole file's offset.
    part = pickle.loads(pickle.dumps(_RowBatches(chunks[10:20])))
    np.testing.assert_array_equal(part.data, chunks[10:20])


def test_compute_params_defaults_and_new_fields():
    old_file = build(ComputeParams, {"device": "auto", "threads": 2}, "compute")
    assert (old_file.precision, old_file.compile, old_file.processes) == ("auto", False, 1)
    scaled = build(ComputeParams, {"device": "cuda:1", "precision": "bf16", "compile": True, "processes": 4},
                   "compute")
    assert (scaled.device, scaled.precision, scaled.compile, scaled.processes) == ("cuda:1", "bf16", True, 4)


@pytest.mark.parametrize("data, key, message", [
    ({"precision": "fp8"}, "compute.precision", "'fp8' is not one of"),
    ({"precision": "float16"}, "compute.precision", "is not one of"),
    ({"compile": "yes"}, "compute.compile", "expected true or false"),
    ({"threads": 0}, "compute.threads", "must be >= 1"),
    ({"device": "tpu"}, "compute.device", "is not auto, cpu"),
    # process counts that change no output are environment variables (tests/test_params.py)
    ({"loader_workers": 1}, "compute.loader_workers", "unknown key"),
])
def test_bad_compute_params_name_the_key(data, key, message):
    with pytest.raises(ConfigError, match=f"{key}: .*{message}"):
        build(ComputeParams, data, "compute")


def test_distributed_needs_a_process_group():
    with pytest.raises(RuntimeError, match="initialised process group"):
        train(_dense_ae(), _images(4), epochs=1, batch_size=2, lr=1e-3, seed=0, device=CPU, distributed=True,
              progress=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ddp_worker(out_dir: str) -> None:
    """One of the processes torchrun starts: train, then save this rank's weights and history
    (every rank saves here, to show the replicas agree; a pipeline saves on rank 0 only)."""
    import torch.distributed as dist

    from musiclust.distributed import launched_rank, train_distributed

    torch.set_num_threads(1)
    launched = launched_rank()
    dist.init_process_group("gloo")  # joined here, so that a refused batch size does not end it
    model = _dense_ae()
    try:
        train(model, _images(DDP_ROWS), epochs=1, batch_size=DDP_BATCH - 1, lr=1e-3, seed=DDP_SEED, device=CPU,
              distributed=True, progress=False)
        refused = ""
    except ValueError as error:
        refused = str(error)
    history = train_distributed(model, _images(DDP_ROWS), device="cpu", epochs=DDP_EPOCHS, batch_size=DDP_BATCH,
                                lr=1e-3, seed=DDP_SEED, progress=False)
    dist.destroy_process_group()
    torch.save({"history": None if history is None else [(h.total, h.reconstruction) for h in history],
                "state": model.state_dict(), "refused": refused}, Path(out_dir) / f"rank{launched.rank}.pt")


@pytest.mark.slow
def test_two_process_ddp_matches_one_process(tmp_path, offline_env):
    single_model = _dense_ae()
    single = train(single_model, _images(DDP_ROWS), epochs=DDP_EPOCHS, batch_size=DDP_BATCH, lr=1e-3, seed=DDP_SEED,
                   device=CPU, progress=False)
    env = {**offline_env, "OMP_NUM_THREADS": "1"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
                "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), __file__, str(tmp_path)]
    done = subprocess.run(launcher, env=env, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert ranks[1]["history"] is None and ranks[0]["history"] is not None  # rank 0 alone reports
    assert ranks[0]["refused"] == "batch_size 15 is not divisible by the 2 processes that share each batch equally"
    _assert_same_weights(ranks[0]["state"], ranks[1]["state"])  # DDP keeps the replicas equal
    # Averaging the two ranks' mean gradients (each weighted by its share of the batch) is the
    # whole batch's mean gradient up to float32 rounding in a different summation order: after
    # 10 Adam steps the weights differ by at most about 3e-8 (1e-3 without the weighting of the
    # uneven last batch), inside rtol 1e-4 with atol 1e-6 for weights near 0.
    for name, tensor in single_model.state_dict().items():
        torch.testing.assert_close(ranks[0]["state"][name], tensor, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ranks[0]["history"], [(h.total, h.reconstruction) for h in single], rtol=1e-5)


def _train_stage(folder: Path, env: dict, processes: int) -> subprocess.CompletedProcess:
    """The train stage on the dense autoencoder in ``folder`` (its own params.yaml and mels.npy)."""
    import yaml

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["models"] = {"conv_bvae": {"kind": "dense_ae", "hidden_dim": 8, "latent_dim": 3, "lr": 1e-3,
                               "batch_size": DDP_BATCH, "epochs": DDP_EPOCHS, "seeds": [DDP_SEED, 5]}}
    params["report"]["joint_baselines"] = []  # names models this folder does not have
    params["compute"].update(device="cpu", threads=1, processes=processes)
    folder.mkdir()
    (folder / "params.yaml").write_text(yaml.safe_dump(params))
    np.save(folder / "mels.npy", _images(DDP_ROWS))
    return subprocess.run([sys.executable, "-m", "stages.train", "--section", "models", "--name", "conv_bvae",
                           "--mels", "mels.npy", "--out", "models", "--history", "history",
                           "--metrics", "train.json"], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_train_stage_with_two_processes_matches_one(tmp_path, offline_env):
    env = {**offline_env, "OMP_NUM_THREADS": "1"}
    one, two = (_train_stage(tmp_path / f"p{n}", env, n) for n in (1, 2))
    assert one.returncode == 0, one.stderr[-3000:]
    assert two.returncode == 0, two.stderr[-3000:]
    for seed in (DDP_SEED, 5):
        a, b = (torch.load(tmp_path / p / "models" / f"seed_{seed}.pt", weights_only=True)["state"]
                for p in ("p1", "p2"))
        for name, tensor in a.items():
            torch.testing.assert_close(b[name], tensor, rtol=1e-4, atol=1e-6)
    # rank 0 alone wrote: one history per seed, the metrics once
    assert sorted(p.name for p in (tmp_path / "p2" / "history").iterdir()) == [f"seed_{DDP_SEED}.csv", "seed_5.csv"]
    assert set(json.loads((tmp_path / "p2" / "train.json").read_text())) == {f"seed_{DDP_SEED}", "seed_5"}


def test_processes_setting_is_checked():
    with pytest.raises(ConfigError, match="compute.processes"):
        build(ComputeParams, {"processes": 0}, "compute")


@pytest.mark.slow
def test_gpu_check_quick_runs_with_torch_and_numpy_only(tmp_path):
    # Stand-ins that fail to import, as on a machine where only torch and numpy are installed.
    for name in ("pandas", "tqdm", "sklearn"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"raise ImportError('{name} is not installed')\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(tmp_path), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([str(REPO / "scripts" / "gpu_check.sh"), "--quick"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["device"] == "cpu" and report["torch"] == torch.__version__
    assert report["chunks"] == 64 and report["chunk_shape"] == [1, 32, 32] and report["batch_size"] == 32
    cpu = report["train"]["cpu_fp32"]
    assert cpu["epochs"] == 1 and cpu["samples_per_s"] > 0 and report["encode_samples_per_s"]["cpu"] > 0
    # Per-sample sums over 32 x 32 pixels of values in [0, 1]: between 0 and 1024, plus beta x KL.
    assert 0 < cpu["final_reconstruction"] < 1024
    assert np.isfinite(cpu["final_loss"]) and cpu["final_kl"] >= 0  # the likelihood (nats) plus beta x KL
    # The same epoch through musiclust.distributed, in a gloo group of one process: the same loss.
    assert report["train"]["ddp_cpu_fp32"]["distributed"] is True
    assert report["ddp_one_process_loss_over_plain_cpu"] == pytest.approx(1.0, abs=1e-6)
    # The joint model's module reads pandas, missing here: its variant is skipped with the reason, not failed.
    assert {name for name in report["train"] if name.startswith("joint_")} == {"joint_cpu_fp32"}
    assert report["train"]["joint_cpu_fp32"] == {
        "skipped": "needs pandas and scikit-learn: ImportError: pandas is not installed"}
    assert report["joint_encode_samples_per_s"] == {} and "joint_data" not in report


@pytest.mark.slow
def test_gpu_check_quick_trains_and_encodes_the_joint_model():
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "gpu_check.py"), "--quick"], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert set(report["train"]) == {"cpu_fp32", "ddp_cpu_fp32", "joint_cpu_fp32"}  # --quick: the CPU only
    # 64 chunks, 8 to a track: 8 tracks, three in four (6) with lyrics, so 48 chunks with lyrics and 16 without.
    assert report["joint_data"] == {"lyric_dim": 384, "chunks_per_track": 8, "tracks": 8, "tracks_with_lyrics": 6,
                                    "chunks_with_lyrics": 48}
    joint = report["train"]["joint_cpu_fp32"]
    assert joint["epochs"] == 1 and joint["precision"] == "fp32" and joint["samples_per_s"] > 0
    assert np.isfinite(joint["final_loss"]) and report["joint_encode_samples_per_s"]["cpu"] > 0
    # The objective (calibrated likelihoods in nats, which may be negative, plus beta x KL) is finite;
    # the joint ELBO's reconstruction is a summed squared error of values in [0, 1].
    assert np.isfinite(joint["final_loss"]) and 0 < joint["final_reconstruction"] < 2 * 1024  # 32 x 32 pixels, + lyrics


if __name__ == "__main__":
    _ddp_worker(sys.argv[1])
