"""The reproduction check compares metrics leaf by leaf with the tolerances of tolerances.yaml."""

import json

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
    same = profiles["same_arithmetic"]
    assert same["counts"] == 0 and 0 < same["scores"] <= 1e-3 and same["lock"] == "exact"
    cross = profiles["cross_machine"]
    assert cross["lock"] == "stages" and cross["counts"] == 0 and cross["scores"] == "interval"
    assert "data.json" in cross["exact_files"]


def test_the_cross_machine_profile_fails_on_a_planted_shift_of_one_score(repo):
    check = load_script("check_reproduction")
    cross = yaml.safe_load((repo / "tolerances.yaml").read_text())["cross_machine"]
    committed = {"metrics/a/kmeans.json": {"track": {"m": {
                     "genre": {"nmi": 0.5, "nmi_ci95": 0.02, "nmi_null_mean": 0.1},
                     "language": {"ari": 0.8, "ari_ci95": 0.0}}}},
                 "metrics/a/train/m.json": {"seed_0": {"epochs": 15, "final_kl": 4.3}},
                 "metrics/a/data.json": {"tracks_used": 100, "chunks": 1000}}
    # another machine: scores inside their intervals, other numbers anywhere, counts equal
    elsewhere = {"metrics/a/kmeans.json": {"track": {"m": {
                     "genre": {"nmi": 0.52, "nmi_ci95": 0.06, "nmi_null_mean": 0.3},
                     "language": {"ari": 0.81, "ari_ci95": 0.01}}}},
                 "metrics/a/train/m.json": {"seed_0": {"epochs": 15, "final_kl": 6.8}},
                 "metrics/a/data.json": {"tracks_used": 100, "chunks": 1000}}
    skipped = []
    assert check.compare(committed, elsewhere, cross, skipped) == []
    assert sorted(skipped) == ["metrics/a/kmeans.json: track.m.genre.nmi_ci95",
                               "metrics/a/kmeans.json: track.m.genre.nmi_null_mean",
                               "metrics/a/kmeans.json: track.m.language.ari_ci95",
                               "metrics/a/train/m.json: seed_0.final_kl"]
    planted = json.loads(json.dumps(committed))
    planted["metrics/a/kmeans.json"]["track"]["m"]["genre"]["nmi"] += 0.05
    # two scores compared: z = 2.24 (Bonferroni at 0.05); genre: the interval's standard error
    # 0.02 / 1.96 = 0.0102; language: a zero-width interval, one track in 100 = 0.01
    z = 2.2414
    assert check.compare(committed, planted, cross) == [
        f"metrics/a/kmeans.json: track.m.genre.nmi: 0.5 -> 0.55 (tolerance {z * 2 ** 0.5 * 0.02 / 1.96 + 1e-6:.6g})"]
    planted["metrics/a/kmeans.json"]["track"]["m"]["genre"]["nmi"] = 0.5
    planted["metrics/a/kmeans.json"]["track"]["m"]["language"]["ari"] = 0.75
    assert check.compare(committed, planted, cross) == [
        f"metrics/a/kmeans.json: track.m.language.ari: 0.8 -> 0.75 (tolerance {z * 2 ** 0.5 * 0.01 + 1e-6:.6g})"]
    planted = json.loads(json.dumps(committed))
    planted["metrics/a/train/m.json"]["seed_0"]["epochs"] = 14
    planted["metrics/a/data.json"]["chunks"] = 990
    assert check.compare(committed, planted, cross) == [
        "metrics/a/data.json: chunks: 1000 -> 990 (tolerance 0)",
        "metrics/a/train/m.json: seed_0.epochs: 15 -> 14 (tolerance 0)"]
    # the linear probes and the tested claims are counted, not compared, however far they move
    committed["metrics/a/probes.json"] = {"track": {"m": {"genre": {"accuracy": 0.15, "accuracy_ci95": 0.1}}}}
    elsewhere = {**committed, "metrics/a/probes.json": {"track": {"m": {"genre": {"accuracy": 0.58,
                                                                                  "accuracy_ci95": 0.1}}}}}
    skipped = []
    assert check.compare(committed, elsewhere, cross, skipped) == []
    assert "metrics/a/probes.json: track.m.genre.accuracy" in skipped
    # on the same arithmetic they are compared like every other number
    same = yaml.safe_load((repo / "tolerances.yaml").read_text())["same_arithmetic"]
    assert check.compare(committed, elsewhere, same) == [
        "metrics/a/probes.json: track.m.genre.accuracy: 0.15 -> 0.58 (tolerance 1e-06)"]
    # the epoch a network kept may move by one under other arithmetic: counted, not compared
    committed["metrics/a/train/m.json"]["seed_0"]["best_epoch"] = 12
    elsewhere = json.loads(json.dumps(committed))
    elsewhere["metrics/a/train/m.json"]["seed_0"]["best_epoch"] = 13
    skipped = []
    assert check.compare(committed, elsewhere, cross, skipped) == []
    assert "metrics/a/train/m.json: seed_0.best_epoch" in skipped
    # the held-out scores count the test songs' share of the items: one track of 20, not of 100
    committed["metrics/a/data.json"]["split"] = {"train": 60, "validation": 20, "test": 20}
    assert check.items_scored("metrics/a/kmeans.json", ("track", "m", "genre", "nmi"), committed) == 20
    assert check.items_scored("metrics/a/disentanglement.json", ("track", "m", "mig"), committed) == 100


def _record(**changes) -> dict:
    record = {"machine": "x86_64", "cpu": "A", "cpu_vendor": "AuthenticAMD", "cores": 2,
              "cpu_features": ["AVX", "FMA3", "AVX2", "AVX512F"], "libraries": {"numpy": "2.4.6", "torch": "2.11.0"},
              "torch": {"cpu_capability": "AVX2", "accelerators": []}, "onednn_isa": "AVX512_CORE",
              "thread_pools": [{"library": "openblas", "kernel": "Haswell", "threads": 2}]}
    return {**record, **changes}


def test_the_profile_is_chosen_from_the_records(repo):
    check = load_script("check_reproduction")
    committed = {"metrics/a/environment.json": _record()}
    # another CPU, other kernels, other thread counts: the same bytes by design, compared exactly
    other_kernels = {"metrics/a/environment.json": _record(
        cpu="B", cores=16, cpu_features=["AVX", "FMA3", "AVX2"],
        thread_pools=[{"library": "openblas", "kernel": "SkylakeX", "threads": 16}])}
    assert check.choose_profile(committed, other_kernels, "auto") == ("same_arithmetic", [])
    assert "metrics/a/environment.json: thread_pools: " in "\n".join(check.record_differences(committed, other_kernels))
    gpu = {"metrics/a/environment.json": _record(torch={"cpu_capability": "AVX2", "accelerators": ["NVIDIA H100"]})}
    assert check.choose_profile(committed, gpu, "auto") == ("cross_machine",
                                                            ["metrics/a/environment.json: training on cuda"])
    assert check.choose_profile(committed, gpu, "cpu") == ("same_arithmetic", [])
    newer = {"metrics/a/environment.json": _record(libraries={"numpy": "2.5.0", "torch": "2.11.0"})}
    assert check.choose_profile(committed, newer, "cpu")[1] == ["metrics/a/environment.json: numpy 2.4.6 -> 2.5.0"]
    old_cpu = {"metrics/a/environment.json": _record(cpu_features=["AVX"], torch={"cpu_capability": "DEFAULT"})}
    assert check.choose_profile(committed, old_cpu, "cpu")[1] == [
        "metrics/a/environment.json: the reproducing run's CPU lacks AVX2, FMA3",
        "metrics/a/environment.json: torch's AVX2 kernels -> DEFAULT"]
    avx512 = {"metrics/a/environment.json": _record(torch={"cpu_capability": "AVX512", "accelerators": []})}
    assert check.choose_profile(committed, avx512, "cpu")[1] == [
        "metrics/a/environment.json: torch's AVX2 kernels -> AVX512"]
    assert check.choose_profile({}, committed, "cpu")[0] == "cross_machine"  # nothing to compare with
    intel = {"metrics/a/environment.json": _record(cpu_vendor="GenuineIntel")}
    assert check.choose_profile(committed, intel, "cpu")[1] == [
        "metrics/a/environment.json: CPU vendor AuthenticAMD -> GenuineIntel"]
    avx2_only = {"metrics/a/environment.json": _record(onednn_isa="AVX2")}  # no AVX-512, or a cap set by hand
    assert check.choose_profile(committed, avx2_only, "cpu")[1] == [
        "metrics/a/environment.json: oneDNN's AVX512_CORE kernels -> AVX2"]


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
    # the run-environment record's hash names the machine's kernels: not part of the exact comparison
    recorded = {"stages": {"features@a": {"cmd": "f", "outs": [{"path": "data/features/a/mels.npy", "md5": "1"},
                                                               {"path": "metrics/a/environment.json", "md5": "2"}]}}}
    moved = json.loads(json.dumps(recorded))
    moved["stages"]["features@a"]["outs"][1]["md5"] = "3"
    assert check.lock_differences(recorded, moved) == []
    moved["stages"]["features@a"]["outs"][0]["md5"] = "4"
    assert check.lock_differences(recorded, moved) == ["dvc.lock: stage features@a differs"]
