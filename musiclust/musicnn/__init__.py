"""musicnn (Pons & Serra, 2019), a pretrained music tagger, in PyTorch.

The weights are the TensorFlow checkpoints of the ``musicnn`` wheel on PyPI, installed without its
dependencies (``requirements-musicnn.txt``) and read by :mod:`.checkpoint` without TensorFlow.

    net = load_musicnn("MSD_musicnn")
    patches = musicnn_patches(audio, sample_rate)        # (n, 187, 96), 3 s each
    codes = net.encode(patches, "penultimate")            # (n, 200)
    everything = net.features(patches)                    # taggram and every intermediate map
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import torch

from ..config import InputError, check
from .checkpoint import read_checkpoint
from .frontend import N_FRAMES, N_MELS, musicnn_patches
from .model import ARCHITECTURES, MusicnnNet, build_net

__all__ = ["CODE_LAYERS", "FEATURES", "MODELS", "Musicnn", "MusicnnConfig", "load_musicnn", "musicnn_dir",
           "musicnn_patches", "N_FRAMES", "N_MELS"]

MODELS = tuple(ARCHITECTURES)
CODE_LAYERS = ("penultimate", "max_pool", "mean_pool")  # one vector per patch: usable as a code
FEATURES = ("taggram", "timbral", "temporal", "cnn1", "cnn2", "cnn3", "mean_pool", "max_pool", "penultimate")
INSTALL = "python -m pip install --no-deps --require-hashes -r requirements-musicnn.txt"
CHECKPOINT_FILES = (".index", ".data-00000-of-00001")


@dataclass(frozen=True)
class MusicnnConfig:
    """Which pretrained musicnn encodes, which of its layers is the code, and its inference batch."""

    model: str = "MSD_musicnn"  # trained on the Million Song Dataset; MTT_musicnn on MagnaTagATune
    layer: str = "penultimate"  # 200 units; max_pool / mean_pool are 753 each
    batch_size: int = 64  # patches per forward pass

    def validate(self, key: str) -> None:
        check(self.model in MODELS, f"{key}.model", f"must be one of {list(MODELS)}, got {self.model!r}")
        check(self.layer in CODE_LAYERS, f"{key}.layer", f"must be one of {list(CODE_LAYERS)}, got {self.layer!r}")
        check(self.batch_size >= 1, f"{key}.batch_size", "must be >= 1")


def musicnn_dir() -> Path:
    """The installed ``musicnn`` package's folder (holding ``MSD_musicnn/`` ...), found without importing it:
    importing its modules imports TensorFlow."""
    spec = importlib.util.find_spec("musicnn")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"the musicnn package (its checkpoint files) is not installed; install it with `{INSTALL}`")
    return Path(next(iter(spec.submodule_search_locations)))


def checkpoint_prefix(model: str, package_dir: Path | None = None) -> str:
    """The checkpoint prefix of ``model``: its files are ``<package>/<model>/.index`` and
    ``.data-00000-of-00001`` (the original saved them under an empty file name)."""
    if model not in MODELS:
        raise InputError(f"unknown musicnn model {model!r}; one of {list(MODELS)}")
    folder = (musicnn_dir() if package_dir is None else Path(package_dir)) / model
    missing = [str(folder / name) for name in CHECKPOINT_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(f"musicnn's {model} checkpoint is missing {', '.join(missing)}; install the package's "
                         f"files with `{INSTALL}`")
    return str(folder) + "/"


def tag_names(model: str, package_dir: Path | None = None) -> list[str]:
    """The model's tags, read from the package's ``configuration.py`` as text (importing it is harmless, but
    reading it keeps to one rule: nothing of the package is imported)."""
    source = ((musicnn_dir() if package_dir is None else Path(package_dir)) / "configuration.py").read_text()
    wanted = f"{model.split('_')[0]}_LABELS"
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == wanted for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise InputError(f"the musicnn package's configuration.py has no {wanted}")


class Musicnn:
    """A pretrained musicnn on a device, in eval mode."""

    def __init__(self, net: MusicnnNet, model: str, tags: list[str], device: torch.device):
        self.net, self.model, self.tags, self.device = net, model, tags, device

    @torch.inference_mode()
    def features(self, patches: np.ndarray, batch_size: int = 64,
                 layers: Iterable[str] = FEATURES) -> dict[str, np.ndarray]:
        """Patches (n, 187, 96) → the chosen ``layers`` for every patch, float32 numpy: ``taggram`` (n, tags:
        sigmoid probabilities), ``timbral`` (n, 187, 408), ``temporal`` (n, 187, 153), ``cnn1..3`` (n, 187,
        64), ``mean_pool`` / ``max_pool`` (n, 753), ``penultimate`` (n, 200)."""
        layers = tuple(layers)
        unknown = [name for name in layers if name not in FEATURES]
        if unknown:
            raise ValueError(f"unknown musicnn layers {unknown}; known: {list(FEATURES)}")
        patches = np.asarray(patches, dtype=np.float32)
        if patches.ndim != 3 or patches.shape[2] != N_MELS or patches.shape[1] < 1:
            raise ValueError(f"patches must be (n, frames, {N_MELS}), got shape {patches.shape}")
        parts: dict[str, list[np.ndarray]] = {name: [] for name in layers}
        for start in range(0, max(len(patches), 1), batch_size):  # one empty batch gives empty outputs
            batch = torch.from_numpy(patches[start:start + batch_size]).to(self.device)
            out = self.net(batch)
            out["taggram"] = torch.sigmoid(out.pop("logits"))
            for name in layers:
                parts[name].append(out[name].float().cpu().numpy())
        return {name: np.concatenate(values) for name, values in parts.items()}

    def encode(self, patches: np.ndarray, layer: str = "penultimate", batch_size: int = 64) -> np.ndarray:
        """Patches (n, 187, 96) → codes (n, d) from one of :data:`CODE_LAYERS`."""
        if layer not in CODE_LAYERS:
            raise ValueError(f"layer must be one of {list(CODE_LAYERS)}, got {layer!r}")
        return self.features(patches, batch_size, (layer,))[layer]


def load_musicnn(model: str = "MSD_musicnn", device: str | torch.device = "cpu",
                 package_dir: str | Path | None = None) -> Musicnn:
    """The pretrained ``model`` (MSD_musicnn or MTT_musicnn) on ``device``. ``package_dir`` overrides where
    the ``musicnn`` package's files are (by default, the installed package)."""
    package = musicnn_dir() if package_dir is None else Path(package_dir)
    prefix = checkpoint_prefix(model, package)
    device = torch.device(device)
    net = build_net(read_checkpoint(prefix), model).to(device)
    return Musicnn(net, model, tag_names(model, package), device)
