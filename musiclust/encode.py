"""Batched encoding: posterior means (or codes) of every feature row, keyed for the latents table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .representations import Features, latents_to_frame, track_rows


@torch.no_grad()
def encode(encoder, data: np.ndarray, *, batch_size: int = 256, device: torch.device | None = None,
           progress: bool = True, desc: str = "encode") -> np.ndarray:
    """Posterior means (or codes) for every row of ``data`` (N, H, W) → (N, d) float32.

    ``encoder`` is a torch model with ``encode_mean`` or a plain function on arrays.
    """
    outs = []
    is_torch = isinstance(encoder, torch.nn.Module)
    if is_torch:
        device = device or torch.device("cpu")
        encoder.to(device).eval()
    for start in tqdm(range(0, len(data), batch_size), desc=desc, unit="batch", disable=not progress):
        x = np.array(data[start : start + batch_size], dtype=np.float32)  # a writable copy
        if is_torch:
            z = encoder.encode_mean(torch.from_numpy(x).to(device)).float().cpu().numpy()
        else:
            z = encoder(x)
        outs.append(np.asarray(z, dtype=np.float32))
    if not outs:
        raise ValueError("nothing to encode")
    return np.concatenate(outs)


def latent_table(features: Features, latents: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Latents of every feature row as stored: chunk rows plus their track means, or track rows."""
    if features.level == "chunk":
        if features.keys is None:
            raise ValueError("chunk latents need the chunks table that keys them (chunks.parquet)")
        return latents_to_frame(features.keys, latents)
    return track_rows(features.keys["track_id"]), latents
