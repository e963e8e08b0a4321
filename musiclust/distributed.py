"""Data-parallel training over the processes that PyTorch's launcher, torchrun, starts.

    torchrun --nproc_per_node 4 train_script.py      # one process per GPU

In the script, :func:`train_distributed` takes the place of
:func:`musiclust.train.train`; or :func:`relaunch` starts the script itself
under torchrun, and :func:`process_group` gives each process its device and
says which one saves (how the training stages use ``compute.processes``). Every process loads the same data and builds
the same model; each trains on 1/W of every batch and DistributedDataParallel
averages the gradients, so W processes give the weights one process gives
with the same (global) batch size, up to float rounding. Two things differ
from one process by design: a VAE's sampling noise (each rank draws its own)
and a last batch smaller than W (skipped).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

from .train import EpochStats, resolve_device, train


@dataclass(frozen=True)
class LaunchedRank:
    """This process's place among those torchrun started."""

    rank: int          # 0 .. world_size - 1, over all machines
    world_size: int
    local_rank: int    # on this machine: the GPU it uses

    @property
    def is_main(self) -> bool:
        """Rank 0, the one process that reports and saves."""
        return self.rank == 0


def launched_rank(environ: dict | None = None) -> LaunchedRank | None:
    """The rank torchrun gave this process (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``); None outside torchrun."""
    environ = os.environ if environ is None else environ
    names = ("RANK", "WORLD_SIZE", "LOCAL_RANK")
    if not all(name in environ for name in names):
        return None
    rank, world_size, local_rank = (int(environ[name]) for name in names)
    if not 0 <= rank < world_size:
        raise ValueError(f"RANK={rank} is not in [0, WORLD_SIZE={world_size})")
    return LaunchedRank(rank, world_size, local_rank)


def backend_for(device: torch.device) -> str:
    """The collective backend for ``device``: NCCL between GPUs, gloo between CPU processes."""
    if device.type == "cuda":
        return "nccl"
    if device.type == "cpu":
        return "gloo"
    raise ValueError(f"distributed training runs on CUDA or the CPU, not {device.type}")


def rank_device(name: str, local_rank: int) -> torch.device:
    """The device of the process with ``local_rank``: its own GPU (``cuda:<local_rank>``) or the CPU."""
    device = resolve_device(name)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    backend_for(device)  # fails early on a device no backend serves
    return device


def train_distributed(model: torch.nn.Module, data: np.ndarray, *, device: str = "auto",
                      **train_args) -> list[EpochStats] | None:
    """:func:`musiclust.train.train` on every process torchrun started; the history on rank 0 only.

    Joins the process group (NCCL on CUDA, gloo on the CPU; torchrun's ``MASTER_ADDR`` and
    ``MASTER_PORT``), trains with ``distributed=True`` and leaves the group. On return every
    rank's ``model`` holds the same weights; only rank 0 gets the history, so only rank 0
    saves. Outside torchrun this is plain :func:`~musiclust.train.train` on one process.

    Parameters
    ----------
    device : str
        ``auto``, ``cuda`` or ``cpu``; on CUDA each process takes the GPU of its ``LOCAL_RANK``.
    **train_args
        The keyword arguments of :func:`~musiclust.train.train` (``batch_size`` is the global
        batch, divisible by the number of processes), except ``device`` and ``distributed``.

    Returns
    -------
    history : list of EpochStats on rank 0 (the mean over every rank's rows), None on the others.
    """
    with process_group(device) as (own_device, distributed, is_main):
        history = train(model, data, device=own_device, distributed=distributed, **train_args)
    return history if is_main else None


def relaunch(processes: int, module: str, argv: Sequence[str]) -> int | None:
    """Run ``python -m <module> <argv>`` as ``processes`` data-parallel processes under torchrun.

    Returns None when there is nothing to do (one process, or this process is already one of
    torchrun's), else torchrun's exit status once every process has ended. ``--standalone``:
    one machine, a free rendezvous port, nothing reached outside it.
    """
    if processes < 1:
        raise ValueError(f"processes must be >= 1, got {processes}")
    if processes == 1 or launched_rank() is not None:
        return None
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes", "1",
               "--nproc_per_node", str(processes), "-m", module, *argv]
    return subprocess.run(command, check=False).returncode


@contextlib.contextmanager
def process_group(device: str = "auto") -> Iterator[tuple[torch.device, bool, bool]]:
    """``(device, distributed, is_main)`` of this process, inside its process group when torchrun
    started it (joined on entry, left on exit); outside torchrun ``(resolve_device(device), False, True)``.
    Only the main process (rank 0) should write outputs."""
    launched = launched_rank()
    if launched is None:
        yield resolve_device(device), False, True
        return
    own_device = rank_device(device, launched.local_rank)
    joined_here = not dist.is_initialized()
    if joined_here:
        dist.init_process_group(backend_for(own_device), rank=launched.rank, world_size=launched.world_size,
                                device_id=own_device if own_device.type == "cuda" else None)
    try:
        yield own_device, True, launched.is_main
    finally:
        if joined_here:
            dist.destroy_process_group()
