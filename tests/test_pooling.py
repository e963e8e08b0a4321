"""Track pooling: how a song's chunk rows become its one row."""

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

from musiclust.cluster import ClusterParams
from musiclust.config import ConfigError, InputError
from musiclust.representations import build_representations, latents_to_frame, level_rows, pool_tracks, track_rows


def _chunks(n_tracks=6, per_track=4, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    keys = pd.DataFrame({"track_id": np.repeat([f"t{i}" for i in range(n_tracks)], per_track),
                         "chunk": np.tile(np.arange(per_track, dtype=np.int32), n_tracks)})
    shuffled = rng.permutation(len(keys))  # pooling must not depend on the rows' order
    return keys.iloc[shuffled].reset_index(drop=True), rng.normal(size=(len(keys), dim)).astype(np.float32)[shuffled]


def test_mean_pooling_is_the_stored_track_row_bit_for_bit():
    keys, x = _chunks()
    rows, stored = latents_to_frame(keys, x)
    track_keys, pooled = pool_tracks(keys, x, ("mean",))
    mask = (rows["level"] == "track").to_numpy()
    assert track_keys["track_id"].tolist() == rows.loc[mask, "track_id"].tolist()
    np.testing.assert_array_equal(pooled, stored[mask])


def test_each_statistic_over_each_tracks_chunks_side_by_side():
    keys, x = _chunks(dim=2)
    track_keys, pooled = pool_tracks(keys, x, ("mean", "std", "max", "min"))
    assert pooled.shape == (6, 8) and pooled.dtype == np.float32
    assert (track_keys["chunk"] == -1).all()
    for i, track in enumerate(track_keys["track_id"]):
        mine = x[(keys["track_id"] == track).to_numpy()].astype(np.float64)
        expected = np.concatenate([mine.mean(0), mine.std(0), mine.max(0), mine.min(0)]).astype(np.float32)
        np.testing.assert_allclose(pooled[i], expected, rtol=1e-6, atol=1e-7)
    with pytest.raises(InputError, match="median"):
        pool_tracks(keys, x, ("median",))


def test_the_spread_separates_songs_whose_mean_codes_agree():
    # two groups of songs with the same mean code, one steady and one moving between two states
    rng = np.random.default_rng(1)
    keys, x, group = [], [], []
    for i in range(20):
        moving = i % 2
        states = rng.permutation([-1.0, 1.0] * 4) if moving else np.zeros(8)  # mean 0 either way
        x.append(states[:, None] * np.ones((8, 4)) + rng.normal(0, 0.05, size=(8, 4)))
        keys.append(pd.DataFrame({"track_id": f"s{i:02d}", "chunk": np.arange(8, dtype=np.int32)}))
        group.append(moving)
    keys, x = pd.concat(keys, ignore_index=True), np.vstack(x).astype(np.float32)

    def nmi(pooling):
        _, pooled = pool_tracks(keys, x, pooling)
        labels = KMeans(2, n_init=10, random_state=0).fit_predict(pooled)
        return normalized_mutual_info_score(group, labels)

    assert nmi(("mean", "std")) == pytest.approx(1.0)
    assert nmi(("mean",)) < 0.3


def test_level_rows_pools_chunk_sources_and_keeps_track_only_sources():
    keys, x = _chunks()
    rows, stored = latents_to_frame(keys, x)
    track_keys, pooled = level_rows(rows, stored, "track", ("mean", "std"))
    assert pooled.shape == (6, 6)
    np.testing.assert_array_equal(pooled, pool_tracks(keys, x, ("mean", "std"))[1])
    stats = np.arange(12, dtype=np.float32).reshape(6, 2)
    only_tracks = track_rows([f"t{i}" for i in range(6)])
    np.testing.assert_array_equal(level_rows(only_tracks, stats, "track", ("mean", "std"))[1], stats)
    reps = build_representations({"m": (rows, stored)}, None, None, track_pooling=("mean", "std"))
    widths = {rep.level: rep.features.shape for rep in reps}
    assert widths == {"chunk": (24, 3), "track": (6, 6)}


def test_cluster_params_name_a_bad_pooling():
    ClusterParams(track_pooling=["mean", "max"]).validate("cluster")
    with pytest.raises(ConfigError, match=r"cluster.track_pooling\[1\]"):
        ClusterParams(track_pooling=["mean", "median"]).validate("cluster")
    with pytest.raises(ConfigError, match="cluster.track_pooling"):
        ClusterParams(track_pooling=[]).validate("cluster")
