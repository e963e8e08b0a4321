"""Non-neural baselines on flattened spectrograms: PCA and the raw pixels."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def fit_pca(images: np.ndarray, n_components: int, seed: int) -> dict[str, np.ndarray]:
    """Fit PCA on images (N, H, W); returns ``mean`` (H*W,) and ``components`` (k, H*W)."""
    flat = images.reshape(len(images), -1).astype(np.float32)
    k = min(n_components, flat.shape[0], flat.shape[1])
    pca = PCA(n_components=k, svd_solver="randomized", random_state=seed).fit(flat)
    return {"mean": pca.mean_.astype(np.float32), "components": pca.components_.astype(np.float32)}


def pca_transform(images: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Project images (N, H, W) → (N, k)."""
    flat = images.reshape(len(images), -1).astype(np.float32)
    return (flat - mean) @ components.T


def raw_pixels(images: np.ndarray) -> np.ndarray:
    """Images (N, H, W) → flattened pixels (N, H*W), the study's raw-spectrogram baseline."""
    return images.reshape(len(images), -1).astype(np.float32)
