"""The benchmark script: the features timing on a tiny corpus, --only refreshing one section of the file,
and the pure parts of the pipeline sections (the scaling run's params, the /proc sampling, the growth
ratios, the stages a `dvc repro` log names) and their rows in docs/benchmarks.md."""

import json
import subprocess
import sys
import time

import pytest
import yaml
from conftest import load_script


@pytest.fixture(scope="module")
def benchmark(repo):
    return load_script("benchmark")


@pytest.mark.slow
def test_features_section_times_every_recipe_on_the_same_chunks(benchmark):
    result = benchmark.bench_features(3, worker_tracks=4)
    # Every synthetic track lasts 30 to 45 s: ten 3 s chunks from its central 30 s.
    assert (result["tracks"], result["chunks"]) == (3, 30)
    # the workers' own timing, on a corpus of its own size: both worker counts wrote the same bytes
    workers = result["workers"]
    assert (workers["tracks"], workers["chunks"], workers["same_bytes"]) == (4, 40, True)
    assert workers["one_worker_s"] > 0 and workers["two_workers_s"] > 0
    assert workers["speedup_2_workers_over_1"] == pytest.approx(workers["one_worker_s"] / workers["two_workers_s"])
    for key in ("study_s", "ours_1_worker_s", "ours_2_workers_s", "decode_only_s"):
        assert result[key] > 0, key
    assert result["study_over_ours_1"] == pytest.approx(result["study_s"] / result["ours_1_worker_s"])
    assert result["ours_1_over_decode_only"] == pytest.approx(result["ours_1_worker_s"] / result["decode_only_s"])
    assert result["speedup_2_workers_over_1"] == pytest.approx(result["ours_1_worker_s"] / result["ours_2_workers_s"])
    assert result["meets_targets"] == {
        "ours_1_over_decode_only": result["ours_1_over_decode_only"] <= 1.5,
        "study_over_ours_1": result["study_over_ours_1"] >= 3.0}
    # The timed recipes compute the same features: torch's mels within librosa's 1e-4, and the
    # clip statistics of the same crops within LIBROSA_TOLERANCE of librosa's.
    from musiclust.clipstats import LIBROSA_TOLERANCE

    assert result["max_abs_diff_mels"] < 1e-4
    assert set(result["clip_stats_gaps"]) == set(LIBROSA_TOLERANCE)
    assert all(result["clip_stats_gaps"][name] <= LIBROSA_TOLERANCE[name] for name in LIBROSA_TOLERANCE)
    assert result["clip_stats_gaps"]["mean"] > 0  # on another frame grid: not the same numbers


def test_only_replaces_its_section_and_keeps_the_others(benchmark, tmp_path, monkeypatch, capsys):
    out = tmp_path / "benchmark.json"
    before = {"machine": {"cpu": "old"}, "mel": {"speedup": 4.0}, "memory": {"rss_ratio": 1.0},
              "features": {"tracks": 100}, "pipeline": {"dvc_repro_s": 468.0}}
    out.write_text(json.dumps(before))

    def not_asked(*args):
        raise AssertionError("a section not named by --only ran")

    for name in ("bench_mel", "bench_memory", "bench_conv", "bench_kernel_caps", "bench_pipeline", "bench_cluster_change",
                 "bench_scaling"):
        monkeypatch.setattr(benchmark, name, not_asked)
    monkeypatch.setattr(benchmark, "bench_features", lambda tracks, more: {"tracks": tracks, "workers": more})
    monkeypatch.setattr(benchmark, "machine", lambda: {"cpu": "new"})
    benchmark.main(["--only", "features", "--feature-tracks", "7", "--feature-worker-tracks", "9", "--out", str(out)])
    assert json.loads(out.read_text()) == {**before, "features": {"tracks": 7, "workers": 9}, "machine": {"cpu": "new"}}
    assert "was measured on {'cpu': 'old'}" in capsys.readouterr().err


def test_only_refuses_an_unknown_section(benchmark, tmp_path):
    with pytest.raises(SystemExit) as exc:
        benchmark.main(["--only", "features,melz", "--out", str(tmp_path / "benchmark.json")])
    assert exc.value.code == 2
    assert not (tmp_path / "benchmark.json").exists()


def test_pipeline_and_scaling_flags_add_their_sections(benchmark, tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(benchmark, "bench_mel", lambda chunks: ran.append("mel") or {})
    monkeypatch.setattr(benchmark, "bench_pipeline", lambda gpu: ran.append(("pipeline", gpu)) or {})
    monkeypatch.setattr(benchmark, "bench_cluster_change", lambda: ran.append("cluster_change") or {})
    monkeypatch.setattr(benchmark, "bench_scaling", lambda sizes: ran.append(("scaling", sizes)) or {})
    monkeypatch.setattr(benchmark, "machine", lambda: {"cpu": "new"})
    benchmark.main(["--only", "mel", "--pipeline", "--scaling", "--scale-tracks", "20,40",
                    "--out", str(tmp_path / "benchmark.json")])
    assert ran == ["mel", ("pipeline", False), "cluster_change", ("scaling", [20, 40])]
    ran.clear()
    benchmark.main(["--only", "pipeline", "--gpu", "--out", str(tmp_path / "gpu.json")])
    assert ran == [("pipeline", True)]


@pytest.mark.parametrize("sizes", ["40,20", "15", "20,20", "20,x"])
def test_scale_tracks_must_be_ascending_multiples_of_ten(benchmark, tmp_path, sizes):
    with pytest.raises(SystemExit) as exc:
        benchmark.main(["--only", "scaling", "--scale-tracks", sizes, "--out", str(tmp_path / "benchmark.json")])
    assert exc.value.code == 2


def test_scaling_params_run_one_corpus_of_3_s_tracks_with_one_epoch_and_one_seed(benchmark, repo, tmp_path):
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    before = json.dumps(params)
    out = benchmark.scaling_params(params, 1000)
    assert json.dumps(params) == before  # the input is not modified
    assert out["run"] == ["scale"]
    synthetic = out["datasets"]["scale"]["synthetic"]
    assert set(synthetic) == set(params["datasets"]["gtzan_synth"]["synthetic"])
    assert synthetic == {**params["datasets"]["gtzan_synth"]["synthetic"], "tracks_per_genre": 100,
                         "plant_unreadable": False, "min_seconds": 3.0, "max_seconds": 3.0}
    entries = [(section, name, entry) for section in ("models", "stats_models", "joint_models")
               for name, entry in out[section].items()]
    assert {name for _, name, _ in entries} >= {"conv_bvae", "pca", "dense_vae", "joint_bvae"}
    for section, name, entry in entries:
        assert entry["seeds"] == [0], name
        assert entry.get("epochs", 1) == 1, name
        assert ("epochs" in entry) == ("epochs" in params[section][name]), name  # no key added to PCA
    assert out["cluster"]["max_quadratic_rows"] == 100
    assert out["report"]["tsne_max_points"] == 100
    assert out["models"]["pca"].get("max_fit_chunks") == (100 if "max_fit_chunks" in params["models"]["pca"] else None)
    # Everything else as it was.
    changed = {"run", "datasets", "models", "stats_models", "joint_models", "cluster", "report"}
    assert {k: v for k, v in out.items() if k not in changed} == {k: v for k, v in params.items() if k not in changed}
    # The stages' own validation accepts it.
    from musiclust.cluster import ClusterParams
    from musiclust.datasets import DatasetParams
    from musiclust.models import KINDS
    from musiclust.report import ReportParams
    from stages.params import build_model, load_dataset, load_models, load_run, load_section, read_params

    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(out, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert load_run(path) == ["scale"]
    assert load_dataset("scale", DatasetParams, path).synthetic.tracks_per_genre == 100
    for section in ("models", "stats_models"):
        assert all(config.seeds == [0] for _, config in load_models(KINDS, path, section).values())
    for name, entry in read_params(path)["joint_models"].items():
        assert build_model(name, entry, KINDS, "joint_models")[1].epochs == 1
    assert load_section("cluster", ClusterParams, path).max_quadratic_rows == 100
    assert load_section("report", ReportParams, path).tsne_max_points == 100
    settings = benchmark.scaling_settings(out)
    assert "1 epoch and 1 seed" in settings and "cluster.max_quadratic_rows 100" in settings
    assert ("models.pca.max_fit_chunks 100" in settings) == ("max_fit_chunks" in params["models"]["pca"])


def test_scaling_params_refuse_a_corpus_the_pipeline_cannot_take(benchmark, repo):
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    for tracks in (65, 30):  # not 10 genres of equal size; fewer chunks than PCA's 64 components
        with pytest.raises(ValueError, match="multiple of 10"):
            benchmark.scaling_params(params, tracks)
    with_max_fit = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    with_max_fit["models"]["pca"]["max_fit_chunks"] = 10000
    assert benchmark.scaling_params(with_max_fit, 100)["models"]["pca"]["max_fit_chunks"] == 100


def test_the_stages_that_ran_are_read_from_the_repro_log(benchmark):
    log = ("Stage 'fetch@hblm_synth' didn't change, skipping\n"
           "Running stage 'cluster@hblm_synth':\n"
           "> python -m stages.cluster --tracks data/raw/hblm_synth/tracks.parquet\n"
           "scored 12 representations; Running stage 'not@a_line_start':\n"
           "Running stage 'report@hblm_synth':\n"
           "Running stage 'cluster@gtzan_synth':\n"
           "Updating lock file 'dvc.lock'\n"
           "Stage 'train@gtzan_synth-pca' didn't change, skipping\n")
    assert benchmark.stages_run(log) == ["cluster@gtzan_synth", "cluster@hblm_synth", "report@hblm_synth"]
    assert benchmark.stages_unchanged(log) == ["fetch@hblm_synth", "train@gtzan_synth-pca"]
    assert benchmark.stages_run("Stage 'fetch@x' didn't change, skipping\n") == []


@pytest.mark.parametrize("argv, instance", [
    (["python", "-m", "stages.train", "--section", "models", "--name", "pca", "--features", "m.npy"], "train:pca"),
    (["/venv/bin/python", "-m", "stages.train_joint", "--name=joint_bvae"], "train_joint:joint_bvae"),
    (["python", "-m", "stages.encode", "--model", "models/scale/conv_bvae", "--out", "x.parquet"], "encode:conv_bvae"),
    (["python", "-m", "stages.encode_joint", "--model", "models/scale/joint_bvae"], "encode_joint:joint_bvae"),
    # The report names the headline model too, but there is one report per dataset.
    (["python", "-m", "stages.report", "--dataset", "scale", "--model", "models/scale/conv_bvae"], "report"),
    (["python", "-m", "stages.features", "--raw", "data/raw/scale"], "features"),
    (["/bin/sh", "-c", "python -m stages.train --name pca"], None),  # the shell around a stage
    (["python", "-m", "dvc", "repro", "-q"], None),
    (["python", "-c", "from multiprocessing.spawn import spawn_main"], None),
    ([""], None),
])
def test_a_stage_process_is_named_by_its_module_and_instance(benchmark, argv, instance):
    assert benchmark.stage_instance(argv) == instance


def _status(hwm_kib, anon_kib):
    return f"Name:\tpython\nVmPeak:\t 9999999 kB\nVmHWM:\t{hwm_kib:>8} kB\nVmRSS:\t 1 kB\nRssAnon:\t{anon_kib:>8} kB\n"


def test_stage_peaks_keep_each_stage_instances_maxima_below_the_repro_process(benchmark):
    train = ["python", "-m", "stages.train", "--name", "pca"]
    first = {
        1: (0, ["init"], ""),
        100: (1, ["python", "-m", "dvc", "repro"], ""),                    # the root itself: not a stage
        101: (100, ["/bin/sh", "-c", "python -m stages.train --name pca"], _status(9000, 9000)),
        102: (101, train, _status(2048, 1024)),                            # a grandchild of the root
        103: (101, ["python", "-m", "stages.cluster"], ""),                # exited while read: skipped
        200: (1, ["python", "-m", "stages.train", "--name", "other"], _status(5000, 5000)),  # not below the root
    }
    peaks = benchmark.stage_peaks(first, 100)
    assert peaks == {"train:pca": {"hwm_kib": 2048, "anon_kib": 1024}}
    # A later sample: VmHWM only grows, RssAnon may fall (the maximum is kept); a new stage appears.
    second = {100: (1, [], ""), 102: (100, train, _status(3072, 512)),
              104: (100, ["python", "-m", "stages.report", "--dataset", "scale"], _status(700, 600))}
    assert benchmark.stage_peaks(second, 100, peaks) is peaks
    assert peaks == {"train:pca": {"hwm_kib": 3072, "anon_kib": 1024}, "report": {"hwm_kib": 700, "anon_kib": 600}}
    assert benchmark.descendants({2: 1, 3: 2, 4: 3, 5: 1, 6: 4}, 2) == {3, 4, 6}


def test_the_process_table_is_read_from_proc_files(benchmark, tmp_path):
    def process(pid, stat, argv=None, status=None):
        folder = tmp_path / str(pid)
        folder.mkdir()
        (folder / "stat").write_text(stat)
        if argv is not None:
            (folder / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
        if status is not None:
            (folder / "status").write_text(status)

    process(10, "10 (dvc) S 1 10 10 0 -1")
    process(11, "11 (a (odd) name) S 10 10 10 0 -1", ["python", "-m", "stages.train", "--name", "pca"], _status(10, 5))
    process(12, "12 (gone) S 10 10 10 0 -1")  # ended between its stat and its cmdline
    process(13, "13 (other) S 1 13 13 0 -1", ["python", "-m", "stages.cluster"], _status(99, 99))
    (tmp_path / "self").mkdir()
    snapshot = benchmark.read_processes(10, tmp_path)
    assert snapshot[11] == (10, ["python", "-m", "stages.train", "--name", "pca", ""], _status(10, 5))
    assert 12 not in snapshot and snapshot[13] == (1, [], "")
    assert benchmark.stage_peaks(snapshot, 10) == {"train:pca": {"hwm_kib": 10, "anon_kib": 5}}


@pytest.mark.slow
def test_the_sampler_sees_the_memory_of_a_running_stage_process(benchmark):
    # A process whose arguments read like a stage's, two levels below the root, holding 64 MiB of its own.
    child = "import time; block = b'x' * (64 * 2**20); time.sleep(1.5)"
    root = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run(sys.argv[1:])",
                             sys.executable, "-c", child, "-m", "stages.train", "--name", "probe"])
    sampler = benchmark.StageMemorySampler(root.pid, interval=0.02).start()
    root.wait()
    time.sleep(0.05)
    peaks = sampler.stop()
    assert set(peaks) == {"train:probe"}
    assert 64 * 1024 <= peaks["train:probe"]["anon_kib"] <= peaks["train:probe"]["hwm_kib"] < 512 * 1024


def _size(tracks, seconds, stages):
    return {"tracks": tracks, "chunks": tracks, "repro_s": seconds,
            "stages": {name: {"peak_rss_mib": rss, "peak_anon_mib": anon} for name, (rss, anon) in stages.items()}}


FAKE_SIZES = [_size(100, 60.0, {"train:pca": (100.0, 50.0), "cluster": (200.0, 100.0), "fetch": (80.0, 0.0)}),
              _size(1000, 150.0, {"train:pca": (150.0, 500.0), "cluster": (220.0, 110.0), "report": (300.0, 90.0)}),
              _size(5000, 550.0, {"train:pca": (400.0, 900.0), "cluster": (260.0, 120.0), "report": (900.0, 95.0)})]


def test_scaling_summary_gives_the_slope_and_the_growth_at_ten_times_the_tracks(benchmark):
    summary = benchmark.scaling_summary(FAKE_SIZES)
    assert summary["slope_s_per_1000_tracks"] == pytest.approx((550 - 150) / 4000 * 1000)
    assert summary["time_ratio_last_over_middle"] == pytest.approx(550 / 150)
    assert summary["tracks_ratio_last_over_middle"] == 5.0
    assert summary["ratio_10x_tracks"] == [100, 1000]
    # Stages present at both sizes only; a stage with no anonymous memory at the first size has no ratio.
    assert summary["rss_ratio_10x"] == pytest.approx({"cluster": 1.1, "train:pca": 1.5})
    assert summary["anon_ratio_10x"] == pytest.approx({"cluster": 1.1, "train:pca": 10.0})
    assert summary["max_rss_ratio_10x"] == {"stage": "train:pca", "ratio": pytest.approx(1.5)}
    assert summary["max_anon_ratio_10x"] == {"stage": "train:pca", "ratio": pytest.approx(10.0)}
    # No size ten times the first: no ratios; two sizes: their slope.
    two = benchmark.scaling_summary(FAKE_SIZES[1:])
    assert set(two) == {"slope_s_per_1000_tracks", "time_ratio_last_over_middle", "tracks_ratio_last_over_middle"}
    assert two["slope_s_per_1000_tracks"] == pytest.approx(100.0)


@pytest.fixture(scope="module")
def readme_results(repo):
    return load_script("readme_results")


def test_readme_rows_of_the_pipeline_sections_come_from_the_json(benchmark, readme_results, repo, monkeypatch):
    committed = json.loads((repo / "benchmarks" / "benchmark.json").read_text(encoding="utf-8"))
    committed = {k: v for k, v in committed.items() if k not in ("scaling", "cluster_change")}
    fake = {**committed,
            "cluster_change": {"changed": "cluster.null_draws 200 -> 201", "repro_s": 270.0, "stages_total": 33,
                               "stages_run": ["cluster@gtzan_synth", "cluster@hblm_synth", "report@gtzan_synth",
                                              "report@hblm_synth"], "stages_unchanged": 29},
            "scaling": {"sizes": FAKE_SIZES, "settings": "SETTINGS", **benchmark.scaling_summary(FAKE_SIZES)}}
    shown = {"benchmarks/benchmark.json": committed}
    monkeypatch.setattr(readme_results, "_committed_output", lambda path: shown.get(path))
    without = "\n".join(readme_results.benchmark_section())
    assert "whole pipeline" not in without and "clustering-only" not in without
    shown["benchmarks/benchmark.json"] = fake
    text = "\n".join(readme_results.benchmark_section())
    assert ("| a clustering-only change (`cluster.null_draws`) in the default pipeline | **4.5 min**; stages run: "
            "cluster@gtzan_synth, cluster@hblm_synth, report@gtzan_synth, report@hblm_synth (of 33) |") in text
    assert ("| whole pipeline at 100 tracks (100 chunks; SETTINGS) | **1.0 min**, peak RSS of the largest stage "
            "200 MiB (`cluster`) |") in text
    assert ("| whole pipeline at 5,000 tracks (5,000 chunks; the same settings) | **9.2 min**, peak RSS of the "
            "largest stage 900 MiB (`report`) |") in text
    assert ("| wall time, 1,000 → 5,000 tracks | **3.67x** for 5x the tracks (slope 100.0 s per 1,000 tracks) |"
            in text)
    assert ("| peak RSS per stage at 10x the tracks (100 → 1,000): the worst stage | `train:pca` **1.50x** "
            "(anonymous memory: `train:pca` 10.00x) |") in text
    # the last two sizes: train:pca's anonymous memory 500 -> 900 is the worst growth (cluster 110 -> 120)
    assert "| anonymous memory per stage, 1,000 → 5,000 tracks: the worst stage | `train:pca` **1.80x** |" in text
    # every stage's peak memory at every size, a dash where a stage did not run at that size
    assert "| stage | 100 tracks | 1,000 tracks | 5,000 tracks |" in text
    assert "| `report` | – | 300 / 90 | 900 / 95 |" in text and "| `train:pca` | 100 / 50 | 150 / 500 | 400 / 900 |" in text
    assert "Peak memory of each stage" not in without


def test_each_stage_runs_from_its_start_to_the_next_and_kinds_sum_over_corpora(benchmark):
    starts = [("fetch@a", 1.0), ("train@a-pca", 3.0), ("train@b-pca", 7.5)]
    windows = benchmark.stage_windows(starts, end=10.0)
    assert windows == {"fetch@a": (1.0, 3.0), "train@a-pca": (3.0, 7.5), "train@b-pca": (7.5, 10.0)}
    seconds = {name: t1 - t0 for name, (t0, t1) in windows.items()}
    assert benchmark.stage_kinds(seconds) == {"fetch": 2.0, "train": 7.0}
    assert benchmark.stage_windows([], end=5.0) == {}


@pytest.mark.parametrize("line, parsed", [("87, 10543\n", (87.0, 10543.0)), (" 0, 3 ", (0.0, 3.0)),
                                          ("[N/A], 12\n", None), ("utilization.gpu [%], memory.used [MiB]", None),
                                          ("", None)])
def test_a_gpu_sample_is_read_from_nvidia_smi_csv(benchmark, line, parsed):
    assert benchmark.parse_gpu_sample(line) == parsed


def test_gpu_load_is_averaged_and_memory_peaked_within_each_stage(benchmark):
    samples = [(0.5, 10.0, 100.0), (1.5, 90.0, 900.0), (2.5, 70.0, 800.0), (3.5, 0.0, 50.0)]
    by_stage = benchmark.gpu_by_stage(samples, {"features@a": (0.0, 1.0), "train@a-x": (1.0, 3.0),
                                                "report@a": (9.0, 10.0)})
    assert by_stage == {"features@a": {"gpu_busy_pct": 10.0, "gpu_memory_peak_mib": 100.0, "samples": 1},
                        "train@a-x": {"gpu_busy_pct": 80.0, "gpu_memory_peak_mib": 900.0, "samples": 2}}


def test_without_nvidia_smi_the_gpu_sampler_gives_no_samples(benchmark, monkeypatch):
    monkeypatch.setattr(benchmark.shutil, "which", lambda name: None)
    assert benchmark.GpuSampler().start().stop() == []


@pytest.mark.slow
def test_a_timed_repro_gives_each_stage_its_share_of_the_wall_time(benchmark, tmp_path, offline_env):
    """Two real DVC stages, the second sleeping longer: each gets its own time, in order."""
    subprocess.run([sys.executable, "-m", "dvc", "init", "--no-scm", "-q"], cwd=tmp_path, env=offline_env, check=True)
    sleep = f"{sys.executable} -c \"import time, sys; time.sleep(float(sys.argv[1])); open(sys.argv[2], 'w')\""
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": {
        "short": {"cmd": f"{sleep} 0.2 a.txt", "outs": ["a.txt"]},
        "long": {"cmd": f"{sleep} 2.0 b.txt", "deps": ["a.txt"], "outs": ["b.txt"]}}}))
    timed = benchmark.timed_repro(tmp_path, offline_env)
    assert list(timed["stage_s"]) == ["short", "long"]
    assert 2.0 <= timed["stage_s"]["long"] and timed["stage_s"]["short"] < timed["stage_s"]["long"]
    assert sum(timed["stage_s"].values()) <= timed["dvc_repro_s"]
    assert timed["stage_kind_s"] == dict(sorted(timed["stage_s"].items()))
    broken = {"broken": {"cmd": f"{sys.executable} -c 'raise SystemExit(3)'"}}
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": broken}))
    with pytest.raises(RuntimeError, match="dvc repro failed"):
        benchmark.timed_repro(tmp_path, offline_env)


def test_the_stage_times_ci_times_and_gpu_pipeline_rows_come_from_the_json(benchmark, readme_results, repo,
                                                                           monkeypatch):
    committed = json.loads((repo / "benchmarks" / "benchmark.json").read_text(encoding="utf-8"))
    stage_s = {"train@a-pca": 60.0, "train@b-pca": 120.0, "evaluate@a": 30.0}
    pipeline = {"dvc_repro_s": 240.0, "noop_repro_s": 1.0, "stage_s": stage_s,
                "stage_kind_s": benchmark.stage_kinds(stage_s)}
    ci = {"test-fast_s": 100.0, "test_s": 600.0, "check_s": 1200.0, "targets_s": dict(benchmark.CI_TARGETS),
          "meets_targets": {"test-fast": True, "test": False, "check": True}}
    gpu_run = {"machine": {"cores": 16, "torch": "2.11.0", "gpu": True, "gpu_name": "NVIDIA H100"},
               "pipeline": {**pipeline, "gpu": {"train@a-pca": {"gpu_busy_pct": 90.0, "gpu_memory_peak_mib": 1000.0,
                                                                "samples": 1},
                                                "train@b-pca": {"gpu_busy_pct": 60.0, "gpu_memory_peak_mib": 3000.0,
                                                                "samples": 2}}}}
    shown = {"benchmarks/benchmark.json": {**committed, "pipeline": pipeline, "ci": ci}}
    monkeypatch.setattr(readme_results, "_committed_output", lambda path: shown.get(path))
    text = "\n".join(readme_results.benchmark_sections())
    # the slowest stage first, each summed over its corpora, with its share of the whole
    assert "| `train` | 3.0 min | 75% |\n| `evaluate` | 30 s | 12% |" in text
    assert "| `make test` in a fresh clone (virtualenv ready), target 8 min | **10.0 min**: **missed** |" in text
    assert "| `make check` in a fresh clone (virtualenv ready), target 25 min | **20.0 min**: met |" in text
    assert "not measured yet" in text
    # the README's quick start says what CI's commands cost
    quick = "\n".join(readme_results.quickstart_section())
    assert "what CI runs took 10 min (`make test`) and 20 min (`make check`) there" in quick
    shown["benchmarks/gpu_pipeline.json"] = gpu_run
    text = "\n".join(readme_results.benchmark_sections())
    assert "on NVIDIA H100, 16 CPU cores" in text
    # GPU load weighted by each instance's samples: (90 + 2 x 60) / 3; memory the peak of either
    assert "| `train` | 3.0 min | 75% | 70% | 3,000 MiB |" in text and "| `evaluate` | 30 s | 12% | – | – |" in text


def test_stage_times_end_the_last_stage_at_its_lock_update_not_at_the_command_s_end(benchmark):
    """`make check` runs the reproduction check after `dvc repro`: its time is not the last stage's."""
    run = {"starts": [("fetch@a", 1.0), ("report@a", 3.0)], "locks": [2.5, 6.0], "end": 10.0, "seconds": 10.0}
    times = benchmark.stage_times(run)
    assert times["stage_s"] == {"fetch@a": 2.0, "report@a": 3.0}
    assert times["dvc_repro_s"] == 6.0 and times["stage_kind_s"] == {"fetch": 2.0, "report": 3.0}
    # nothing ran: no stages, the whole command
    assert benchmark.stage_times({"starts": [], "locks": [], "end": 4.0, "seconds": 4.0})["stage_s"] == {}


def test_the_conv_profile_rows_give_each_phase_s_share_and_each_variant_s_speed(readme_results, repo, monkeypatch):
    committed = json.loads((repo / "benchmarks" / "benchmark.json").read_text(encoding="utf-8"))
    phases = {"read_s": 0.5, "forward_s": 2.0, "backward_s": 7.0, "step_s": 0.5, "epoch_s": 10.0}
    profile = {"chunks": 1000, "default": phases, "channels_last": {**phases, "epoch_s": 8.0},
               "compiled": {"error": "BackendCompilerFailed: no compiler"},
               "speedup_over_default": {"default": 1.0, "channels_last": 1.25}}
    shown = {"benchmarks/benchmark.json": {**committed, "conv_profile": profile}}
    monkeypatch.setattr(readme_results, "_committed_output", lambda path: shown.get(path))
    text = "\n".join(readme_results.benchmark_section())
    assert "| 10.0 s: read 5%, forward 20%, backward 70%, step 5% |" in text
    assert "| 8.0 s / 10.0 s: **1.25x** the pipeline's speed |" in text
    assert "| the same epoch with `torch.compile` | did not run here (BackendCompilerFailed: no compiler) |" in text
    assert "batch 64" not in text  # not measured: no row


@pytest.mark.slow
def test_a_profiled_epoch_times_every_phase_of_every_step(benchmark, tmp_path):
    data = benchmark._chunks_on_disk(tmp_path, 40)
    for settings in ({}, {"channels_last": True}, {"batch_size": 64}):
        profile = benchmark._profiled_epoch(data, **settings)
        phases = [profile[f"{phase}_s"] for phase in ("read", "forward", "backward", "step")]
        assert all(seconds > 0 for seconds in phases), (settings, profile)
        assert profile["epoch_s"] == pytest.approx(sum(phases)) and "first_step_s" not in profile
