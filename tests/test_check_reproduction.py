"""The reproduction check compares metrics leaf by leaf with the tolerances of tolerances.yaml."""

import importlib.util

import yaml


def _module(repo):
    spec = importlib.util.spec_from_file_location("check_reproduction", repo / "scripts" / "check_reproduction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


COMMITTED = {"metrics/a/kmeans.json": {"track": {"m": {"genre": {"nmi": 0.5, "nmi_ci95": 0.01}}}},
             "metrics/a/data.json": {"tracks_used": 100, "chunks": 1000}}


def test_equal_metrics_pass_and_each_difference_is_named(repo):
    check = _module(repo)
    tolerances = {"counts": 0, "scores": 1e-6}
    assert check.compare(COMMITTED, COMMITTED, tolerances) == []
    moved = {"metrics/a/kmeans.json": {"track": {"m": {"genre": {"nmi": 0.5000005, "nmi_ci95": 0.02}}}},
             "metrics/a/data.json": {"tracks_used": 99, "chunks": 1000, "extra": 1}}
    problems = check.compare(COMMITTED, moved, tolerances)
    assert problems == ["metrics/a/data.json: extra: new",
                        "metrics/a/data.json: tracks_used: 100 -> 99 (tolerance 0)",
                        "metrics/a/kmeans.json: track.m.genre.nmi_ci95: 0.01 -> 0.02 (tolerance 1e-06)"]
    assert check.compare(COMMITTED, {"metrics/a/data.json": COMMITTED["metrics/a/data.json"]}, tolerances) == [
        "metrics/a/kmeans.json: missing after dvc repro"]


def test_the_reviewed_tolerances_are_exact_for_counts(repo):
    tolerances = yaml.safe_load((repo / "tolerances.yaml").read_text())
    assert tolerances["counts"] == 0 and 0 < tolerances["scores"] <= 1e-3


def test_lock_differences_name_the_stages(repo):
    check = _module(repo)
    lock = {"stages": {"fetch@a": {"outs": [{"md5": "1"}]}, "train@a-m": {"outs": [{"md5": "2"}]}}}
    assert check.lock_differences(lock, lock) == []
    other = {"stages": {"fetch@a": {"outs": [{"md5": "1"}]}, "train@a-m": {"outs": [{"md5": "3"}]},
                        "cluster@a": {}}}
    assert check.lock_differences(lock, other) == ["dvc.lock: stage cluster@a new",
                                                   "dvc.lock: stage train@a-m differs"]
