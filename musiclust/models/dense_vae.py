"""The study's GTZAN model: a dense VAE on the 43 standardised clip statistics.

43 → 256 → 128 → latent 32, BatchNorm and LeakyReLU, mirrored decoder with a
linear output (the inputs are standardised, not in [0, 1]). Loss as for the
conv beta-VAE: squared error summed over features + beta × KL summed over
dimensions, both averaged over the batch; the study used beta = 1.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _block(n_in: int, n_out: int) -> list[nn.Module]:
    return [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.LeakyReLU(0.2)]


class DenseVAE(nn.Module):
    """Dense VAE on feature vectors (B, n_features)."""

    def __init__(self, n_features: int = 43, latent_dim: int = 32, hidden: tuple[int, int] = (256, 128),
                 beta: float = 1.0):
        super().__init__()
        self.n_features, self.latent_dim, self.hidden, self.beta = n_features, latent_dim, tuple(hidden), beta
        h1, h2 = self.hidden
        self.encoder = nn.Sequential(*_block(n_features, h1), *_block(h1, h2))
        self.fc_mu = nn.Linear(h2, latent_dim)
        self.fc_logvar = nn.Linear(h2, latent_dim)
        self.decoder = nn.Sequential(*_block(latent_dim, h2), *_block(h2, h1), nn.Linear(h1, n_features))

    def hparams(self) -> dict:
        return {"n_features": self.n_features, "latent_dim": self.latent_dim,
                "hidden": list(self.hidden), "beta": self.beta}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_logvar(h)

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode_mean(x))

    def loss(self, x: torch.Tensor, kl_weight: float = 1.0) -> dict[str, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        batch = x.shape[0]
        rec = F.mse_loss(self.decode(z).float(), x.float(), reduction="sum") / batch
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / batch
        return {"total": rec + self.beta * kl_weight * kl, "reconstruction": rec, "kl": kl}
