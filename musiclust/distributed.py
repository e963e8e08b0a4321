"""Data-parallel training over the processes that PyTorch's launcher, torchrun, starts.

    torchrun --nproc_per_node 4 train_script.py      # one process per GPU

In the script, :func:`train_distributed` takes the place of
:func:`musiclust.train.train`. Every process loads the same data and builds
the same model; each trains on 1/W of every batch and DistributedDataParallel
averages the gradients, so W processes give the weights one process gives
with the same (global) batch size, up to float rounding. Two things differ
from one process by design: a VAE's sampling noise (each rank draws its own)
and a last batch smaller than W (skipped).
"""

from __future__ import annotations

import os
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
    launched = launched_rank()
    if launched is None:
        return train(model, data, device=resolve_device(device), **train_args)
    own_device = rank_device(device, launched.local_rank)
    joined_here = not dist.is_initialized()
    if joined_here:
        dist.init_process_group(backend_for(own_device), rank=launched.rank, world_size=launched.world_size,
                                device_id=own_device if own_device.type == "cuda" else None)
    try:
        history = train(model, data, device=own_device, distributed=True, **train_args)
    finally:
        if joined_here:
            dist.destroy_process_group()
    return history if launched.is_main else None
