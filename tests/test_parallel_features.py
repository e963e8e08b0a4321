"""Corpus features from worker processes and a Dask cluster are the single-process features."""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from pandas.testing import assert_frame_equal
from threadpoolctl import threadpool_info

from musiclust.audio import MelConfig
from musiclust.features import corpus_features
from musiclust.parallel import in_order, ordered_map, resolve_workers

SR = 22050
CFG = MelConfig(crop_seconds=6.0, chunk_seconds=2.0, min_seconds=2.0, n_mels=32, frames=32, n_fft=512,
                hop_length=256, batch_size=2)
# track_id -> (file, seconds); ids not in file order, so the writer's ordering is exercised
TRACKS = {"e": ("t0.flac", 7.0), "b": ("t1.wav", 5.5), "d": ("t2.flac", 8.0), "a": ("t3.wav", 6.0),
          "c": ("short.wav", 1.0), "f": ("bad.wav", None)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A folder holding ``corpus/``: four tones in noise, one 1 s track and one file that is not audio."""
    base = tmp_path_factory.mktemp("parallel")
    (base / "corpus").mkdir()
    rng = np.random.default_rng(3)
    for i, (name, seconds) in enumerate(TRACKS.values()):
        if seconds is None:
            (base / "corpus" / name).write_bytes(b"RIFF not really audio")
            continue
        t = np.arange(int(seconds * SR)) / SR
        tone = 0.3 * np.sin(2 * np.pi * (200 + 90 * i) * t) + 0.05 * rng.standard_normal(len(t))
        sf.write(base / "corpus" / name, tone.astype(np.float32), SR)
    return base


def _tracks() -> pd.DataFrame:
    return pd.DataFrame({"track_id": list(TRACKS), "path": [name for name, _ in TRACKS.values()]})


def _run(out: Path, **parallel):
    # a relative root, as the stages give it: workers get absolute paths, the reasons keep this form
    features = corpus_features(_tracks(), "corpus", CFG, out, progress=False, **parallel)
    return features, out.read_bytes()


@pytest.fixture(scope="module")
def single(corpus, tmp_path_factory):
    """The single-process features, as the default runs them."""
    out = tmp_path_factory.mktemp("single")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(corpus)
        return _run(out / "default.npy")


def test_single_process_features_follow_the_skip_policy(single):
    features, _ = single
    status = features.status.set_index("track_id")
    assert status["n_chunks"].to_dict() == {"a": 3, "b": 2, "c": 0, "d": 3, "e": 3, "f": 0}
    assert status.loc["c", "reason"] == "1.00 s is shorter than the minimum 2 s"
    assert status.loc["f", "reason"].startswith(f"{Path('corpus', 'bad.wav')}: cannot decode audio")
    assert features.clip_ids == ["a", "b", "d", "e"] and features.clip_stats.shape == (4, 43)
    assert features.chunks["track_id"].tolist() == ["a"] * 3 + ["b"] * 2 + ["d"] * 3 + ["e"] * 3


@pytest.mark.parametrize("parallel", [{"workers": 2}, {"workers": 2, "scheduler": "local"}],
                         ids=["processes", "dask-local"])
@pytest.mark.slow
def test_parallel_features_are_the_single_process_features(corpus, single, tmp_path, monkeypatch, parallel):
    default, default_mels = single
    monkeypatch.chdir(corpus)
    features, mels = _run(tmp_path / "mels.npy", **parallel)
    assert mels == default_mels
    assert_frame_equal(features.chunks, default.chunks)
    assert_frame_equal(features.status, default.status)
    assert features.clip_ids == default.clip_ids
    # the clip statistics' BLAS runs on one thread everywhere, so the bits agree too
    assert np.array_equal(features.clip_stats, default.clip_stats)


@pytest.mark.parametrize("parallel, name", [({"workers": -1}, "workers"), ({"workers": 1.5}, "workers"),
                                            ({"workers": True}, "workers"), ({"scheduler": ""}, "scheduler"),
                                            ({"scheduler": 8786}, "scheduler")])
def test_bad_parallel_arguments_fail_before_writing(corpus, tmp_path, parallel, name):
    with pytest.raises(ValueError, match=rf"^{name}: "):
        corpus_features(_tracks(), corpus / "corpus", CFG, tmp_path / "mels.npy", progress=False, **parallel)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_worker_processes_run_one_thread_each():
    assert resolve_workers(0) == len(os.sched_getaffinity(0)) and resolve_workers(3) == 3
    pools = [pool for report in ordered_map(threadpool_info, [()] * 2, workers=2) for pool in report]
    assert {pool["internal_api"] for pool in pools} >= {"openblas", "openmp"}
    assert all(pool["num_threads"] == 1 for pool in pools)


def test_in_order_yields_in_job_order_with_bounded_pending():
    submitted, taken = [], []

    def submit(job):
        submitted.append(Future())
        submitted[-1].set_result(job * 10)
        return submitted[-1]

    for value in in_order(submit, range(10), window=3):
        taken.append(value)
        assert len(submitted) - len(taken) <= 2  # with this one, at most 3 submitted and not yet consumed
    assert taken == [job * 10 for job in range(10)]


def test_in_order_cancels_what_is_pending_when_closed():
    submitted = []

    def submit(job):
        submitted.append(Future())
        if job == 0:
            submitted[-1].set_result("first")
        return submitted[-1]

    results = in_order(submit, range(10), window=4)
    assert next(results) == "first"
    results.close()
    assert len(submitted) == 4 and all(future.cancelled() for future in submitted[1:])
