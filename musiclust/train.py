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
import random
from dataclasses import dataclass, field
from typing import get_args

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler
from tqdm.auto import tqdm

from .arrays import array_from_state, array_state
from .compute import Precision

AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
LOSS_KEYS = ("total", "reconstruction", "kl")
LR_SCHEDULES = ("plateau", "constant")


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
    kl_dims: tuple[float, ...] = ()  # KL of each latent dimension (VAEs), per sample
    validation: tuple[float, ...] = ()  # total, reconstruction and KL on the validation songs (KL weight 1)
    lr: float | None = None  # the learning rate this epoch ran at (None: not trained by a schedule)
    diagnostics: dict = field(default_factory=dict)  # the model's own per-epoch means (its DIAGNOSTICS)

    def row(self) -> dict:
        """One history row: the losses, ``validation_<loss>`` where there are validation songs,
        ``lr``, then ``kl_dim_<i>`` for each latent dimension."""
        width = len(str(max(len(self.kl_dims) - 1, 0)))
        return {"epoch": self.epoch, "total": self.total, "reconstruction": self.reconstruction, "kl": self.kl,
                **{f"validation_{key}": value for key, value in zip(LOSS_KEYS, self.validation)},
                **({} if self.lr is None else {"lr": self.lr}), **self.diagnostics,
                **{f"kl_dim_{i:0{width}d}": value for i, value in enumerate(self.kl_dims)}}


@dataclass(frozen=True)
class KLSchedule:
    """The KL term's weight and capacity at each epoch (1-based).

    ``warmup_epochs``: the weight rises linearly to 1 over this many epochs (0: 1 throughout).
    ``capacity``: the target KL in nats reached after ``capacity_epochs`` (0: no capacity, the
    plain beta-VAE loss); it rises linearly from 0 and then stays (Burgess et al., 2018).
    """

    warmup_epochs: int = 0
    capacity: float = 0.0
    capacity_epochs: int = 0

    def weight(self, epoch: int) -> float:
        return min(1.0, epoch / self.warmup_epochs) if self.warmup_epochs else 1.0

    def target(self, epoch: int) -> float | None:
        """The capacity at ``epoch`` in nats, or None without a capacity schedule."""
        if not self.capacity:
            return None
        return self.capacity * (min(1.0, epoch / self.capacity_epochs) if self.capacity_epochs else 1.0)


@dataclass(frozen=True)
class Stopping:
    """When training stops and how its learning rate falls, judged on the validation loss (the
    training loss where there are no validation songs).

    An epoch improves when its loss is below the best so far by more than ``MIN_IMPROVEMENT``
    (relative). After ``patience`` epochs without one, training stops: a plateau (0: every epoch
    up to the cap runs). ``plateau`` halves the learning rate after ``max(1, patience // 2)``
    epochs without one (torch's ReduceLROnPlateau); ``constant`` keeps it. Neither counts while
    the KL schedule still rises (``ramp_epochs``), when the loss it is judged on is still moving
    by design.
    """

    patience: int = 0
    lr_schedule: str = "constant"

    MIN_IMPROVEMENT = 1e-3
    LR_FACTOR = 0.5

    def scheduler(self, optimiser: torch.optim.Optimizer):
        if self.lr_schedule != "plateau":
            return None
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimiser, mode="min", factor=self.LR_FACTOR, patience=max(1, self.patience // 2) - 1,
            threshold=self.MIN_IMPROVEMENT, threshold_mode="rel", eps=0.0)


class _RowBatches(Dataset):
    """Rows of a (memory-mapped) array, read a batch at a time: item ``(rows, size)`` is
    ``(images (len(rows), H, W) float32, size)``, ``size`` being the whole batch's across ranks.

    ``data`` may also be a table of several aligned arrays (anything whose ``data[rows]`` is a
    tuple of arrays, such as :class:`musiclust.models.joint.JointRows`); a batch is then a tuple of tensors.
    """

    def __init__(self, data: np.ndarray):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, item: tuple[np.ndarray, int]) -> tuple[torch.Tensor, int]:
        rows, batch_size = item
        # Sorted reads are sequential on a memory map; order inside a batch does not matter.
        batch = self.data[np.sort(rows)]
        if isinstance(batch, tuple):
            return tuple(torch.from_numpy(np.asarray(part, dtype=np.float32)) for part in batch), batch_size
        return torch.from_numpy(np.asarray(batch, dtype=np.float32)), batch_size

    def __getstate__(self) -> dict:
        return array_state(self.data)

    def __setstate__(self, state: dict) -> None:
        self.data = array_from_state(state)


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

    def forward(self, x, kl_weight: float, kl_capacity: float | None) -> dict[str, torch.Tensor]:
        return self.model.loss(x, kl_weight=kl_weight, kl_capacity=kl_capacity)


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
                distributed: bool, width: int) -> list[float]:
    """Row-weighted sums of each loss over an epoch's steps (over every rank's rows when distributed)."""
    sums = [0.0] * width
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


def _to_device(batch, device: torch.device, non_blocking: bool):
    # The loader hands a table's batch over as a list (its default conversion); the model takes a tuple.
    if isinstance(batch, (tuple, list)):
        return tuple(part.to(device, non_blocking=non_blocking) for part in batch)
    return batch.to(device, non_blocking=non_blocking)


@torch.no_grad()
def validation_loss(model: torch.nn.Module, data, *, seed: int, device: torch.device,
                    batch_size: int = 256) -> tuple[float, ...]:
    """Per-sample ``LOSS_KEYS`` of ``model`` on held-out rows, in eval mode, with KL weight 1 and
    no capacity (the plain beta-ELBO, comparable across epochs whatever the schedule). A VAE's
    sampling noise is drawn from ``seed`` on a forked generator: every epoch sees the same noise,
    and the training's random stream is untouched."""
    was_training = model.training
    model.eval()
    sums = np.zeros(len(LOSS_KEYS))
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for start in range(0, len(data), batch_size):
            batch = data[np.arange(start, min(start + batch_size, len(data)))]
            x = tuple(torch.from_numpy(np.asarray(part, dtype=np.float32)).to(device) for part in batch) \
                if isinstance(batch, tuple) else torch.from_numpy(np.asarray(batch, dtype=np.float32)).to(device)
            rows = len(x[0]) if isinstance(x, tuple) else len(x)
            losses = model.loss(x, kl_weight=1.0, kl_capacity=None)
            sums += [float(losses[key]) * rows for key in LOSS_KEYS]
    model.train(was_training)
    return tuple(float(v) for v in sums / len(data))


def train(model: torch.nn.Module, data: np.ndarray, *, epochs: int, batch_size: int, lr: float,
          seed: int, device: torch.device, kl_warmup_epochs: int = 0, kl: KLSchedule | None = None,
          progress: bool = True, precision: str = "fp32", compile: bool = False, loader_workers: int = 0,
          distributed: bool = False, validation=None, stopping: Stopping | None = None) -> list[EpochStats]:
    """Train ``model`` (anything with ``loss(x, kl_weight, kl_capacity) -> {total, reconstruction, kl}``,
    per-sample averages, and optionally ``kl_dims``, the KL of each latent dimension).

    Parameters
    ----------
    data : array, shape (N, H, W), or a table of aligned arrays (see :class:`_RowBatches`)
        Training rows, typically a memory map.
    batch_size : int >= 1
        Rows per optimiser step, across all processes when distributed.
    kl_warmup_epochs : int
        The KL weight rises linearly from 0 to 1 over this many epochs (0: off); shorthand for
        ``kl=KLSchedule(kl_warmup_epochs)``.
    kl : KLSchedule, optional
        The KL weight and capacity per epoch; overrides ``kl_warmup_epochs``.
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
    validation : held-out rows of the same form as ``data`` (the validation songs), or None
        Scored after every epoch (:func:`validation_loss`); the model ends with the weights of
        the epoch with the lowest validation total, so the number of epochs is chosen by
        held-out songs.
    stopping : Stopping, optional
        Early stopping on a plateau and the learning-rate schedule (None: ``epochs`` epochs at
        ``lr``). ``epochs`` is then the cap.

    Returns
    -------
    history : list of EpochStats, per-sample averages for each epoch.
    """
    kl = kl or KLSchedule(kl_warmup_epochs)
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
    stopping = stopping or Stopping()
    scheduler = stopping.scheduler(optimiser)
    ramp = max(kl.warmup_epochs, kl.capacity_epochs if kl.capacity else 0)
    watched: float | None = None  # the best loss early stopping has seen
    stale = 0  # epochs since it improved
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16")
    batches = _batches(data, batch_size, seed, device, loader_workers, rank, world_size)
    non_blocking = device.type == "cuda"  # pinned host batches copy while the GPU computes
    history: list[EpochStats] = []
    best: tuple[float, dict] | None = None  # the lowest validation total so far and its weights
    bar = tqdm(range(1, epochs + 1), desc=f"train {type(model).__name__}", unit="epoch",
               disable=not progress or rank != 0)
    # Numbers a model reports beside its losses (the joint model's experts' precisions), averaged per epoch.
    diagnostic_keys = tuple(getattr(model, "DIAGNOSTICS", ()))
    width = len(LOSS_KEYS)
    for epoch in bar:
        kl_weight, kl_capacity = kl.weight(epoch), kl.target(epoch)
        epoch_lr = float(optimiser.param_groups[0]["lr"])
        step_losses: list[torch.Tensor] = []
        step_rows: list[int] = []
        for batch, global_rows in batches:
            x = _to_device(batch, device, non_blocking)
            rows = len(x[0]) if isinstance(x, tuple) else len(x)
            autocast = torch.autocast(device.type, dtype=AUTOCAST_DTYPES[precision]) \
                if precision in AUTOCAST_DTYPES else contextlib.nullcontext()
            with autocast:
                losses = objective(x, kl_weight, kl_capacity)
            objective_total = losses["total"]
            if rows * world_size != global_rows:
                # An uneven last batch: weigh each rank's mean by its share, so the average
                # over ranks is the mean over the batch.
                objective_total = objective_total * (rows * world_size / global_rows)
            optimiser.zero_grad(set_to_none=True)
            scaler.scale(objective_total).backward()
            scaler.step(optimiser)
            scaler.update()
            parts = [losses[key].detach().float().reshape(1) for key in LOSS_KEYS + diagnostic_keys]
            if "kl_dims" in losses:
                parts.append(losses["kl_dims"].detach().float().reshape(-1))
            step_losses.append(torch.cat(parts))
            width = len(step_losses[-1])
            step_rows.append(rows)
        sums = _epoch_sums(step_losses, step_rows, device, distributed, width)
        if not np.isfinite(sums[0]):
            raise FloatingPointError(f"epoch {epoch}: loss became {sums[0] / n}; lower the learning rate")
        means = [total / n for total in sums]
        held_out = () if validation is None or not len(validation) else \
            validation_loss(model, validation, seed=seed, device=device)
        named = len(LOSS_KEYS) + len(diagnostic_keys)
        stats = EpochStats(epoch, *means[:3], kl_dims=tuple(means[named:]), validation=held_out, lr=epoch_lr,
                           diagnostics=dict(zip(diagnostic_keys, means[len(LOSS_KEYS):named])))
        history.append(stats)
        if held_out and (best is None or held_out[0] < best[0]):
            best = (held_out[0], {k: v.detach().clone() for k, v in model.state_dict().items()})
        bar.set_postfix(loss=f"{stats.total:.1f}", rec=f"{stats.reconstruction:.1f}", kl=f"{stats.kl:.2f}")
        if epoch <= ramp:
            continue
        judged = held_out[0] if held_out else stats.total
        if watched is None or judged < watched - Stopping.MIN_IMPROVEMENT * abs(watched):
            watched, stale = judged, 0
        else:
            stale += 1
        if scheduler is not None:
            scheduler.step(judged)
        if stopping.patience and stale >= stopping.patience:
            break
    if best is not None:
        model.load_state_dict(best[1])
    model.eval()
    return history


def stop_reason(history: list[EpochStats], cap: int) -> str:
    """``cap`` when training ran every epoch it was allowed, else ``plateau`` (stopped early)."""
    return "cap" if history and history[-1].epoch >= cap else "plateau"


def best_epoch(history: list[EpochStats]) -> int | None:
    """The epoch whose weights :func:`train` kept: the lowest validation total (None without one)."""
    scored = [h for h in history if h.validation]
    return min(scored, key=lambda h: h.validation[0]).epoch if scored else None
