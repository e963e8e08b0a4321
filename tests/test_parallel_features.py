"""Corpus features from worker processes and a Dask cluster are the single-process features; local
workers are as many as the work needs and fork from one server that imported the work's modules."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from pandas.testing import assert_frame_equal
from threadpoolctl import threadpool_info

import musiclust.parallel
from musiclust.audio import MelConfig
from musiclust.config import ConfigError
from musiclust.features import corpus_features
from musiclust.parallel import in_order, ordered_map, resolve_workers, worker_count

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


def test_worker_count_is_never_more_than_the_jobs():
    cores = resolve_workers(0)
    assert [worker_count(4, 2), worker_count(2, 1), worker_count(2, 0), worker_count(3), worker_count(0, 10**6)] \
        == [2, 1, 1, 3, cores]
    with pytest.raises(ConfigError, match="^workers: "):
        worker_count(-1, 5)
    assert doctest.testmod(musiclust.parallel, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_a_single_job_runs_in_this_process():
    assert list(ordered_map(os.getpid, [()], workers=2, total=1)) == [os.getpid()]


def test_a_single_track_with_two_workers_is_the_single_process_features(corpus, single, tmp_path, monkeypatch):
    # the one-track corpus runs in this process: no worker starts, and its bytes are the default's first track's
    monkeypatch.chdir(corpus)
    tracks = _tracks().query("track_id == 'a'")
    one = corpus_features(tracks, "corpus", CFG, tmp_path / "one.npy", progress=False)
    two = corpus_features(tracks, "corpus", CFG, tmp_path / "two.npy", progress=False, workers=2)
    assert (tmp_path / "one.npy").read_bytes() == (tmp_path / "two.npy").read_bytes()
    assert np.array_equal(two.clip_stats, single[0].clip_stats[:1]) and np.array_equal(one.clip_stats, two.clip_stats)


# Run as a script in a fresh interpreter, so that this test starts the fork server itself.
_FORK_SERVER_SCRIPT = """
import json, os, sys, time
sys.path.insert(0, sys.argv[1])  # this checkout, found by this process only
from musiclust.parallel import THREAD_VARIABLES, ordered_map

def report():
    # nothing here imports librosa.core.audio: a worker has it only if the fork server imported it
    time.sleep(0.2)  # busy long enough that the pool starts its second worker
    return os.getpid(), os.getppid(), "librosa.core.audio" in sys.modules, sys.modules["musiclust.parallel"].__file__

if __name__ == "__main__":
    before = {name: os.environ.get(name) for name in THREAD_VARIABLES + ("PYTHONPATH",)}
    first = list(ordered_map(report, [()] * 6, workers=2, total=6, preload=["librosa.core.audio"]))
    server = first[0][1]
    threads = [open(f"/proc/{server}/task/{task}/comm").read().strip() for task in os.listdir(f"/proc/{server}/task")]
    environ = open(f"/proc/{server}/environ").read().split("\\0")
    started_with = dict(entry.split("=", 1) for entry in environ if "=" in entry)
    again = list(ordered_map(report, [()] * 2, workers=2, total=2))
    after = {name: os.environ.get(name) for name in THREAD_VARIABLES + ("PYTHONPATH",)}
    print(json.dumps({"pid": os.getpid(), "parallel": sys.modules["musiclust.parallel"].__file__, "first": first,
                      "again": again, "threads": threads, "server_name": open(f"/proc/{server}/comm").read().strip(),
                      "before": before, "after": after,
                      "server_environment": {name: started_with.get(name) for name in before}}))
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads threads from /proc")
@pytest.mark.slow
def test_workers_fork_from_one_server_that_imported_the_work(tmp_path):
    script = tmp_path / "fork_server.py"
    script.write_text(_FORK_SERVER_SCRIPT)
    checkout = str(Path(musiclust.parallel.__file__).parents[1])
    # as a user's shell has them: no thread variables, no PYTHONPATH (the script finds this checkout itself)
    env = {name: value for name, value in os.environ.items()
           if name not in (*musiclust.parallel.THREAD_VARIABLES, "PYTHONPATH")}
    out = subprocess.run([sys.executable, str(script), checkout], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    reports = got["first"] + got["again"]
    workers = {pid for pid, *_ in got["first"]}
    servers = {parent for _, parent, *_ in reports}
    # not children of the script (spawn), but of one fork server, kept for the second map
    assert len(servers) == 1 and got["pid"] not in servers
    assert len(workers) == 2 and not workers & servers
    # which imported what the work needs, from the script's own import path
    assert all(preloaded and parallel == got["parallel"] for _, _, preloaded, parallel in reports)
    # the server started with one BLAS and OpenMP thread allowed and this process's import path,
    # and this process's own environment is as it was
    server_environment = got["server_environment"]
    assert all(server_environment[name] == "1" for name in musiclust.parallel.THREAD_VARIABLES)
    assert checkout in server_environment["PYTHONPATH"].split(os.pathsep)
    assert got["before"] == got["after"] and all(got["before"][name] is None for name in musiclust.parallel.THREAD_VARIABLES)
    # and holds no thread pool a fork would copy: no unnamed thread besides its main one
    assert got["threads"].count(got["server_name"]) == 1, got["threads"]
