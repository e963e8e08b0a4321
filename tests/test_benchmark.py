"""The benchmark script: the features timing on a tiny corpus, and --only refreshing one section of the file."""

import importlib.util
import json

import pytest


@pytest.fixture(scope="module")
def benchmark(repo):
    spec = importlib.util.spec_from_file_location("benchmark", repo / "scripts" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_features_section_times_every_recipe_on_the_same_chunks(benchmark):
    result = benchmark.bench_features(3)
    # Every synthetic track lasts 30 to 45 s: ten 3 s chunks from its central 30 s.
    assert (result["tracks"], result["chunks"]) == (3, 30)
    for key in ("study_s", "ours_1_worker_s", "ours_2_workers_s", "decode_only_s"):
        assert result[key] > 0, key
    assert result["study_over_ours_1"] == pytest.approx(result["study_s"] / result["ours_1_worker_s"])
    assert result["ours_1_over_decode_only"] == pytest.approx(result["ours_1_worker_s"] / result["decode_only_s"])
    assert result["speedup_2_workers_over_1"] == pytest.approx(result["ours_1_worker_s"] / result["ours_2_workers_s"])
    # The timed recipes compute the same features: torch's mels within librosa's 1e-4, and the
    # clip statistics of the same decoded samples.
    assert result["max_abs_diff_mels"] < 1e-4
    assert result["max_abs_diff_clip_stats"] == 0.0


def test_only_replaces_its_section_and_keeps_the_others(benchmark, tmp_path, monkeypatch, capsys):
    out = tmp_path / "benchmark.json"
    before = {"machine": {"cpu": "old"}, "mel": {"speedup": 4.0}, "memory": {"rss_ratio": 1.0},
              "features": {"tracks": 100}, "pipeline": {"dvc_repro_s": 468.0}}
    out.write_text(json.dumps(before))

    def not_asked(*args):
        raise AssertionError("a section not named by --only ran")

    for name in ("bench_mel", "bench_memory", "bench_conv", "bench_pipeline"):
        monkeypatch.setattr(benchmark, name, not_asked)
    monkeypatch.setattr(benchmark, "bench_features", lambda tracks: {"tracks": tracks})
    monkeypatch.setattr(benchmark, "machine", lambda: {"cpu": "new"})
    benchmark.main(["--only", "features", "--feature-tracks", "7", "--out", str(out)])
    assert json.loads(out.read_text()) == {**before, "features": {"tracks": 7}, "machine": {"cpu": "new"}}
    assert "was measured on {'cpu': 'old'}" in capsys.readouterr().err


def test_only_refuses_an_unknown_section(benchmark, tmp_path):
    with pytest.raises(SystemExit) as exc:
        benchmark.main(["--only", "features,melz", "--out", str(tmp_path / "benchmark.json")])
    assert exc.value.code == 2
    assert not (tmp_path / "benchmark.json").exists()
