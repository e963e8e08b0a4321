"""The study's convolutional beta-VAE on 1x128x128 log-mel images (loss: :mod:`.vae`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..config import check
from .vae import INPUT_SCALINGS, BandScaling, DecoderNoise, KLConfig, beta_vae_loss


@dataclass(frozen=True)
class ConvBVAEConfig(KLConfig):
    """Hyperparameters of :class:`ConvBetaVAE` and its training (those of :class:`.vae.KLConfig`)."""

    input_scaling: str = "none"  # band: the encoder sees each mel band standardised by the training chunks

    def validate(self, key: str) -> None:
        super().validate(key)
        check(self.input_scaling in INPUT_SCALINGS, f"{key}.input_scaling", f"must be one of {list(INPUT_SCALINGS)}")


class ConvBetaVAE(nn.Module):
    """Encoder Conv(1→32→64→128, k4 s2 p1) + ReLU → mu, logvar; mirrored decoder, sigmoid output;
    the decoder's likelihood per mel band (:class:`.vae.DecoderNoise`).

    Parameters
    ----------
    config : ConvBVAEConfig
    image_size : int
        Side of the square input; must be divisible by 8.
    """

    def __init__(self, config: ConvBVAEConfig = ConvBVAEConfig(), image_size: int = 128):
        super().__init__()
        if image_size % 8:
            raise ValueError(f"image_size must be divisible by 8, got {image_size}")
        self.config, self.image_size = config, image_size
        latent_dim = config.latent_dim
        side = image_size // 8
        self._feature_shape = (128, side, side)
        flat = 128 * side * side
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(64, 128, 4, 2, 1), nn.ReLU(),
            nn.Flatten(),
        )
        self.fc_mu = nn.Linear(flat, latent_dim)
        self.fc_logvar = nn.Linear(flat, latent_dim)
        self.fc_decode = nn.Linear(latent_dim, flat)
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Sigmoid(),
        )
        self.noise = DecoderNoise(config.likelihood, config.decoder_variance, bands=image_size)
        self.scaling = BandScaling(config.input_scaling, bands=image_size)
        # oneDNN runs these convolutions about 1.3x faster in channels-last layout on the CPU.
        self.to(memory_format=torch.channels_last)

    @staticmethod
    def input_shape(data: np.ndarray) -> dict:
        """The size arguments that fit ``data`` (N, S, S)."""
        if data.ndim != 3 or data.shape[-1] != data.shape[-2]:
            raise ValueError(f"the conv beta-VAE needs square images (N, S, S), got {data.shape}")
        return {"image_size": int(data.shape[-1])}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 128, 128) or (B, 1, 128, 128) → mu, logvar, each (B, latent_dim)."""
        if x.ndim == 4:
            x = x.squeeze(1)
        x = self.scaling(x).unsqueeze(1)
        h = self.encoder(x.contiguous(memory_format=torch.channels_last))
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, latent_dim) → images (B, 128, 128) in [0, 1]."""
        h = self.fc_decode(z).view(-1, *self._feature_shape)
        return self.decoder(h.contiguous(memory_format=torch.channels_last)).squeeze(1).contiguous()

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)[0]

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode_mean(x))

    def loss(self, x: torch.Tensor, kl_weight: float = 1.0,
             kl_capacity: float | None = None) -> dict[str, torch.Tensor]:
        """Per-sample averages of the reconstruction, the KL and their beta-weighted total."""
        if x.ndim == 4:
            x = x.squeeze(1)
        mu, logvar = self.encode(x)
        return beta_vae_loss(x, mu, logvar, self.decode, beta=self.config.beta, kl_weight=kl_weight,
                             kl_capacity=kl_capacity, noise=self.noise)
