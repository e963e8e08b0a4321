"""The study's dense autoencoder baseline: 16384 → 512 → 64 and back."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class DenseAE(nn.Module):
    """Flattened 128x128 image → hidden → code, mirrored decoder with a sigmoid output."""

    def __init__(self, latent_dim: int = 64, hidden_dim: int = 512, image_size: int = 128):
        super().__init__()
        self.latent_dim, self.hidden_dim, self.image_size = latent_dim, hidden_dim, image_size
        pixels = image_size * image_size
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, pixels), nn.Sigmoid())

    def hparams(self) -> dict:
        return {"latent_dim": self.latent_dim, "hidden_dim": self.hidden_dim,
                "image_size": self.image_size}

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 128, 128) → code (B, latent_dim); deterministic, so the 'mean' is the code."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, self.image_size, self.image_size)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode_mean(x))

    def loss(self, x: torch.Tensor, kl_weight: float = 1.0) -> dict[str, torch.Tensor]:
        rec = F.mse_loss(self.reconstruct(x).float(), x.float(), reduction="sum") / x.shape[0]
        zero = torch.zeros((), device=x.device)
        return {"total": rec, "reconstruction": rec, "kl": zero}
