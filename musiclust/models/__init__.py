"""Models, their construction from hyperparameters, and their on-disk format.

A saved model is ``{"kind", "hparams", "state"}`` written with ``torch.save``
and loadable with ``weights_only=True``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from .conv_bvae import ConvBetaVAE
from .dense_ae import DenseAE
from .dense_vae import DenseVAE
from .linear import fit_pca, pca_transform, raw_pixels

TORCH_KINDS = {"conv_bvae": ConvBetaVAE, "dense_ae": DenseAE, "dense_vae": DenseVAE}


def build_torch_model(kind: str, hparams: dict) -> torch.nn.Module:
    if kind not in TORCH_KINDS:
        raise ValueError(f"unknown torch model kind {kind!r}; known: {sorted(TORCH_KINDS)}")
    return TORCH_KINDS[kind](**hparams)


def save_model(path, kind: str, hparams: dict, state: dict) -> None:
    from ..io import atomic_path

    payload = {"kind": kind, "hparams": dict(hparams),
               "state": {k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v.detach().cpu())
                         for k, v in state.items()}}
    # Saving through a buffer keeps the archive's inner folder name fixed ("archive"),
    # not the random temporary file name: same weights, same bytes.
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())


def load_model(path) -> dict:
    """Load a saved model file (``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model file not found")
    return torch.load(path, map_location="cpu", weights_only=True)


def encoder_from_file(path):
    """Return ``encode(images (N, H, W) float32) -> latents (N, d)`` for any saved model, and its kind."""
    payload = load_model(path)
    kind, hparams, state = payload["kind"], payload["hparams"], payload["state"]
    if kind in TORCH_KINDS:
        model = build_torch_model(kind, hparams)
        model.load_state_dict(state)
        model.eval()
        return model, kind
    if kind == "pca":
        mean, comps = state["mean"].numpy(), state["components"].numpy()
        return (lambda x: pca_transform(x, mean, comps)), kind
    if kind == "raw":
        return raw_pixels, kind
    raise ValueError(f"{path}: unknown model kind {kind!r}")
