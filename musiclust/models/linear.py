"""The PCA baseline on flattened spectrograms."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ..arrays import seeded_rows
from ..config import check, check_seeds
from ..linalg import project, randomized_pca


@dataclass(frozen=True)
class PCAConfig:
    n_components: int = 64
    seeds: list[int] = field(default_factory=lambda: [0])  # the randomized SVD's seed, one fit per seed
    max_fit_chunks: int = 10000  # beyond this many chunks, the fit sees a seeded sample of this many (bounded memory)

    def validate(self, key: str) -> None:
        check(self.n_components >= 1, f"{key}.n_components", "must be >= 1")
        check(self.max_fit_chunks >= self.n_components, f"{key}.max_fit_chunks", "must be >= n_components")
        check_seeds(self.seeds, f"{key}.seeds")


def flatten(images: np.ndarray) -> np.ndarray:
    """Images (N, H, W) → rows of pixels (N, H*W), float32."""
    return np.asarray(images, dtype=np.float32).reshape(len(images), -1)


def fit_pca(images: np.ndarray, config: PCAConfig, seed: int) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Fit PCA on images (N, H, W), without projecting them: :func:`musiclust.linalg.randomized_pca`,
    whose bits do not depend on the CPU's BLAS kernel.

    With more than ``config.max_fit_chunks`` images the fit sees a seeded sample of that many
    (:func:`musiclust.arrays.seeded_rows`), read from a memory map without copying the rest: memory stays bounded
    however large the corpus.

    Returns
    -------
    state : ``mean`` (H*W,) and ``components`` (k, H*W), float32
    summary : ``reconstruction`` (mean squared residual per image, summed over
        pixels) and ``explained_variance`` (fraction of the total), both from the
        singular values of the rows fitted, so the data are projected once only, by the
        encoder; ``fit_chunks``, the number of rows fitted
    """
    rows = seeded_rows(len(images), config.max_fit_chunks, seed)
    flat = flatten(images if rows is None else images[rows])
    if config.n_components > min(flat.shape):
        raise ValueError(f"n_components = {config.n_components} is more than the data allow: "
                         f"{flat.shape[0]} rows of {flat.shape[1]} pixels")
    pca = randomized_pca(flat, config.n_components, seed)
    total = float(flat.var(axis=0, dtype=np.float64).sum())
    kept = float((pca.singular_values ** 2).sum() / len(flat))
    state = {"mean": pca.mean, "components": pca.components}
    return state, {"reconstruction": total - kept, "explained_variance": kept / total, "fit_chunks": len(flat)}


def pca_transform(images: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Project images (N, H, W) → (N, k)."""
    return project(flatten(images), mean, components)


def pca_residual(images: np.ndarray, mean: np.ndarray, components: np.ndarray, batch: int = 512) -> float:
    """Mean squared residual per image (summed over pixels) of images (N, H, W) projected on
    ``components`` (orthonormal rows): PCA's reconstruction error on rows it may not have seen."""
    total = 0.0
    for start in range(0, len(images), batch):
        flat = flatten(images[start : start + batch])
        codes = project(flat, mean, components)  # one torch thread: the same bits on any CPU
        # Orthonormal components: the residual is the centred norm less the kept part.
        total += float(np.square(flat - mean, dtype=np.float64).sum() - np.square(codes, dtype=np.float64).sum())
    return total / max(len(images), 1)
