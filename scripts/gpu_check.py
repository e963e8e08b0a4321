"""Training and encoding speed of the conv and joint beta-VAEs on this machine's GPU against its CPU, as JSON.

    scripts/gpu_check.sh > gpu_check.json           # or, musiclust installed: python3 scripts/gpu_check.py
    python3 scripts/gpu_check.py --quick            # tiny sizes, CPU only: proves the script runs

The conv part needs nothing but torch and numpy: it imports the training loop
(``musiclust.train``) and the model (``musiclust.models.conv_bvae``), not
the model registry, which reads pandas; without tqdm a silent stand-in
takes its place. The joint part imports ``musiclust.models.joint``, which reads
pandas (not the registry); where it is missing its
variants are reported as skipped, with the reason.

On seeded mel-like chunks (2,048 of 1x128x128 in [0, 1]) it trains the conv
beta-VAE (``ConvBVAEConfig`` defaults, batch 32) with the pipeline's own
loop and seeding:

- ``cpu_fp32``: one epoch on the CPU, all its cores;
- ``cuda_fp32``, ``cuda_bf16`` (autocast) and ``cuda_bf16_compile``
  (``torch.compile``): a one-epoch warm-up on 256 chunks (cuDNN's choices,
  compilation), then ``--epochs`` timed epochs;
- ``cuda_fp32_one_epoch``: the CPU run's single epoch on the GPU (same seed
  and data, no warm-up), whose loss over the CPU's is
  ``one_epoch_loss_cuda_over_cpu`` (1 up to the devices' rounding);
- ``ddp_cpu_fp32`` and ``ddp_cuda_fp32_one_epoch``: ``cpu_fp32`` and
  ``cuda_fp32_one_epoch`` again through ``musiclust.distributed`` in a process
  group of this one process (gloo, NCCL), the model in DistributedDataParallel:
  the code path of ``compute.processes``, whose loss over the plain loop's
  (``ddp_one_process_loss_over_plain_cpu``, ``..._cuda``) is 1 up to rounding.

The same chunks, 8 to a track, paired with seeded unit-norm lyric stand-ins
(384 dimensions, all-MiniLM-L6-v2's width) for three tracks in four, train the
joint beta-VAE (``JointBVAEConfig`` defaults, batch 32: product of experts,
joint and single-modality ELBOs), so that batches mix chunks with and without
lyrics: ``joint_cpu_fp32``, ``joint_cuda_fp32``, ``joint_cuda_bf16`` and
``joint_cuda_fp32_one_epoch``, as their conv namesakes, the last giving
``joint_one_epoch_loss_cuda_over_cpu``. ``joint_data`` describes the stand-ins.

It reports samples per second and the last epoch's loss of each, each CUDA
variant's speed over its model's CPU run (``cuda_over_cpu_samples_per_s``,
``joint_cuda_over_cpu_samples_per_s``), and the speed of encoding every chunk
(the pipeline's batches of 256, fp32; the joint model through
``encode_joint``, lyrics where a chunk has them) on both devices
(``encode_samples_per_s``, ``joint_encode_samples_per_s``). A variant that
fails is reported with its error; the others still run. It takes about a
minute on an H100 machine, compilation included.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.machinery
import importlib.util
import json
import math
import os
import socket
import sys
import time
import types
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch

if TYPE_CHECKING:  # imported where used: it reads pandas
    from musiclust.models.joint import JointRows

# The lyric stand-ins: the width of the pipeline's embeddings (params.yaml lyrics.model,
# all-MiniLM-L6-v2), chunks per track, and the share of tracks that have lyrics.
LYRIC_DIM = 384
CHUNKS_PER_TRACK = 8
LYRIC_SHARE = 0.75


def _import_without_extras() -> None:
    """Make ``musiclust.train`` and the conv VAE importable where only torch and numpy are installed.

    ``musiclust`` itself must be importable: installed, or the repository on ``PYTHONPATH``
    (``scripts/gpu_check.sh`` puts it there).
    """
    spec = importlib.util.find_spec("musiclust")  # finds the package without running its code
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("musiclust is not importable: run scripts/gpu_check.sh, which puts the repository "
                         "on PYTHONPATH, or install the package (pip install --no-deps -e .)")
    try:
        import tqdm.auto  # noqa: F401
    except ImportError:
        sys.modules["tqdm"] = sys.modules["tqdm.auto"] = _silent_tqdm_module()
    # musiclust/models/__init__.py is the registry of every kind, which reads pandas; an empty
    # package in its place loads the model files themselves and nothing else.
    if "musiclust.models" not in sys.modules:
        package = types.ModuleType("musiclust.models")
        package.__path__ = [str(Path(location) / "models") for location in spec.submodule_search_locations]
        sys.modules["musiclust.models"] = package


def _silent_tqdm_module() -> types.ModuleType:
    """A module with a ``tqdm`` that iterates and shows nothing, the one use the training loop makes of it."""

    class SilentProgress:
        def __init__(self, iterable=(), *args, **kwargs):
            self.iterable = iterable

        def __iter__(self):
            return iter(self.iterable)

        def set_postfix(self, *args, **kwargs) -> None:
            pass

    module = types.ModuleType("tqdm")
    # A spec, as an installed module has one: torch looks some optional modules up by name.
    module.__spec__ = importlib.machinery.ModuleSpec("tqdm", None)
    module.tqdm = SilentProgress
    module.auto = module
    return module


def mel_like_chunks(n: int, size: int, seed: int) -> np.ndarray:
    """Seeded stand-ins for normalised log-mel chunks, shape (n, size, size) float32 in [0, 1].

    Each chunk has a level falling with frequency (mel band, rows), a loudness
    that changes over time (frames, columns) and uniform noise.
    """
    rng = np.random.default_rng(seed)
    bands = np.linspace(0.0, 1.0, size, dtype=np.float32)
    spectral_tilt = rng.uniform(0.3, 0.9, (n, 1, 1)).astype(np.float32)
    loudness = rng.uniform(0.4, 1.0, (n, 1, size)).astype(np.float32)
    chunks = 0.7 * (1.0 - spectral_tilt * bands[None, :, None]) * loudness
    chunks += 0.3 * rng.random((n, size, size), dtype=np.float32)
    return np.clip(chunks, 0.0, 1.0)


def lyric_like_embeddings(tracks: int, dim: int, seed: int,
                          share: float = LYRIC_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Seeded stand-ins for the sentence embeddings of the tracks that have lyrics.

    Returns ``(track ids (M,) int64, embeddings (M, dim) float32 of unit norm)``: M is
    ``share * tracks`` rounded down, at least 1 and, from 2 tracks on, at most ``tracks - 1``, so
    that some tracks have no lyrics; the ids, of ``range(tracks)``, are in shuffled order, as
    :func:`musiclust.models.joint.chunk_lyrics` must look each chunk's track up.
    """
    rng = np.random.default_rng(seed)
    with_lyrics = max(1, min(tracks - 1, int(share * tracks)))
    track_ids = rng.permutation(tracks)[:with_lyrics].astype(np.int64)
    embeddings = rng.standard_normal((with_lyrics, dim), dtype=np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return track_ids, embeddings


def _import_joint() -> types.ModuleType:
    """``musiclust.models.joint``: the joint model file alone, not the registry of every kind
    (``musiclust.models`` may be the empty package of :func:`_import_without_extras`)."""
    return importlib.import_module("musiclust.models.joint")


def joint_stand_in(mels: np.ndarray, seed: int) -> JointRows:
    """``mels``, ``CHUNKS_PER_TRACK`` consecutive chunks to a track, paired by
    :func:`musiclust.models.joint.joint_rows` with their tracks' lyric stand-ins → ``JointRows``."""
    joint = _import_joint()
    chunk_track_ids = np.arange(len(mels)) // CHUNKS_PER_TRACK
    lyric_track_ids, lyrics = lyric_like_embeddings(int(chunk_track_ids[-1]) + 1, LYRIC_DIM, seed)
    return joint.joint_rows(mels, chunk_track_ids, lyric_track_ids, lyrics)


def _first_rows(rows: JointRows, n: int) -> JointRows:
    """The first ``n`` chunks of ``JointRows`` with their lyrics, as ``JointRows``."""
    from musiclust.models.joint import JointRows

    return JointRows(rows.mels[:n], rows.lyric_index[:n], rows.lyrics)


def conv_bvae(*, image_size: int, batch_size: int) -> torch.nn.Module:
    """A fresh conv beta-VAE (``ConvBVAEConfig`` defaults)."""
    from musiclust.models.conv_bvae import ConvBetaVAE, ConvBVAEConfig

    return ConvBetaVAE(ConvBVAEConfig(batch_size=batch_size), image_size=image_size)


def joint_bvae(rows: JointRows, *, batch_size: int) -> torch.nn.Module:
    """A fresh joint beta-VAE (``JointBVAEConfig`` defaults) sized for ``rows``."""
    from musiclust.models.joint import JointBetaVAE, JointBVAEConfig

    return JointBetaVAE(JointBVAEConfig(batch_size=batch_size), **JointBetaVAE.input_shape(rows.mels, rows.lyrics))


@contextlib.contextmanager
def one_process_group():
    """The environment torchrun gives a process, for a group of this process alone on this
    machine (``RANK=0``, ``WORLD_SIZE=1``, a free local port): ``musiclust.distributed`` then
    joins it (NCCL on CUDA, gloo on the CPU) and wraps the model in DistributedDataParallel,
    as it does for each of several processes; with one process the gradients are its own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    names = {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _graphs_compiled() -> int | None:
    """Graphs torch.compile has built so far in this process (None if torch does not say)."""
    try:
        from torch._dynamo.utils import counters
        return int(counters["stats"]["unique_graphs"])
    except (ImportError, KeyError, AttributeError):
        return None


def time_training(build: Callable[[], torch.nn.Module], data: np.ndarray | JointRows, *,
                  warmup_data: np.ndarray | JointRows | None = None, device: torch.device, precision: str,
                  compile: bool, epochs: int, batch_size: int, seed: int,
                  distributed: bool = False) -> tuple[dict, torch.nn.Module]:
    """Train the model ``build()`` makes on ``data`` (chunks, or ``JointRows``) and time it:
    ``(numbers, trained model)``; one untimed epoch on ``warmup_data`` first, if given.
    ``distributed``: through ``musiclust.distributed.train_distributed`` in a process group of
    this one process (see :func:`one_process_group`)."""
    from musiclust.train import seed_everything, train

    run = train
    if distributed:
        from musiclust.distributed import train_distributed

        def run(model, data, *, device, **options):  # the same loop, through DistributedDataParallel
            with one_process_group():
                return train_distributed(model, data, device=device.type, **options)

    seed_everything(seed)  # as the pipeline's fit() does, deterministic algorithms included
    model = build()  # after seeding: the initial weights follow the seed
    options = dict(batch_size=batch_size, lr=1e-3, seed=seed, device=device, progress=False,
                   kl=model.config.kl_schedule(), precision=precision, compile=compile)
    numbers: dict = {"epochs": epochs, "precision": precision, "compile": compile, "distributed": distributed}
    if warmup_data is not None:
        start = time.perf_counter()
        run(model, warmup_data, epochs=1, **options)
        numbers["warmup_seconds"] = round(time.perf_counter() - start, 3)
    graphs_before = _graphs_compiled()
    start = time.perf_counter()
    history = run(model, data, epochs=epochs, **options)  # ends with a copy to the host: the GPU is done
    seconds = time.perf_counter() - start
    numbers.update(seconds=round(seconds, 3), samples_per_s=round(epochs * len(data) / seconds, 1),
                   final_loss=history[-1].total, final_reconstruction=history[-1].reconstruction,
                   final_kl=history[-1].kl)
    if compile and graphs_before is not None:
        numbers["graphs_compiled_while_timed"] = _graphs_compiled() - graphs_before
    return numbers, model


@torch.no_grad()
def time_encoding(model: torch.nn.Module, chunks: np.ndarray, device: torch.device, batch_size: int = 256) -> float:
    """Chunks per second encoded to posterior means, with the loop of ``musiclust.encode.encode``."""
    model.to(device).eval()
    model.encode_mean(torch.from_numpy(np.array(chunks[:batch_size])).to(device)).cpu()  # cuDNN's first choices
    start = time.perf_counter()
    for first in range(0, len(chunks), batch_size):
        batch = torch.from_numpy(np.array(chunks[first : first + batch_size], dtype=np.float32))
        model.encode_mean(batch.to(device)).float().cpu()  # the copy back waits for the GPU
    return round(len(chunks) / (time.perf_counter() - start), 1)


@torch.no_grad()
def time_joint_encoding(model: torch.nn.Module, rows: JointRows, device: torch.device, batch_size: int = 256) -> float:
    """Chunks per second encoded to joint posterior means (lyrics where a chunk has them) by
    ``musiclust.models.joint.encode_joint``."""
    from musiclust.models.joint import encode_joint

    encode_joint(model, _first_rows(rows, batch_size), batch_size=batch_size, device=device, progress=False)
    start = time.perf_counter()
    encode_joint(model, rows, batch_size=batch_size, device=device, progress=False)  # host arrays: the GPU is done
    return round(len(rows) / (time.perf_counter() - start), 1)


def _failure(error: Exception) -> dict:
    return {"error": f"{type(error).__name__}: {error}"[:2000]}


def _variant(report: dict, name: str, run) -> torch.nn.Module | None:
    """Run one timed variant into ``report["train"][name]``; a failure is recorded, not raised."""
    try:
        numbers, model = run()
    except Exception as error:  # one broken variant (often compile) must not hide the others
        report["train"][name] = _failure(error)
        return None
    report["train"][name] = numbers
    return model


def _against_the_cpu(report: dict, *, cpu: str, one_epoch: str, cuda_prefix: str | tuple[str, ...], speed_key: str,
                     loss_key: str) -> None:
    """Each ``cuda_prefix`` variant's samples/s over the ``cpu`` variant's into ``report[speed_key]``,
    and the ``one_epoch`` variant's final loss over the CPU's as ``report[loss_key]``."""
    _loss_ratio(report, one_epoch, cpu, loss_key)
    cpu_speed = report["train"][cpu].get("samples_per_s")
    for name, numbers in report["train"].items():
        if name.startswith(cuda_prefix) and cpu_speed and "samples_per_s" in numbers:
            report[speed_key][name] = round(numbers["samples_per_s"] / cpu_speed, 2)


def _loss_ratio(report: dict, name: str, baseline: str, key: str) -> None:
    """``report[key]``: the final loss of variant ``name`` over that of ``baseline``, where both ran."""
    loss, base = report["train"][name].get("final_loss"), report["train"][baseline].get("final_loss")
    if loss and base:
        report[key] = round(loss / base, 6)


def conv_check(report: dict, chunks: np.ndarray, *, cuda: bool, epochs: int, batch_size: int, seed: int) -> None:
    """The conv beta-VAE's variants, encoding speeds and ratios into ``report`` (see the module docstring)."""

    def timed(device: torch.device, *, precision: str = "fp32", compile: bool = False, epochs: int = 1,
              warmup: np.ndarray | None = None, distributed: bool = False):
        return lambda: time_training(lambda: conv_bvae(image_size=chunks.shape[-1], batch_size=batch_size), chunks,
                                     warmup_data=warmup, device=device, precision=precision, compile=compile,
                                     epochs=epochs, batch_size=batch_size, seed=seed, distributed=distributed)

    cpu = torch.device("cpu")
    model = _variant(report, "cpu_fp32", timed(cpu))
    if model is not None:
        report["encode_samples_per_s"]["cpu"] = time_encoding(model, chunks, cpu)
    _variant(report, "ddp_cpu_fp32", timed(cpu, distributed=True))
    _loss_ratio(report, "ddp_cpu_fp32", "cpu_fp32", "ddp_one_process_loss_over_plain_cpu")
    if not cuda:
        return
    gpu = torch.device("cuda")
    warmup = chunks[: 8 * batch_size]
    for name, precision, compile in (("cuda_fp32", "fp32", False), ("cuda_bf16", "bf16", False),
                                     ("cuda_bf16_compile", "bf16", True)):
        model = _variant(report, name, timed(gpu, precision=precision, compile=compile, epochs=epochs, warmup=warmup))
        if name == "cuda_fp32" and model is not None:
            report["encode_samples_per_s"]["cuda"] = time_encoding(model, chunks, gpu)
    # The loss against the CPU run: the same seed, data and single epoch, fp32 on both devices.
    _variant(report, "cuda_fp32_one_epoch", timed(gpu))
    _variant(report, "ddp_cuda_fp32_one_epoch", timed(gpu, distributed=True))
    _loss_ratio(report, "ddp_cuda_fp32_one_epoch", "cuda_fp32_one_epoch", "ddp_one_process_loss_over_plain_cuda")
    _against_the_cpu(report, cpu="cpu_fp32", one_epoch="cuda_fp32_one_epoch", cuda_prefix=("cuda", "ddp_cuda"),
                     speed_key="cuda_over_cpu_samples_per_s", loss_key="one_epoch_loss_cuda_over_cpu")


def joint_check(report: dict, chunks: np.ndarray, *, cuda: bool, epochs: int, batch_size: int, seed: int) -> None:
    """The joint beta-VAE's variants, encoding speeds and ratios into ``report`` (see the module
    docstring); without the packages ``musiclust.models.joint`` reads, its variants are marked skipped."""
    report.update(joint_encode_samples_per_s={}, joint_cuda_over_cpu_samples_per_s={})
    names = ["joint_cpu_fp32", *(("joint_cuda_fp32", "joint_cuda_bf16", "joint_cuda_fp32_one_epoch") if cuda else ())]
    try:
        import pandas  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as error:  # a machine with torch and numpy alone: the conv part is its check
        reason = f"needs pandas and scikit-learn: {type(error).__name__}: {error}"[:2000]
        report["train"].update({name: {"skipped": reason} for name in names})
        return
    try:
        rows = joint_stand_in(chunks, seed)
    except Exception as error:
        report["train"].update({name: _failure(error) for name in names})
        return
    report["joint_data"] = {"lyric_dim": rows.lyric_dim, "chunks_per_track": CHUNKS_PER_TRACK,
                            "tracks": math.ceil(len(rows) / CHUNKS_PER_TRACK), "tracks_with_lyrics": len(rows.lyrics),
                            "chunks_with_lyrics": int((rows.lyric_index >= 0).sum())}

    def timed(device: torch.device, *, precision: str = "fp32", epochs: int = 1, warmup: JointRows | None = None):
        return lambda: time_training(lambda: joint_bvae(rows, batch_size=batch_size), rows, warmup_data=warmup,
                                     device=device, precision=precision, compile=False, epochs=epochs,
                                     batch_size=batch_size, seed=seed)

    cpu = torch.device("cpu")
    model = _variant(report, "joint_cpu_fp32", timed(cpu))
    if model is not None:
        report["joint_encode_samples_per_s"]["cpu"] = time_joint_encoding(model, rows, cpu)
    if not cuda:
        return
    gpu = torch.device("cuda")
    warmup = _first_rows(rows, 8 * batch_size)
    for name, precision in (("joint_cuda_fp32", "fp32"), ("joint_cuda_bf16", "bf16")):
        model = _variant(report, name, timed(gpu, precision=precision, epochs=epochs, warmup=warmup))
        if name == "joint_cuda_fp32" and model is not None:
            report["joint_encode_samples_per_s"]["cuda"] = time_joint_encoding(model, rows, gpu)
    _variant(report, "joint_cuda_fp32_one_epoch", timed(gpu))
    _against_the_cpu(report, cpu="joint_cpu_fp32", one_epoch="joint_cuda_fp32_one_epoch", cuda_prefix="joint_cuda",
                     speed_key="joint_cuda_over_cpu_samples_per_s", loss_key="joint_one_epoch_loss_cuda_over_cpu")


def gpu_check(*, chunks: int, size: int, epochs: int, batch_size: int, quick: bool, seed: int = 0) -> dict:
    """Every variant's numbers (see the module docstring), as a JSON-ready dict."""
    data = mel_like_chunks(chunks, size, seed)
    cuda = torch.cuda.is_available() and not quick
    report: dict = {
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "torch": torch.__version__, "cuda": torch.version.cuda, "cpu_threads": torch.get_num_threads(),
        "chunks": chunks, "chunk_shape": [1, size, size], "batch_size": batch_size,
        "train": {}, "encode_samples_per_s": {}, "cuda_over_cpu_samples_per_s": {},
    }
    settings = dict(cuda=cuda, epochs=epochs, batch_size=batch_size, seed=seed)
    conv_check(report, data, **settings)
    joint_check(report, data, **settings)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 chunks of 32x32 (and lyric stand-ins), the CPU only")
    parser.add_argument("--chunks", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs of each CUDA variant")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    _import_without_extras()
    if not args.quick and not torch.cuda.is_available():
        print(json.dumps({"error": "CUDA is not available", "torch": torch.__version__}), flush=True)
        return 1
    chunks, size = (64, 32) if args.quick else (args.chunks, 128)
    start = time.perf_counter()
    report = gpu_check(chunks=chunks, size=size, epochs=args.epochs, batch_size=args.batch_size, quick=args.quick)
    report["wall_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=1), flush=True)
    # torch.compile is an option the pipeline can do without: its failure is reported, not fatal. A
    # joint variant skipped for want of pandas is no failure either: the conv part is that machine's check.
    return 0 if all("error" not in numbers for name, numbers in report["train"].items()
                    if not name.endswith("_compile")) else 1


if __name__ == "__main__":
    sys.exit(main())
