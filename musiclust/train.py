"""One training loop for every torch model.

Data are read from a (memory-mapped) array in batches through a torch
DataLoader, so memory does not grow with the corpus. Seeded: the same seed,
data and thread count give the same weights on the same machine, whatever
the number of loader workers.

At scale the same loop runs under bf16 or fp16 autocast, compiled with
``torch.compile``, and data-parallel across the processes that torchrun
starts (:func:`musiclust.distributed.train_distributed`). The defaults
(fp32, eager, batches read in the main process, one process) are the
plain loop.
"""

from __future__ import annotations

import contextlib
import mmap
import random
from dataclasses import dataclass
from typing import get_args

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler
from tqdm.auto import tqdm

from .compute import Precision

AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
LOSS_KEYS = ("total", "reconstruction", "kl")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple MPS, then the CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} requested but CUDA is not available")
    return device


def resolve_precision(name: str, device: torch.device) -> str:
    """The precision training on ``device`` uses: ``fp32``, ``bf16`` or ``fp16``.

    ``auto`` is bf16 autocast on a CUDA device that supports it (no loss scaling
    needed, twice the tensor-core rate of fp32) and fp32 elsewhere, so CPU results
    do not change. fp16 needs CUDA, the one device with a loss scaler here.
    """
    if name not in get_args(Precision):
        raise ValueError(f"precision {name!r} is not one of {list(get_args(Precision))}")
    if name == "auto":
        return "bf16" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"
    if name == "fp16" and device.type != "cuda":
        raise ValueError(f"fp16 training needs a CUDA device (for its loss scaling), not {device.type}; use bf16")
    return name


def seed_everything(seed: int, threads: int | None = None) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass
class EpochStats:
    epoch: int
    total: float
    reconstruction: float
    kl: float


class _RowBatches(Dataset):
    """Rows of a (memory-mapped) array, read a batch at a time: item ``(rows, size)`` is
    ``(images (len(rows), H, W) float32, size)``, ``size`` being the whole batch's across ranks."""

    def __init__(self, data: np.ndarray):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, item: tuple[np.ndarray, int]) -> tuple[torch.Tensor, int]:
        rows, batch_size = item
        # Sorted reads are sequential on a memory map; order inside a batch does not matter.
        return torch.from_numpy(np.asarray(self.data[np.sort(rows)], dtype=np.float32)), batch_size

    def __getstate__(self) -> dict:
        # A worker started by spawn gets a pickled copy: send a whole-file memory map as its
        # file name, not as its contents. A slice of a map (base not an mmap) is copied.
        data = self.data
        if isinstance(data, np.memmap) and isinstance(data.base, mmap.mmap) and data.filename:
            order = "F" if data.flags.f_contiguous and not data.flags.c_contiguous else "C"
            return {"memmap": (data.filename, data.dtype, data.shape, data.offset, order)}
        return {"data": data}

    def __setstate__(self, state: dict) -> None:
        if "memmap" in state:
            filename, dtype, shape, offset, order = state["memmap"]
            self.data = np.memmap(filename, dtype=dtype, mode="r", shape=shape, offset=offset, order=order)
        else:
            self.data = state["data"]


class _GlobalBatches(Sampler):
    """This rank's share of each batch of a seeded shuffle, one shuffle per epoch.

    Every rank draws the same permutation (same seed) and cuts it into the same
    batches of ``batch_size`` rows; rank ``r`` of ``world_size`` takes the r-th of
    ``world_size`` near-equal contiguous parts of each. One process (rank 0 of 1)
    takes whole batches, so W processes see exactly the batches one process sees.

    A batch of one row is skipped (it breaks BatchNorm and adds nothing), and so is
    a last batch smaller than ``world_size``, which cannot give every rank a row.
    """

    def __init__(self, n: int, batch_size: int, generator: torch.Generator, rank: int = 0, world_size: int = 1):
        self.n, self.batch_size, self.generator = n, batch_size, generator
        self.rank, self.world_size = rank, world_size

    def __iter__(self):
        order = torch.randperm(self.n, generator=self.generator).numpy()
        for start in range(0, self.n, self.batch_size):
            rows = order[start : start + self.batch_size]
            if (len(rows) < 2 and self.n > 1) or len(rows) < self.world_size:
                continue
            share = rows if self.world_size == 1 else np.array_split(rows, self.world_size)[self.rank]
            yield share, len(rows)


class _Objective(torch.nn.Module):
    """The model's loss as a module's forward, the call that DistributedDataParallel
    synchronises and ``torch.compile`` compiles (the models define ``loss``, not ``forward``)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, kl_weight: float) -> dict[str, torch.Tensor]:
        return self.model.loss(x, kl_weight=kl_weight)


def _batches(data: np.ndarray, batch_size: int, seed: int, device: torch.device, workers: int,
             rank: int, world_size: int) -> DataLoader:
    sampler = _GlobalBatches(len(data), batch_size, torch.Generator().manual_seed(seed), rank, world_size)
    # The loader draws its workers' base seed from its own generator; without one it would draw
    # from the global torch generator and shift the VAE's sampling noise.
    return DataLoader(_RowBatches(data), sampler=sampler, batch_size=None, num_workers=workers,
                      pin_memory=device.type == "cuda", persistent_workers=workers > 0,
                      generator=torch.Generator().manual_seed(seed))


def _process_group(distributed: bool) -> tuple[int, int]:
    """``(rank, world_size)`` of this process: ``(0, 1)`` unless training is distributed."""
    if not distributed:
        return 0, 1
    if not torch.distributed.is_available() or not torch.distributed.is_initialized():
        raise RuntimeError("distributed training needs an initialised process group; "
                           "start it with musiclust.distributed.train_distributed under torchrun")
    return torch.distributed.get_rank(), torch.distributed.get_world_size()


def _epoch_sums(step_losses: list[torch.Tensor], step_rows: list[int], device: torch.device,
                distributed: bool) -> list[float]:
    """Row-weighted sums of each loss over an epoch's steps (over every rank's rows when distributed)."""
    sums = [0.0, 0.0, 0.0]
    if step_losses:
        # One copy to the host per epoch, not one synchronising read per step.
        for losses, rows in zip(torch.stack(step_losses).cpu().double().tolist(), step_rows):
            for i, value in enumerate(losses):
                sums[i] += value * rows
    if distributed:
        reduced = torch.tensor(sums, dtype=torch.float64, device=device)
        torch.distributed.all_reduce(reduced)
        sums = reduced.tolist()
    return sums


def train(model: torch.nn.Module, data: np.ndarray, *, epochs: int, batch_size: int, lr: float,
          seed: int, device: torch.device, kl_warmup_epochs: int = 0, progress: bool = True,
          precision: str = "fp32", compile: bool = False, loader_workers: int = 0,
          distributed: bool = False) -> list[EpochStats]:
    """Train ``model`` (anything with ``loss(x, kl_weight) -> {total, reconstruction, kl}``, per-sample averages).

    Parameters
    ----------
    data : array, shape (N, H, W)
        Training images, typically a memory map.
    batch_size : int >= 1
        Rows per optimiser step, across all processes when distributed.
    kl_warmup_epochs : int
        The KL weight rises linearly from 0 to 1 over this many epochs (0: off).
    precision : ``fp32``, ``bf16``, ``fp16`` or ``auto``
        Autocast type of the forward pass and loss (:func:`resolve_precision`); fp16 adds a
        gradient scaler and needs CUDA. fp32 is the plain loop.
    compile : bool
        Run the loss through ``torch.compile``.
    loader_workers : int >= 0
        DataLoader worker processes; batches and their order do not depend on it.
    distributed : bool
        Train data-parallel over the initialised process group: each of the W ranks takes
        1/W of every batch (``batch_size`` must be divisible by W) and the gradients are
        averaged, which gives the full batch's mean gradient up to float rounding. Every rank
        returns the same history; see :func:`musiclust.distributed.train_distributed`.

    Returns
    -------
    history : list of EpochStats, per-sample averages for each epoch.
    """
    n = len(data)
    if n == 0:
        raise ValueError("no training data")
    if loader_workers < 0:
        raise ValueError(f"loader_workers must be >= 0, got {loader_workers}")
    precision = resolve_precision(precision, device)
    rank, world_size = _process_group(distributed)
    if batch_size % world_size:
        raise ValueError(f"batch_size {batch_size} is not divisible by the {world_size} processes "
                         "that share each batch equally")
    # Each rank draws its own VAE sampling noise; rank 0 draws what one process would.
    torch.manual_seed(seed + rank)
    model.to(device).train()
    objective: torch.nn.Module = _Objective(model)
    if distributed:
        device_ids = [device.index if device.index is not None else torch.cuda.current_device()] \
            if device.type == "cuda" else None
        objective = torch.nn.parallel.DistributedDataParallel(objective, device_ids=device_ids)
    if compile:
        objective = torch.compile(objective)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16")
    batches = _batches(data, batch_size, seed, device, loader_workers, rank, world_size)
    non_blocking = device.type == "cuda"  # pinned host batches copy while the GPU computes
    history: list[EpochStats] = []
    bar = tqdm(range(1, epochs + 1), desc=f"train {type(model).__name__}", unit="epoch",
               disable=not progress or rank != 0)
    for epoch in bar:
        kl_weight = min(1.0, epoch / kl_warmup_epochs) if kl_warmup_epochs else 1.0
        step_losses: list[torch.Tensor] = []
        step_rows: list[int] = []
        for images, global_rows in batches:
            x = images.to(device, non_blocking=non_blocking)
            autocast = torch.autocast(device.type, dtype=AUTOCAST_DTYPES[precision]) \
                if precision in AUTOCAST_DTYPES else contextlib.nullcontext()
            with autocast:
                losses = objective(x, kl_weight)
            objective_total = losses["total"]
            if len(x) * world_size != global_rows:
                # An uneven last batch: weigh each rank's mean by its share, so the average
                # over ranks is the mean over the batch.
                objective_total = objective_total * (len(x) * world_size / global_rows)
            optimiser.zero_grad(set_to_none=True)
            scaler.scale(objective_total).backward()
            scaler.step(optimiser)
            scaler.update()
            step_losses.append(torch.stack([losses[key].detach().float() for key in LOSS_KEYS]))
            step_rows.append(len(x))
        sums = _epoch_sums(step_losses, step_rows, device, distributed)
        if not np.isfinite(sums[0]):
            raise FloatingPointError(f"epoch {epoch}: loss became {sums[0] / n}; lower the learning rate")
        stats = EpochStats(epoch, *(total / n for total in sums))
        history.append(stats)
        bar.set_postfix(loss=f"{stats.total:.1f}", rec=f"{stats.reconstruction:.1f}", kl=f"{stats.kl:.2f}")
    model.eval()
    return history
