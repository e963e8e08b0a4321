"""Principal components in torch, on one thread: the same bits under every BLAS kernel a CPU
selects. NumPy's and SciPy's OpenBLAS pick a kernel per CPU (Haswell, SkylakeX, Zen, ...) whose
matrix products round differently, so ``sklearn.decomposition.PCA`` moved in its last bits
from one x86-64 machine to the next; torch's products did not under any kernel choice tried
(a pipeline test runs under two)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch


@contextmanager
def one_torch_thread():
    """Run torch on one intra-op thread inside the block: the same summation order on any core count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class Components:
    """The first principal components of rows."""

    mean: np.ndarray             # (D,) float32
    components: np.ndarray       # (k, D) float32, unit rows, the largest-magnitude entry of each positive
    singular_values: np.ndarray  # (k,) float64, of the centred rows, largest first


def sign_fixed(vt: torch.Tensor) -> torch.Tensor:
    """Each row with its largest-magnitude entry positive (an SVD's signs are arbitrary)."""
    pivot = vt.gather(1, vt.abs().argmax(dim=1, keepdim=True))
    return vt * torch.where(pivot < 0, -1.0, 1.0).to(vt.dtype)


def randomized_pca(x: np.ndarray, n_components: int, seed: int, *, oversamples: int = 10,
                   power_iterations: int | None = None) -> Components:
    """The first ``n_components`` principal components of the rows of ``x`` (N, D), by a seeded
    randomized SVD (Halko, Martinsson & Tropp 2011, as ``sklearn``'s ``svd_solver="randomized"``:
    10 extra directions, 7 power iterations when ``n_components`` < 10% of min(N, D), else 4, here
    each re-orthonormalised by QR). The centred matrix is never formed: memory is one copy of
    ``x`` in float32 at most.

    Raises
    ------
    ValueError
        ``n_components`` not in [1, min(N, D)].
    """
    n, d = x.shape
    if not 1 <= n_components <= min(n, d):
        raise ValueError(f"n_components = {n_components} is more than the data allow: {n} rows of {d} columns")
    sketch = min(n_components + oversamples, n, d)
    if power_iterations is None:
        power_iterations = 7 if n_components < 0.1 * min(n, d) else 4
    with torch.no_grad(), one_torch_thread():
        rows = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        mean = rows.mean(dim=0, dtype=torch.float64)
        mean32 = mean.float()

        def times(w: torch.Tensor) -> torch.Tensor:  # (X - mean) @ w
            return rows @ w - (mean32 @ w)[None, :]

        def transposed_times(q: torch.Tensor) -> torch.Tensor:  # (X - mean).T @ q
            return rows.T @ q - mean32[:, None] * q.sum(dim=0)[None, :]

        generator = torch.Generator().manual_seed(int(seed))
        y = times(torch.randn(d, sketch, generator=generator, dtype=torch.float32))
        for _ in range(power_iterations):
            q, _ = torch.linalg.qr(y)
            y = times(transposed_times(q))
        q, _ = torch.linalg.qr(y)
        small = transposed_times(q).T.double()          # (sketch, D): Q.T (X - mean)
        _, s, vt = torch.linalg.svd(small, full_matrices=False)
        vt = sign_fixed(vt[:n_components])
        return Components(mean32.numpy(), vt.float().numpy(), s[:n_components].numpy())


def project(x: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Rows (N, D) → their coordinates (N, k) on ``components`` (k, D), float32."""
    with torch.no_grad(), one_torch_thread():
        rows = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        basis = torch.from_numpy(np.ascontiguousarray(components, dtype=np.float32))
        return ((rows - torch.from_numpy(np.asarray(mean, dtype=np.float32))) @ basis.T).numpy()


def principal_coordinates(x: np.ndarray) -> np.ndarray:
    """Centred rows (N, D) in the coordinates of their exact SVD, ``U S`` (N, min(N, D)), float32:
    every pairwise distance kept. Computed in float64; signs fixed as in :func:`randomized_pca`."""
    with torch.no_grad(), one_torch_thread():
        rows = torch.from_numpy(np.asarray(x)).double()
        centred = rows - rows.mean(dim=0)
        _, _, vt = torch.linalg.svd(centred, full_matrices=False)
        return (centred @ sign_fixed(vt).T).float().numpy()


def euclidean_distances(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` (N, D) and of ``b`` (M, D; default ``a``),
    float64 (N, M), from the coordinates' differences rather than the Gram-matrix expansion
    ``scikit-learn`` computes with BLAS (whose bits follow the kernel): the same bits under any
    BLAS kernel, and exact zeros on the diagonal."""
    with torch.no_grad(), one_torch_thread():
        left = torch.from_numpy(np.asarray(a, dtype=np.float64))
        right = left if b is None else torch.from_numpy(np.asarray(b, dtype=np.float64))
        return torch.cdist(left, right, compute_mode="donot_use_mm_for_euclid_dist").numpy()
