"""The ``compute`` settings: where and how the work runs. Torch-free, so a stage that only
decodes audio can read its share without importing the training code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from .config import check

Precision = Literal["auto", "fp32", "bf16", "fp16"]


@dataclass(frozen=True)
class ComputeParams:
    """Where and how the torch models train and encode.

    Attributes
    ----------
    device : ``auto`` (CUDA, then MPS, then the CPU), ``cpu``, ``cuda[:n]`` or ``mps``
    threads : int >= 1, torch intra-op threads
    precision : ``auto``, ``fp32``, ``bf16`` or ``fp16``
        The autocast type of the forward pass and loss; ``auto`` is bf16 on a CUDA
        device that supports it and fp32 elsewhere (see :func:`resolve_precision`).
        A small model at a small batch is bound by kernel launches, not arithmetic: the
        conv beta-VAE at batch 32 on an H100 trained at 0.66x the fp32 speed in bf16 (the
        casts add kernels), and at fp32's speed in bf16 compiled.
    compile : bool
        Compile the model's loss with ``torch.compile`` (slow to start, faster per step on a GPU).
    processes : int >= 1
        Data-parallel training processes (DistributedDataParallel under torchrun, one GPU each
        on CUDA, gloo between CPU processes); each takes 1/processes of every batch, so the
        batch size must be divisible by it. 1: the plain loop in the stage's own process.
        Not output-invariant (each rank draws its own sampling noise), so a param.
    """

    device: str = "auto"
    threads: int = 2
    precision: Precision = "auto"
    compile: bool = False
    processes: int = 1

    def validate(self, key: str) -> None:
        check(self.device == "auto" or self.device.split(":")[0] in ("cpu", "cuda", "mps"),
               f"{key}.device", f"{self.device!r} is not auto, cpu, cuda[:n] or mps")
        check(self.threads >= 1, f"{key}.threads", "must be >= 1")
        check(self.precision in get_args(Precision), f"{key}.precision",
              f"{self.precision!r} is not one of {list(get_args(Precision))}")
        check(self.processes >= 1, f"{key}.processes", "must be >= 1 (1: no data-parallel training)")


@dataclass(frozen=True)
class Parallelism:
    """How many processes do the work, where no count changes a byte of the outputs (tests prove
    it), so these are not pipeline params: changing one re-runs nothing.

    Attributes
    ----------
    workers : int >= 0
        Processes for the per-track work (decoding, log-mels, clip statistics), one BLAS and
        torch thread each; 1 works in the stage's own process, 0 uses every core; the outputs
        are the same bytes for any number.
    scheduler : str
        ``""``: no Dask. ``local``: a Dask ``LocalCluster`` of ``workers`` processes on this
        machine. Otherwise a Dask scheduler address (``tcp://host:8786``) whose workers have
        this package installed and read the audio at the same absolute path.
    loader_workers : int >= 0
        DataLoader worker processes that read training batches; 0 reads them in the main process.
        Workers hand each batch over through shared memory, which costs more than reading
        an array already in memory (on a 16-core H100 machine, 20,000 to 40,000 chunks/s
        against 70,000 to 87,000); they pay off when reading is slow, as from a memory map
        on a cold disk.
    """

    workers: int = 1
    scheduler: str = ""
    loader_workers: int = 0

    def validate(self, key: str) -> None:
        """Errors name ``key.<field>``, or the environment variable ``<key><FIELD>`` when ``key``
        ends with ``_`` (``MUSICLUST_WORKERS``)."""
        def name(field: str) -> str:
            return f"{key}{field.upper()}" if key.endswith("_") else f"{key}.{field}"

        check(self.loader_workers >= 0, name("loader_workers"), "must be >= 0")
        check(self.workers >= 0, name("workers"), "must be >= 0 (0: every core)")
        check(self.scheduler == "" or self.scheduler == "local" or "://" in self.scheduler, name("scheduler"),
              f"{self.scheduler!r} is not empty, local or a scheduler address such as tcp://host:8786")
