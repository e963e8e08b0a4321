"""What every model here shares: training hyperparameters, the reparameterised
sample and the beta-VAE loss.

Loss (Higgins et al., 2017; 1Konny/Beta-VAE): squared reconstruction error
summed over pixels (or features) plus beta times the KL divergence to N(0, I)
summed over latent dimensions, both averaged over the batch. A mean-reduced
reconstruction with beta = 4 would act like a beta thousands of times larger
and collapse the posterior.

KL control (:class:`musiclust.train.KLSchedule`): a linear warm-up of the KL weight, and the
capacity schedule of Burgess et al. (2018), ``beta * |KL - C|`` with the
capacity ``C`` rising linearly from 0 to ``kl_capacity`` nats, which lets the
posterior carry a growing, bounded amount of information instead of collapsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch.nn import functional as F

from ..config import check, check_seeds
from ..train import KLSchedule


@dataclass(frozen=True)
class TrainingConfig:
    """Optimiser settings shared by every torch model (Adam, mini-batches)."""

    lr: float = 1e-3
    batch_size: int = 32
    epochs: int = 50
    seeds: list[int] = field(default_factory=lambda: [0])  # one model trained per seed

    def validate(self, key: str) -> None:
        """Check the optimiser settings; errors name ``key.<field>``."""
        check(self.batch_size >= 1, f"{key}.batch_size", "must be >= 1")
        check(self.epochs >= 1, f"{key}.epochs", "must be >= 1")
        check(self.lr > 0, f"{key}.lr", "must be > 0")
        check_seeds(self.seeds, f"{key}.seeds")


@dataclass(frozen=True)
class KLConfig(TrainingConfig):
    """The settings of every KL-controlled model (a VAE): its latent size, beta and the KL schedule
    (:class:`musiclust.train.KLSchedule`). Models subclass it and add their own fields."""

    latent_dim: int = 64
    beta: float = 4.0            # weight of the KL term
    kl_warmup_epochs: int = 0    # the KL weight rises linearly to 1 over this many epochs
    kl_capacity: float = 0.0     # nats; > 0: beta * |KL - C|, C rising linearly to this (Burgess et al.)
    kl_capacity_epochs: int = 0  # epochs over which the capacity rises

    def validate(self, key: str) -> None:
        super().validate(key)
        check(self.latent_dim >= 1, f"{key}.latent_dim", "must be >= 1")
        check(self.beta >= 0, f"{key}.beta", "must be >= 0")
        check(self.kl_warmup_epochs >= 0, f"{key}.kl_warmup_epochs", "must be >= 0")
        check(self.kl_capacity >= 0, f"{key}.kl_capacity", "must be >= 0 (nats; 0: no capacity schedule)")
        check(self.kl_capacity_epochs >= 0, f"{key}.kl_capacity_epochs", "must be >= 0")

    def kl_schedule(self) -> KLSchedule:
        """The KL weight and capacity per epoch these settings ask for."""
        return KLSchedule(self.kl_warmup_epochs, self.kl_capacity, self.kl_capacity_epochs)


def reparameterise(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """A sample of N(mu, exp(logvar)) that gradients flow through."""
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) of each latent dimension, averaged over the batch → (latent_dim,)."""
    mu, logvar = mu.float(), logvar.float()
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(0)


def kl_term(kl: torch.Tensor, *, beta: float, kl_weight: float = 1.0, kl_capacity: float | None = None):
    """``beta * weight * KL``, or ``beta * weight * |KL - C|`` under a capacity ``C`` (nats)."""
    return beta * kl_weight * (kl if kl_capacity is None else (kl - kl_capacity).abs())


def beta_vae_loss(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                  decode: Callable[[torch.Tensor], torch.Tensor], *, beta: float,
                  kl_weight: float = 1.0, kl_capacity: float | None = None) -> dict[str, torch.Tensor]:
    """Per-sample averages of the reconstruction, the KL and their beta-weighted total.

    Parameters
    ----------
    x : tensor, shape (B, ...), the inputs, in the shape ``decode`` returns
    mu, logvar : tensors, shape (B, latent_dim), the posterior of ``x``
    decode : latent (B, latent_dim) -> reconstruction shaped like ``x``
    kl_weight : float in [0, 1], the warm-up factor on beta
    kl_capacity : the capacity in nats at this epoch, or None (see :class:`musiclust.train.KLSchedule`)

    Returns
    -------
    dict of ``total``, ``reconstruction``, ``kl`` (scalars) and ``kl_dims`` (latent_dim,)
    """
    recon = decode(reparameterise(mu, logvar))
    batch = x.shape[0]
    rec = F.mse_loss(recon.float(), x.float(), reduction="sum") / batch
    kl_dims = kl_per_dim(mu, logvar)
    kl = kl_dims.sum()
    return {"total": rec + kl_term(kl, beta=beta, kl_weight=kl_weight, kl_capacity=kl_capacity),
            "reconstruction": rec, "kl": kl, "kl_dims": kl_dims}
