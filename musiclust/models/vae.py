"""What every model here shares: training hyperparameters, the reparameterised
sample and the beta-VAE loss.

Loss: the decoder's negative log-likelihood summed over pixels (or features)
plus beta times the KL divergence to N(0, I) summed over latent dimensions,
both averaged over the batch.

Likelihood (:class:`DecoderNoise`): ``gaussian`` (the default) is a Gaussian
decoder whose variance, one per frequency band (or one for all), is the
maximum-likelihood estimate from the training batches (Rybkin et al., 2021,
"calibrated decoders"): beta then weighs the KL against a likelihood in nats.
``sse`` is the study's loss (Higgins et al., 2017; 1Konny/Beta-VAE), the summed
squared error, which is a Gaussian decoder with variance 1/2: on log-mel pixels
whose variance is about 0.02 it multiplies the KL weight by about 1/(2 * 0.02)
= 25. Both conventions of beta are reported (:func:`beta_conventions`).

KL control (:class:`musiclust.train.KLSchedule`): a linear warm-up of the KL weight, and the
capacity schedule of Burgess et al. (2018), ``beta * |KL - C|`` with the
capacity ``C`` rising linearly from 0 to ``kl_capacity`` nats, which lets the
posterior carry a growing, bounded amount of information instead of collapsing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..config import check, check_seeds
from ..train import LR_SCHEDULES, KLSchedule, Stopping

LIKELIHOODS = ("gaussian", "sse")
DECODER_VARIANCES = ("band", "global")
INPUT_SCALINGS = ("none", "band")


@dataclass(frozen=True)
class TrainingConfig:
    """Optimiser settings shared by every torch model (Adam, mini-batches)."""

    lr: float = 1e-3
    batch_size: int = 32
    epochs: int = 50
    seeds: list[int] = field(default_factory=lambda: [0])  # one model trained per seed
    patience: int = 4            # stop after this many epochs without a validation improvement (0: run every epoch)
    lr_schedule: str = "plateau"  # plateau: halve the rate after half the patience without improvement; constant

    def validate(self, key: str) -> None:
        """Check the optimiser settings; errors name ``key.<field>``."""
        check(self.batch_size >= 1, f"{key}.batch_size", "must be >= 1")
        check(self.epochs >= 1, f"{key}.epochs", "must be >= 1 (the most epochs training may run)")
        check(self.lr > 0, f"{key}.lr", "must be > 0")
        check(isinstance(self.patience, int) and self.patience >= 0, f"{key}.patience", "must be an integer >= 0")
        check(self.lr_schedule in LR_SCHEDULES, f"{key}.lr_schedule", f"must be one of {list(LR_SCHEDULES)}")
        check_seeds(self.seeds, f"{key}.seeds")

    def stopping(self) -> Stopping:
        """The early stopping and learning-rate schedule these settings ask for."""
        return Stopping(self.patience, self.lr_schedule)


@dataclass(frozen=True)
class KLConfig(TrainingConfig):
    """The settings of every KL-controlled model (a VAE): its latent size, beta and the KL schedule
    (:class:`musiclust.train.KLSchedule`). Models subclass it and add their own fields."""

    latent_dim: int = 64
    beta: float = 4.0            # weight of the KL term
    kl_warmup_epochs: int = 0    # the KL weight rises linearly to 1 over this many epochs
    kl_capacity: float = 0.0     # nats; > 0: beta * |KL - C|, C rising linearly to this (Burgess et al.)
    kl_capacity_epochs: int = 0  # epochs over which the capacity rises
    likelihood: str = "gaussian"  # gaussian: calibrated decoder variance (DecoderNoise); sse: the study's loss
    decoder_variance: str = "band"  # gaussian only: one variance per frequency band (feature), or global

    def validate(self, key: str) -> None:
        super().validate(key)
        check(self.likelihood in LIKELIHOODS, f"{key}.likelihood", f"must be one of {list(LIKELIHOODS)}")
        check(self.decoder_variance in DECODER_VARIANCES, f"{key}.decoder_variance",
              f"must be one of {list(DECODER_VARIANCES)}")
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


class BandScaling(nn.Module):
    """The encoder's input standardised per band (axis 1: a mel chunk's frequency rows) by the
    mean and spread of the training rows (``fit``), kept as buffers so encoding applies the same;
    ``none`` leaves the input as it is. Only what the encoder sees changes: the decoder still
    reconstructs the stored input, under its own likelihood."""

    def __init__(self, scaling: str = "none", bands: int = 1):
        super().__init__()
        self.active = scaling == "band"
        self.register_buffer("mean", torch.zeros(bands))
        self.register_buffer("scale", torch.ones(bands))

    @torch.no_grad()
    def fit(self, data, batch: int = 512) -> None:
        """Per-band mean and standard deviation over the rows and frames of ``data`` (N, bands, ...),
        read a block at a time (a memory map stays on disk), accumulated in float64."""
        if not self.active:
            return
        total = squares = 0.0
        count = 0
        for start in range(0, len(data), batch):
            block = torch.from_numpy(np.asarray(data[start : start + batch], dtype=np.float64))
            axes = [0] + list(range(2, block.ndim))
            total = total + block.sum(axes)
            squares = squares + block.pow(2).sum(axes)
            count += block.numel() // block.shape[1]
        mean = total / count
        self.mean.copy_(mean.float())
        self.scale.copy_((squares / count - mean.pow(2)).clamp_min(0).sqrt().clamp_min(1e-6).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return x
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return (x - self.mean.view(shape)) / self.scale.view(shape)


class DecoderNoise(nn.Module):
    """The decoder's likelihood: ``nll(recon, x)`` per row.

    ``gaussian``: N(recon, variance) with one variance per band (axis 1 of the input: a mel
    chunk's frequency rows, a feature vector's features) or one for all. The variance is the
    maximum-likelihood estimate, the mean squared error, tracked over the training batches as
    an exponential moving average (a buffer: saved with the weights, fixed in eval mode), so it
    is calibrated from the first step rather than learned at the optimiser's pace. The loss
    sees it as a constant: the decoder's gradient is the squared error over ``2 * variance``.
    ``sse``: the study's summed squared error, as before.
    """

    MOMENTUM = 0.1  # weight of each batch's estimate in the moving average (about 10 batches' memory)
    FLOOR = 1e-6    # a variance below this would let one pixel dominate the loss

    def __init__(self, likelihood: str = "gaussian", variance: str = "band", bands: int = 1):
        super().__init__()
        self.likelihood, self.per_band = likelihood, variance == "band"
        self.register_buffer("variance", torch.ones(bands if self.per_band else 1))
        self.register_buffer("estimated", torch.zeros((), dtype=torch.bool))

    def _update(self, squared: torch.Tensor, rows: torch.Tensor | None) -> None:
        """Move the variance towards this batch's mean squared error (per band) over ``rows``."""
        weight = torch.ones(squared.shape[0], device=squared.device) if rows is None else rows.float()
        weighted = squared * weight.view((-1,) + (1,) * (squared.ndim - 1))
        axes = [0] + list(range(2, squared.ndim))
        per_row = squared[0].numel() // (squared.shape[1] if self.per_band else 1)
        count = weight.sum() * per_row
        sums = weighted.sum(axes) if self.per_band else weighted.sum().reshape(1)
        batch = (sums / count.clamp_min(1)).clamp_min(self.FLOOR)
        # No sync with the host: a batch without rows leaves the estimate as it was.
        seen = count > 0
        moved = torch.where(self.estimated, (1 - self.MOMENTUM) * self.variance + self.MOMENTUM * batch, batch)
        self.variance.copy_(torch.where(seen, moved, self.variance))
        self.estimated.copy_(self.estimated | seen)

    def nll(self, recon: torch.Tensor, x: torch.Tensor, rows: torch.Tensor | None = None,
            update: bool = True) -> torch.Tensor:
        """Negative log-likelihood of each row of ``x`` (B, bands, ...) → (B,), float32. ``rows``
        (B,), 0/1: the rows that count in the variance's estimate (None: all). ``update``: in
        training mode, move the estimate by this batch (a model scoring several reconstructions
        of one batch in a step updates it from one of them: one batch, one move)."""
        squared = (recon.float() - x.float()).pow(2)
        if self.likelihood == "sse":
            return squared.flatten(1).sum(1)
        if self.training and update:
            with torch.no_grad():
                self._update(squared, rows)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        # A copy: the next step's update writes the buffer in place.
        variance = self.variance.detach().clone().view(shape)
        return (0.5 * (squared / variance + torch.log(2 * math.pi * variance))).flatten(1).sum(1)


def beta_conventions(beta: float, likelihood: str, pixel_variance: float) -> dict[str, float]:
    """beta in both conventions: ``beta_sse``, the KL weight against a summed squared error, and
    ``beta_calibrated``, against a Gaussian likelihood with the variance the data show.

    ``pixel_variance``: the decoder's variance (its harmonic mean over bands: the mean weight
    1 / (2 variance) of a squared error) for ``gaussian``; the mean squared error per pixel for
    ``sse``, whose maximum-likelihood variance it is. Summed squared error is a Gaussian with
    variance 1/2, so ``beta_sse = beta_calibrated * 2 * variance``.
    """
    scale = 2.0 * pixel_variance
    if likelihood == "sse":
        return {"beta_sse": beta, "beta_calibrated": beta / scale if scale > 0 else math.inf}
    return {"beta_sse": beta * scale, "beta_calibrated": beta}


def beta_vae_loss(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                  decode: Callable[[torch.Tensor], torch.Tensor], *, beta: float,
                  kl_weight: float = 1.0, kl_capacity: float | None = None,
                  noise: DecoderNoise | None = None) -> dict[str, torch.Tensor]:
    """Per-sample averages of the reconstruction, the KL and their beta-weighted total.

    Parameters
    ----------
    x : tensor, shape (B, ...), the inputs, in the shape ``decode`` returns
    mu, logvar : tensors, shape (B, latent_dim), the posterior of ``x``
    decode : latent (B, latent_dim) -> reconstruction shaped like ``x``
    kl_weight : float in [0, 1], the warm-up factor on beta
    kl_capacity : the capacity in nats at this epoch, or None (see :class:`musiclust.train.KLSchedule`)
    noise : the decoder's likelihood (None: summed squared error)

    Returns
    -------
    dict of ``total`` (the likelihood's negative log plus the weighted KL), ``reconstruction``
    (the summed squared error, whatever the likelihood: comparable across models and with PCA),
    ``kl`` (scalars) and ``kl_dims`` (latent_dim,)
    """
    recon = decode(reparameterise(mu, logvar))
    batch = x.shape[0]
    squared = (recon.float() - x.float()).pow(2).flatten(1).sum(1)
    nll = squared if noise is None else noise.nll(recon, x)
    kl_dims = kl_per_dim(mu, logvar)
    kl = kl_dims.sum()
    return {"total": nll.sum() / batch + kl_term(kl, beta=beta, kl_weight=kl_weight, kl_capacity=kl_capacity),
            "reconstruction": squared.sum() / batch, "kl": kl, "kl_dims": kl_dims}
