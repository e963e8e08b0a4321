"""Every model kind in one registry: its settings type, how it is fitted, how it encodes.

Adding a kind means one model file (a settings dataclass and the model) and
one entry in :data:`KINDS`. A saved model is ``{"kind", "hparams", "state"}``
written with ``torch.save`` and loadable with ``weights_only=True``;
``hparams`` holds the settings (``config``) and the input sizes (``input``).
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from ..io import atomic_path
from ..train import EpochStats, KLSchedule, seed_everything, train
from .conv_bvae import ConvBetaVAE, ConvBVAEConfig
from .dense_ae import DenseAE, DenseAEConfig
from .dense_vae import DenseVAE, DenseVAEConfig
from .linear import PCAConfig, fit_pca, pca_transform


@dataclass
class Fitted:
    """A fitted model: what is saved, its per-epoch history and its training summary."""

    kind: str
    hparams: dict
    state: dict
    history: list[EpochStats]
    extra: dict  # kind-specific training numbers (parameter count, explained variance)

    def history_frame(self) -> pd.DataFrame:
        return pd.DataFrame([h.row() for h in self.history])

    def summary(self) -> dict:
        """The training metrics: the last epoch's losses and the kind's own numbers."""
        last = self.history[-1]
        return {"kind": self.kind, "epochs": last.epoch, "final_total": last.total,
                "final_reconstruction": last.reconstruction, "final_kl": last.kl, **self.extra}


@dataclass(frozen=True)
class ModelKind:
    config: type                                                 # the settings dataclass
    fit: Callable[..., tuple[dict, dict, list[EpochStats], dict]]  # (config, data, device, seed, **runtime)
    load: Callable[[dict, dict], Any]                            # (hparams, state) -> encoder


def _torch_kind(module: type[torch.nn.Module], config: type) -> ModelKind:
    """A torch model: built from its settings and the input sizes, trained by :func:`train`."""

    def fit(cfg, data: np.ndarray, device: torch.device, seed: int, **runtime):
        hparams = {"config": dataclasses.asdict(cfg), "input": module.input_shape(data), "seed": seed}
        model = module(cfg, **hparams["input"])
        history = train(model, data, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, seed=seed,
                        device=device, kl=KLSchedule.of(cfg), **runtime)
        extra = {"parameters": int(sum(t.numel() for t in model.parameters()))}
        return hparams, model.state_dict(), history, extra

    def load(hparams: dict, state: dict) -> torch.nn.Module:
        model = module(config(**hparams["config"]), **hparams["input"])
        model.load_state_dict(state)
        return model.eval()

    return ModelKind(config, fit, load)


def _fit_pca(cfg: PCAConfig, data: np.ndarray, device: torch.device, seed: int, **runtime):
    state, numbers = fit_pca(data, cfg, seed)
    error = numbers["reconstruction"]
    hparams = {"config": dataclasses.asdict(cfg), "input": {}, "seed": seed}
    extra = {"explained_variance": numbers["explained_variance"], "fit_chunks": numbers["fit_chunks"]}
    return hparams, state, [EpochStats(1, error, error, 0.0)], extra


def _load_pca(hparams: dict, state: dict):
    mean, components = state["mean"].numpy(), state["components"].numpy()
    return lambda images: pca_transform(images, mean, components)


KINDS: dict[str, ModelKind] = {
    "conv_bvae": _torch_kind(ConvBetaVAE, ConvBVAEConfig),
    "dense_ae": _torch_kind(DenseAE, DenseAEConfig),
    "dense_vae": _torch_kind(DenseVAE, DenseVAEConfig),
    "pca": ModelKind(PCAConfig, _fit_pca, _load_pca),
}


def kind_of(kind: str) -> ModelKind:
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(KINDS)}")
    return KINDS[kind]


def fit(kind: str, config, data: np.ndarray, *, seed: int, device: torch.device,
        threads: int | None = None, **runtime) -> Fitted:
    """Fit one model of ``kind`` with settings ``config`` on ``data`` (mel chunks or feature rows).

    Seeded with ``seed``: the same settings, seed, data, device and thread
    count give the same weights. ``runtime`` (``precision``, ``compile``,
    ``loader_workers``: see :func:`musiclust.train.train`) reaches the torch
    training loop; PCA has no use for it.
    """
    seed_everything(seed, threads)
    hparams, state, history, extra = kind_of(kind).fit(config, data, device, seed, **runtime)
    return Fitted(kind, hparams, state, history, extra)


def seed_file(seed: int) -> str:
    """The file name of the model trained with ``seed`` in a model's folder."""
    return f"seed_{seed}.pt"


def seed_of(path) -> int:
    """The seed in a file name written by :func:`seed_file` (``seed_3.pt`` -> 3)."""
    stem = Path(path).stem
    if not stem.startswith("seed_") or not stem[5:].isdigit():
        raise ValueError(f"{path}: not a per-seed file (seed_<n> and a suffix, e.g. seed_0.pt)")
    return int(stem[5:])


def model_files(folder) -> dict[int, Path]:
    """``{seed: path}`` of every per-seed model in ``folder``, by seed."""
    files = {seed_of(p): p for p in Path(folder).glob("seed_*.pt")}
    if not files:
        raise FileNotFoundError(f"{folder}: no trained models (seed_<n>.pt); run the train stage first")
    return dict(sorted(files.items()))


def save_model(path, fitted: Fitted) -> Path:
    payload = {"kind": fitted.kind, "hparams": fitted.hparams,
               "state": {k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v.detach().cpu())
                         for k, v in fitted.state.items()}}
    # Saving through a buffer keeps the archive's inner folder name fixed ("archive"),
    # not the random temporary file name: same weights, same bytes.
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return Path(path)


def load_model(path):
    """A saved model, ready to encode: a torch module (``encode_mean``) or a function on arrays.

    Returns
    -------
    encoder, kind
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model file not found")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    return kind_of(payload["kind"]).load(payload["hparams"], payload["state"]), payload["kind"]
