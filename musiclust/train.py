"""One training loop for every torch model.

Data are read from a (memory-mapped) array in batches, so memory does not
grow with the corpus. Seeded: the same seed, data and thread count give the
same weights on the same machine.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from .config import check


@dataclass(frozen=True)
class ComputeParams:
    device: str = "auto"
    threads: int = 2

    def validate(self, key: str) -> None:
        check(self.device == "auto" or self.device.split(":")[0] in ("cpu", "cuda", "mps"),
               f"{key}.device", f"{self.device!r} is not auto, cpu, cuda[:n] or mps")
        check(self.threads >= 1, f"{key}.threads", "must be >= 1")


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


def seed_everything(seed: int, threads: int | None = None) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def _batch(data: np.ndarray, idx: np.ndarray, device: torch.device) -> torch.Tensor:
    # Sorted reads are sequential on a memory map; order inside a batch does not matter.
    x = np.asarray(data[np.sort(idx)], dtype=np.float32)
    return torch.from_numpy(x).to(device, non_blocking=True)


@dataclass
class EpochStats:
    epoch: int
    total: float
    reconstruction: float
    kl: float


def train(model: torch.nn.Module, data: np.ndarray, *, epochs: int, batch_size: int, lr: float,
          seed: int, device: torch.device, kl_warmup_epochs: int = 0,
          progress: bool = True) -> list[EpochStats]:
    """Train ``model`` (anything with ``loss(x, kl_weight) -> {total, reconstruction, kl}``).

    Parameters
    ----------
    data : array, shape (N, H, W)
        Training images, typically a memory map.
    kl_warmup_epochs : int
        The KL weight rises linearly from 0 to 1 over this many epochs (0: off).

    Returns
    -------
    history : list of EpochStats, per-sample averages for each epoch.
    """
    n = len(data)
    if n == 0:
        raise ValueError("no training data")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model.to(device).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    use_amp = device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    history: list[EpochStats] = []
    bar = tqdm(range(1, epochs + 1), desc=f"train {type(model).__name__}", unit="epoch",
               disable=not progress)
    for epoch in bar:
        kl_weight = min(1.0, epoch / kl_warmup_epochs) if kl_warmup_epochs else 1.0
        order = torch.randperm(n, generator=generator).numpy()
        sums = {"total": 0.0, "reconstruction": 0.0, "kl": 0.0}
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            if len(idx) < 2 and n > 1:
                continue  # a batch of one breaks BatchNorm and adds nothing
            x = _batch(data, idx, device)
            autocast = torch.autocast("cuda", dtype=torch.float16) if use_amp else contextlib.nullcontext()
            with autocast:
                losses = model.loss(x, kl_weight=kl_weight)
            if not torch.isfinite(losses["total"]):
                raise FloatingPointError(
                    f"epoch {epoch}: loss became {losses['total'].item()}; lower the learning rate")
            optimiser.zero_grad(set_to_none=True)
            scaler.scale(losses["total"]).backward()
            scaler.step(optimiser)
            scaler.update()
            for key in sums:
                sums[key] += float(losses[key].detach()) * len(idx)
        stats = EpochStats(epoch, *(sums[k] / n for k in ("total", "reconstruction", "kl")))
        history.append(stats)
        bar.set_postfix(loss=f"{stats.total:.1f}", rec=f"{stats.reconstruction:.1f}", kl=f"{stats.kl:.2f}")
    model.eval()
    return history
