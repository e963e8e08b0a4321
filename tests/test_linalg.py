"""Principal components and spectral embeddings in torch: what scikit-learn computes, in bits
that no BLAS kernel choice changes."""

import numpy as np
import pytest
from sklearn.cluster import SpectralClustering
from sklearn.metrics import adjusted_rand_score

from musiclust import cluster
from musiclust.linalg import principal_coordinates, project, randomized_pca


def low_rank(n=300, d=500, rank=6, noise=0.01, seed=0):
    rng = np.random.default_rng(seed)
    scales = np.linspace(10, 3, rank)[None, :]
    return (rng.standard_normal((n, rank)) * scales @ rng.standard_normal((rank, d)) / np.sqrt(d)
            + noise * rng.standard_normal((n, d)) + 5.0).astype(np.float32)


def test_randomized_pca_finds_the_exact_principal_subspace():
    x = low_rank()
    pca = randomized_pca(x, 6, seed=0)
    centred = x.astype(np.float64) - x.mean(axis=0, dtype=np.float64)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(pca.singular_values, s[:6], rtol=1e-4)
    np.testing.assert_allclose(pca.mean, x.mean(axis=0), rtol=1e-5, atol=1e-5)
    # the same directions up to sign; each sign fixed so the largest-magnitude entry is positive
    np.testing.assert_allclose(np.abs(np.sum(pca.components * vt[:6], axis=1)), 1.0, atol=1e-4)
    rows = np.arange(6)
    assert np.all(pca.components[rows, np.abs(pca.components).argmax(axis=1)] > 0)
    np.testing.assert_allclose(project(x, pca.mean, pca.components), centred @ pca.components.T.astype(np.float64),
                               rtol=1e-3, atol=1e-3)


def test_randomized_pca_is_a_function_of_its_seed():
    x = low_rank(seed=1)
    first = randomized_pca(x, 4, seed=3)
    again = randomized_pca(x, 4, seed=3)
    assert first.components.tobytes() == again.components.tobytes()
    assert first.singular_values.tobytes() == again.singular_values.tobytes()
    with pytest.raises(ValueError, match="n_components = 301 is more than the data allow"):
        randomized_pca(x, 301, seed=0)


def test_principal_coordinates_keep_every_distance():
    from scipy.spatial.distance import pdist

    x = low_rank(n=60, d=400, rank=10, noise=0.5)
    coords = principal_coordinates(x)
    assert coords.shape == (60, 60) and coords.dtype == np.float32
    np.testing.assert_allclose(pdist(coords), pdist(x.astype(np.float64)), rtol=1e-4, atol=1e-4)


def blobs(n_per, k, dims=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dims)) * 6
    truth = np.repeat(np.arange(k), n_per)
    return (centres[truth] + rng.normal(size=(len(truth), dims))).astype(np.float32), truth


@pytest.mark.parametrize("dense_rows", [10_000, 100])  # the dense eigendecomposition, then LOBPCG
def test_spectral_matches_scikit_learns_spectral_clustering(monkeypatch, dense_rows):
    monkeypatch.setattr(cluster, "DENSE_EIGEN_ROWS", dense_rows)
    monkeypatch.setattr(cluster, "_EMBEDDINGS", {})
    x, truth = blobs(60, 5)
    ours = cluster.spectral(x, 5, seed=0, n_neighbors=10)
    theirs = SpectralClustering(5, affinity="nearest_neighbors", n_neighbors=10, random_state=0).fit_predict(x)
    assert adjusted_rand_score(ours, theirs) == 1.0
    assert adjusted_rand_score(ours, truth) == 1.0
    # the embedding is computed once per input (and k, for LOBPCG), then reused for every seed
    assert len(cluster._EMBEDDINGS) == 1
    cluster.spectral(x, 5, seed=1, n_neighbors=10)
    assert len(cluster._EMBEDDINGS) == 1
