"""Training and encoding speed of the conv beta-VAE on this machine's GPU against its CPU, as JSON.

    scripts/gpu_check.sh > gpu_check.json           # or: python3 scripts/gpu_check.py
    python3 scripts/gpu_check.py --quick            # tiny sizes, CPU only: proves the script runs

Needs nothing but torch and numpy: it imports the training loop
(``musiclust.train``) and the model (``musiclust.models.conv_bvae``), not
the model registry, which reads pandas; without tqdm a silent stand-in
takes its place.

On seeded mel-like chunks (2,048 of 1x128x128 in [0, 1]) it trains the conv
beta-VAE (``ConvBVAEConfig`` defaults, batch 32) with the pipeline's own
loop and seeding:

- ``cpu_fp32``: one epoch on the CPU, all its cores;
- ``cuda_fp32``, ``cuda_bf16`` (autocast) and ``cuda_bf16_compile``
  (``torch.compile``): a one-epoch warm-up on 256 chunks (cuDNN's choices,
  compilation), then ``--epochs`` timed epochs;
- ``cuda_fp32_one_epoch``: the CPU run's single epoch on the GPU (same seed
  and data, no warm-up), whose loss over the CPU's is
  ``one_epoch_loss_cuda_over_cpu`` (1 up to the devices' rounding).

It reports samples per second and the last epoch's loss of each, each CUDA
variant's speed over the CPU's, and the speed of encoding every chunk (the
pipeline's batches of 256, fp32) on both devices. A variant that fails is
reported with its error; the others still run. It takes under a minute on an
H100 machine, compilation included.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]


def _import_without_extras() -> None:
    """Make ``musiclust.train`` and the conv VAE importable where only torch and numpy are installed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        import tqdm.auto  # noqa: F401
    except ImportError:
        sys.modules["tqdm"] = sys.modules["tqdm.auto"] = _silent_tqdm_module()
    # musiclust/models/__init__.py is the registry of every kind, which reads pandas; an empty
    # package in its place loads the model files themselves and nothing else.
    if "musiclust.models" not in sys.modules:
        package = types.ModuleType("musiclust.models")
        package.__path__ = [str(ROOT / "musiclust" / "models")]
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


def _graphs_compiled() -> int | None:
    """Graphs torch.compile has built so far in this process (None if torch does not say)."""
    try:
        from torch._dynamo.utils import counters
        return int(counters["stats"]["unique_graphs"])
    except (ImportError, KeyError, AttributeError):
        return None


def time_training(chunks: np.ndarray, *, device: torch.device, precision: str, compile: bool, epochs: int,
                  warmup_chunks: int, batch_size: int, seed: int) -> tuple[dict, torch.nn.Module]:
    """Train a fresh conv beta-VAE and time it: ``(numbers, trained model)``."""
    from musiclust.models.conv_bvae import ConvBetaVAE, ConvBVAEConfig
    from musiclust.train import seed_everything, train

    seed_everything(seed)  # as the pipeline's fit() does, deterministic algorithms included
    model = ConvBetaVAE(ConvBVAEConfig(batch_size=batch_size), image_size=chunks.shape[-1])
    options = dict(batch_size=batch_size, lr=1e-3, seed=seed, device=device, progress=False,
                   precision=precision, compile=compile)
    numbers: dict = {"epochs": epochs, "precision": precision, "compile": compile}
    if warmup_chunks:
        start = time.perf_counter()
        train(model, chunks[:warmup_chunks], epochs=1, **options)
        numbers["warmup_seconds"] = round(time.perf_counter() - start, 3)
    graphs_before = _graphs_compiled()
    start = time.perf_counter()
    history = train(model, chunks, epochs=epochs, **options)  # ends with a copy to the host: the GPU is done
    seconds = time.perf_counter() - start
    numbers.update(seconds=round(seconds, 3), samples_per_s=round(epochs * len(chunks) / seconds, 1),
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


def _variant(report: dict, name: str, run) -> torch.nn.Module | None:
    """Run one timed variant into ``report["train"][name]``; a failure is recorded, not raised."""
    try:
        numbers, model = run()
    except Exception as error:  # one broken variant (often compile) must not hide the others
        report["train"][name] = {"error": f"{type(error).__name__}: {error}"[:2000]}
        return None
    report["train"][name] = numbers
    return model


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
    cpu = torch.device("cpu")
    model = _variant(report, "cpu_fp32", lambda: time_training(
        data, device=cpu, precision="fp32", compile=False, epochs=1, warmup_chunks=0, batch_size=batch_size,
        seed=seed))
    if model is not None:
        report["encode_samples_per_s"]["cpu"] = time_encoding(model, data, cpu)
    if not cuda:
        return report
    gpu = torch.device("cuda")
    warmup_chunks = min(chunks, 8 * batch_size)
    for name, precision, compile in (("cuda_fp32", "fp32", False), ("cuda_bf16", "bf16", False),
                                     ("cuda_bf16_compile", "bf16", True)):
        model = _variant(report, name, lambda precision=precision, compile=compile: time_training(
            data, device=gpu, precision=precision, compile=compile, epochs=epochs, warmup_chunks=warmup_chunks,
            batch_size=batch_size, seed=seed))
        if name == "cuda_fp32" and model is not None:
            report["encode_samples_per_s"]["cuda"] = time_encoding(model, data, gpu)
    # The loss against the CPU run: the same seed, data and single epoch, fp32 on both devices.
    _variant(report, "cuda_fp32_one_epoch", lambda: time_training(
        data, device=gpu, precision="fp32", compile=False, epochs=1, warmup_chunks=0, batch_size=batch_size,
        seed=seed))
    cpu_loss = report["train"]["cpu_fp32"].get("final_loss")
    gpu_loss = report["train"]["cuda_fp32_one_epoch"].get("final_loss")
    if cpu_loss and gpu_loss:
        report["one_epoch_loss_cuda_over_cpu"] = round(gpu_loss / cpu_loss, 6)
    cpu_speed = report["train"]["cpu_fp32"].get("samples_per_s")
    for name, numbers in report["train"].items():
        if name.startswith("cuda") and cpu_speed and "samples_per_s" in numbers:
            report["cuda_over_cpu_samples_per_s"][name] = round(numbers["samples_per_s"] / cpu_speed, 2)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 chunks of 32x32, the CPU only")
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
    return 0 if all("error" not in numbers for name, numbers in report["train"].items()
                    if not name.endswith("_compile")) else 1


if __name__ == "__main__":
    sys.exit(main())
