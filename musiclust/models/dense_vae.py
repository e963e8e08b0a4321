"""The study's GTZAN model: a dense VAE on the 43 standardised clip statistics.

43 → 256 → 128 → latent 32, BatchNorm and LeakyReLU, mirrored decoder with a
linear output (the inputs are standardised, not in [0, 1]). Loss as for the
conv beta-VAE (:mod:`.vae`); the study used beta = 1, batch 128, 100 epochs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..config import check
from .vae import DecoderNoise, KLConfig, beta_vae_loss


@dataclass(frozen=True)
class DenseVAEConfig(KLConfig):
    """Hyperparameters of :class:`DenseVAE` and its training (and those of :class:`.vae.KLConfig`)."""

    latent_dim: int = 32
    beta: float = 1.0
    hidden: list[int] = field(default_factory=lambda: [256, 128])
    batch_size: int = 128
    epochs: int = 100

    def validate(self, key: str) -> None:
        super().validate(key)
        check(len(self.hidden) == 2 and min(self.hidden) >= 1, f"{key}.hidden", "must be two sizes >= 1")


def _block(n_in: int, n_out: int) -> list[nn.Module]:
    return [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.LeakyReLU(0.2)]


class DenseVAE(nn.Module):
    """Dense VAE on feature vectors (B, n_features)."""

    def __init__(self, config: DenseVAEConfig = DenseVAEConfig(), n_features: int = 43):
        super().__init__()
        self.config, self.n_features = config, n_features
        latent_dim = config.latent_dim
        h1, h2 = config.hidden
        self.encoder = nn.Sequential(*_block(n_features, h1), *_block(h1, h2))
        self.fc_mu = nn.Linear(h2, latent_dim)
        self.fc_logvar = nn.Linear(h2, latent_dim)
        self.decoder = nn.Sequential(*_block(latent_dim, h2), *_block(h2, h1), nn.Linear(h1, n_features))
        self.noise = DecoderNoise(config.likelihood, config.decoder_variance, bands=n_features)

    @staticmethod
    def input_shape(data: np.ndarray) -> dict:
        """The size arguments that fit ``data`` (N, n_features)."""
        if data.ndim != 2:
            raise ValueError(f"the dense VAE needs feature vectors (N, F), got {data.shape}")
        return {"n_features": int(data.shape[1])}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_logvar(h)

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode_mean(x))

    def loss(self, x: torch.Tensor, kl_weight: float = 1.0,
             kl_capacity: float | None = None) -> dict[str, torch.Tensor]:
        mu, logvar = self.encode(x)
        return beta_vae_loss(x, mu, logvar, self.decode, beta=self.config.beta, kl_weight=kl_weight,
                             kl_capacity=kl_capacity, noise=self.noise)
