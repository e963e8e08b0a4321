"""The study's dense autoencoder baseline: 16384 → 512 → 64 and back."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ..config import check
from .conv_bvae import ConvBetaVAE
from .vae import INPUT_SCALINGS, BandScaling, TrainingConfig


@dataclass(frozen=True)
class DenseAEConfig(TrainingConfig):
    """Hyperparameters of :class:`DenseAE` and its training."""

    hidden_dim: int = 512
    latent_dim: int = 64
    input_scaling: str = "none"  # band: the encoder sees each mel band standardised by the training chunks

    def validate(self, key: str) -> None:
        super().validate(key)
        check(self.input_scaling in INPUT_SCALINGS, f"{key}.input_scaling", f"must be one of {list(INPUT_SCALINGS)}")
        check(self.hidden_dim >= 1, f"{key}.hidden_dim", "must be >= 1")
        check(self.latent_dim >= 1, f"{key}.latent_dim", "must be >= 1")


class DenseAE(nn.Module):
    """Flattened 128x128 image → hidden → code, mirrored decoder with a sigmoid output."""

    input_shape = staticmethod(ConvBetaVAE.input_shape)  # square images, like the conv VAE

    def __init__(self, config: DenseAEConfig = DenseAEConfig(), image_size: int = 128):
        super().__init__()
        self.config, self.image_size = config, image_size
        latent_dim, hidden_dim = config.latent_dim, config.hidden_dim
        pixels = image_size * image_size
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, pixels), nn.Sigmoid())
        self.scaling = BandScaling(config.input_scaling, bands=image_size)

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 128, 128) → code (B, latent_dim); deterministic, so the 'mean' is the code."""
        return self.encoder(self.scaling(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, self.image_size, self.image_size)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode_mean(x))

    def loss(self, x: torch.Tensor, kl_weight: float = 1.0, kl_capacity: float | None = None) -> dict[str, torch.Tensor]:
        rec = F.mse_loss(self.reconstruct(x).float(), x.float(), reduction="sum") / x.shape[0]
        zero = torch.zeros((), device=x.device)
        return {"total": rec, "reconstruction": rec, "kl": zero}
