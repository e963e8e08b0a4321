"""The reproduction check compares metrics leaf by leaf with the tolerances of tolerances.yaml."""

import yaml
from conftest import load_script

COMMITTED = {"metrics/a/kmeans.json": {"track": {"m": {"genre": {"nmi": 0.5, "nmi_ci95": 0.01}}}},
             "metrics/a/data.json": {"tracks_used": 100, "chunks": 1000}}


def test_equal_metrics_pass_and_each_difference_is_named(repo):
    check = load_script("check_reproduction")
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
    profiles = yaml.safe_load((repo / "tolerances.yaml").read_text())
    same = profiles["same_machine"]
    assert same["counts"] == 0 and 0 < same["scores"] <= 1e-3 and same["lock"] == "exact"
    assert profiles["other_cpu"]["lock"] == "stages" and "data.json" in profiles["other_cpu"]["exact_files"]


def test_another_cpu_checks_ranges_and_the_corpus_exactly(repo):
    check = load_script("check_reproduction")
    other = yaml.safe_load((repo / "tolerances.yaml").read_text())["other_cpu"]
    moved = {"metrics/a/kmeans.json": {"track": {"m": {"genre": {"nmi": 0.7, "nmi_ci95": 0.05}}}},
             "metrics/a/data.json": {"tracks_used": 100, "chunks": 1000}}
    assert check.compare(COMMITTED, moved, other) == []  # 0.2 moves are within another CPU's range
    far = {"metrics/a/kmeans.json": {"track": {"m": {"genre": {"nmi": 0.95, "nmi_ci95": 0.01}}}},
           "metrics/a/data.json": {"tracks_used": 99, "chunks": 1000}}
    assert check.compare(COMMITTED, far, other) == [
        "metrics/a/data.json: tracks_used: 100 -> 99 (tolerance 0)",
        "metrics/a/kmeans.json: track.m.genre.nmi: 0.5 -> 0.95 (tolerance 0.35)"]


def test_lock_differences_name_the_stages(repo):
    check = load_script("check_reproduction")
    lock = {"stages": {"fetch@a": {"outs": [{"md5": "1"}]}, "train@a-m": {"outs": [{"md5": "2"}]}}}
    assert check.lock_differences(lock, lock) == []
    other = {"stages": {"fetch@a": {"outs": [{"md5": "1"}]}, "train@a-m": {"outs": [{"md5": "3"}]},
                        "cluster@a": {}}}
    assert check.lock_differences(lock, other) == ["dvc.lock: stage cluster@a new",
                                                   "dvc.lock: stage train@a-m differs"]
    # another CPU: the same stages and commands are enough, hashes may differ
    ran = {"stages": {"fetch@a": {"cmd": "f", "outs": [{"md5": "1"}]}, "train@a-m": {"cmd": "t", "outs": [{"md5": "2"}]}}}
    elsewhere = {"stages": {"fetch@a": {"cmd": "f", "outs": [{"md5": "9"}]}, "train@a-m": {"cmd": "t2"}}}
    assert check.lock_differences(ran, elsewhere, "stages") == ["dvc.lock: stage train@a-m differs"]
