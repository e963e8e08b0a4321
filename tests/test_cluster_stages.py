"""The cluster and evaluate stages: what dvc.yaml declares for them agrees with the registry and
the params, a scoring param re-runs evaluate (and what reads it) but not cluster, and the stages
run on small files."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from musiclust.cluster import ALGORITHMS, ClusterParams
from musiclust.evaluate import EvaluateParams
from musiclust.io import write_vectors
from musiclust.representations import latents_to_frame, stack_seeds
from musiclust.split import split_songs

REPO = Path(__file__).resolve().parents[1]


def _stage(name: str) -> dict:
    return yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"][name]["do"]


def _params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


def _outs(stage: dict) -> set[str]:
    return {next(iter(o)) if isinstance(o, dict) else o for o in stage["outs"]}


def _covers(entries, key: str) -> bool:
    """Whether a stage listing params ``entries`` depends on ``key`` (a section covers its keys)."""
    return any(key == e or key.startswith(f"{e}.") for e in entries)


def test_the_metrics_files_of_evaluate_are_the_registry_s_algorithms():
    outs = _outs(_stage("evaluate"))
    per_algorithm = {Path(o).stem for o in outs if o.startswith("metrics/") and Path(o).stem not in
                     ("latents", "data", "claims", "probes", "disentanglement", "factors", "runs")}
    assert per_algorithm == set(ALGORITHMS)
    assert _outs(_stage("cluster")) == {"data/clusters/${item}/assignments.parquet"}  # assignments only


def test_scoring_params_re_run_evaluate_not_cluster():
    cluster, evaluate, report = _stage("cluster"), _stage("evaluate"), _stage("report")
    for field in dataclasses.fields(EvaluateParams):
        key = f"evaluate.{field.name}"
        assert not _covers(cluster["params"], key) and _covers(evaluate["params"], key), key
    # evaluate reads of the cluster section only the sample bounds, which change assignments anyway
    assert [p for p in evaluate["params"] if p.startswith("cluster")] == ["cluster.max_quadratic_rows",
                                                                          "cluster.sample_seed", "cluster.track_pooling"]
    assert cluster["params"] == ["cluster"]
    # cluster reads nothing evaluate writes; evaluate reads the assignments; report reads evaluate's outputs
    assert not set(cluster["deps"]) & _outs(evaluate)
    assert "data/clusters/${item}/assignments.parquet" in evaluate["deps"]
    assert "plots/${item}/scores.csv" in report["deps"] and "plots/${item}/scores.csv" in _outs(evaluate)


def test_params_yaml_declares_every_cluster_and_evaluate_default():
    params = _params()
    for section, cls in (("cluster", ClusterParams), ("evaluate", EvaluateParams)):
        assert set(params[section]) == {f.name for f in dataclasses.fields(cls)}, section
    assert params["cluster"]["algorithms"] == list(ALGORITHMS)


def test_the_latents_declared_are_the_models_the_params_name():
    params = _params()
    names = {*params["models"], *params["stats_models"]}
    names |= {n for j in params["joint_models"] for n in (j, f"{j}_audio")}  # the joint model's audio-only code
    names.add(params["pretrained"]["kind"])  # the pretrained audio model's code, named after its kind
    expected = {f"data/latents/${{item}}/{name}.parquet" for name in names}
    for stage in ("cluster", "evaluate"):
        words = shlex.split(_stage(stage)["cmd"])
        named = [value for flag, value in zip(words, words[1:]) if flag == "--latents"]
        assert sorted(named) == sorted(expected), stage
        assert {d for d in _stage(stage)["deps"] if d.startswith("data/latents/")} == expected, stage


def _write_inputs(root: Path) -> dict[str, Path]:
    """A labelled corpus of 12 tracks x 3 chunks: model ``m`` (two seeds) carries the genre."""
    rng = np.random.default_rng(0)
    ids = [f"t{i:02d}" for i in range(12)]
    genre = np.array(["Folk", "Rock", "Pop"] * 4)
    tracks = pd.DataFrame({"track_id": ids, "language": ["en", "bn"] * 6, "genre": genre, "path": ""})
    keys = pd.DataFrame([(t, c) for t in ids for c in range(3)], columns=["track_id", "chunk"])
    code = np.repeat(pd.Series(genre).map({"Folk": 0, "Rock": 1, "Pop": 2}).to_numpy(), 3)
    files = {name: root / name for name in ("tracks.parquet", "factors.parquet", "status.parquet", "chunks.parquet",
                                            "mels.npy")}
    tracks.to_parquet(files["tracks.parquet"])
    tracks[["track_id"]].to_parquet(files["factors.parquet"])  # a corpus that was not generated: no factors
    split_songs(tracks, [0.5, 0.0, 0.5], seed=0).to_parquet(root / "split.parquet")
    pd.DataFrame({"track_id": ids, "status": "ok", "reason": "", "n_chunks": 3}).to_parquet(files["status.parquet"])
    keys.to_parquet(files["chunks.parquet"])
    np.save(files["mels.npy"], rng.normal(size=(len(keys), 4, 4)).astype(np.float32))
    per_seed = []
    for seed in (0, 1):
        z = rng.normal(0, 0.2, size=(len(keys), 4)).astype(np.float32)
        z[:, 0] += 3 * code
        per_seed.append((seed, *latents_to_frame(keys, z)))
    (root / "latents").mkdir()
    write_vectors(*stack_seeds(per_seed), "z", root / "latents" / "m.parquet")
    params = {"cluster": {"kmeans_seeds": [0], "kmeans_n_init": 2, "dbscan_min_samples": 3},
              "evaluate": {"null_draws": 100, "null_seed": 0}}
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return files


def _run(root: Path, module: str, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-W", "ignore", "-m", module, *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_cluster_and_evaluate_stages_on_small_files(tmp_path):
    _write_inputs(tmp_path)
    common = ["--tracks", "tracks.parquet", "--latents", "latents/m.parquet", "--mels", "mels.npy",
              "--chunks", "chunks.parquet", "--clipstats", "clipstats.parquet", "--lyrics", "lyrics.parquet",
              "--split", "split.parquet", "--assignments", "clusters/assignments.parquet"]
    done = _run(tmp_path, "stages.cluster", common)
    assert done.returncode == 0, done.stderr
    assignments = pd.read_parquet(tmp_path / "clusters" / "assignments.parquet")
    assert set(assignments["algorithm"]) == set(ALGORITHMS)
    assert set(assignments["representation"]) == {"m", "raw"}
    assert set(assignments["split"]) == {"train", "test"}
    done = _run(tmp_path, "stages.evaluate", common + ["--factors", "factors.parquet", "--status", "status.parquet",
                                                      "--metrics", "metrics",
                                                      "--scores", "scores.csv", "--scores_in_sample", "in_sample.csv",
                                                      "--runs", "metrics/runs.parquet"])
    assert done.returncode == 0, done.stderr
    written = {p.stem for p in (tmp_path / "metrics").glob("*.json")}
    assert written == set(ALGORITHMS) | {"latents", "data", "claims", "probes", "disentanglement", "factors"}
    assert json.loads((tmp_path / "metrics" / "factors.json").read_text()) == {}
    kmeans = json.loads((tmp_path / "metrics" / "kmeans.json").read_text())
    assert kmeans["track"]["m"]["genre"]["nmi"] == 1.0 and kmeans["track"]["m"]["genre"]["runs"] == 2
    assert json.loads((tmp_path / "metrics" / "gmm.json").read_text())["track"]["m"]["genre"]["nmi"] == 1.0
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert set(scores["algorithm"]) == set(ALGORITHMS)
    # the headline is the held-out songs'; the training songs' scores beside them
    assert set(pd.read_csv(tmp_path / "in_sample.csv")["split"]) == {"train"}
    assert json.loads((tmp_path / "metrics" / "data.json").read_text())["split"] == {"train": 6, "validation": 0,
                                                                                      "test": 6}
    # every run's every score: the table's KMeans NMI is the mean of the runs' over training seeds
    runs = pd.read_parquet(tmp_path / "metrics" / "runs.parquet")
    assert set(runs["split"]) == {"train", "test"}
    runs = runs[runs["split"] == "test"]
    nmi = runs[(runs["algorithm"] == "kmeans") & (runs["level"] == "track") & (runs["representation"] == "m")
               & (runs["target"] == "genre") & (runs["metric"] == "nmi")]
    assert sorted(nmi["train_seed"]) == [0, 1]
    assert nmi.groupby("train_seed")["value"].mean().mean() == pytest.approx(kmeans["track"]["m"]["genre"]["nmi"],
                                                                              abs=1e-6)
    # a latents file that no argument names stops both stages with one line naming it
    write_vectors(*latents_to_frame(pd.read_parquet(tmp_path / "chunks.parquet"), np.zeros((36, 2))), "z",
                  tmp_path / "latents" / "old_model.parquet")
    done = _run(tmp_path, "stages.cluster", common)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error: latents/old_model.parquet: a latents file no")


@pytest.mark.parametrize("module, more", [("stages.cluster", []), ("stages.evaluate", [
    "--factors", "f", "--status", "s", "--metrics", "m", "--scores", "s", "--scores_in_sample", "s", "--runs", "r"])])
@pytest.mark.slow
def test_a_bad_setting_stops_the_stage_naming_the_key(tmp_path, module, more):
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"cluster": {"algorithms": ["kmeans", "optics"]},
                                                          "evaluate": {}}))
    done = _run(tmp_path, module, ["--tracks", "t", "--latents", "l", "--mels", "m", "--chunks", "c",
                                   "--clipstats", "c", "--lyrics", "l", "--split", "s", "--assignments", "a", *more])
    assert done.returncode == 1, done.stderr
    assert "params: cluster.algorithms[1]: 'optics' is not one of" in done.stderr


@pytest.mark.pipeline
def test_dvc_re_runs_evaluate_alone_after_a_scoring_change(tmp_path, offline_env):
    """dvc.yaml's own cluster and evaluate stages, run by DVC in a small repository: after
    ``evaluate.null_draws`` changes only evaluate is stale; after a cluster setting, cluster."""
    root = tmp_path / "repo"
    for package in ("stages", "musiclust"):
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    stages = {name: _stage(name) for name in ("cluster", "evaluate")}
    (root / "dvc.yaml").write_text(yaml.safe_dump(
        {"stages": {name: {"foreach": "${run}", "do": stage} for name, stage in stages.items()}}, sort_keys=False))
    real = _params()
    params = {"run": ["toy"], "datasets": {"toy": {}},
              "cluster": {**real["cluster"], "algorithms": ["kmeans", "gmm"], "kmeans_seeds": [0],
                          "kmeans_n_init": 2},
              "evaluate": {**real["evaluate"], "null_draws": 100}}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    scratch = tmp_path / "inputs"
    scratch.mkdir()
    files = _write_inputs(scratch)
    features, raw, latents = root / "data/features/toy", root / "data/raw/toy", root / "data/latents/toy"
    for folder in (features, raw, latents):
        folder.mkdir(parents=True)
    shutil.copy(files["tracks.parquet"], raw)
    shutil.copy(files["factors.parquet"], raw)
    (root / "data/splits/toy").mkdir(parents=True)
    shutil.copy(scratch / "split.parquet", root / "data/splits/toy/split.parquet")
    for name in ("status.parquet", "chunks.parquet", "mels.npy"):
        shutil.copy(files[name], features)
    tracks = pd.read_parquet(files["tracks.parquet"])
    rng = np.random.default_rng(1)
    write_vectors(tracks[["track_id"]], rng.normal(size=(12, 5)), "stats", features / "clipstats.parquet")
    write_vectors(tracks[["track_id"]], rng.normal(size=(12, 6)), "embedding", features / "lyrics.parquet")
    words = shlex.split(stages["cluster"]["cmd"])
    for path in (value for flag, value in zip(words, words[1:]) if flag == "--latents"):
        shutil.copy(scratch / "latents" / "m.parquet", root / path.replace("${item}", "toy"))
    shell = {"cwd": root, "env": offline_env, "capture_output": True, "text": True}
    for cmd in (["git", "init", "-q"], [sys.executable, "-m", "dvc", "init", "-q"], ["git", "add", "-A"],
                ["git", "commit", "-qm", "inputs"], [sys.executable, "-m", "dvc", "repro", "-q"]):
        done = subprocess.run(cmd, **shell)
        assert done.returncode == 0, f"{cmd}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    gmm = json.loads((root / "metrics/toy/gmm.json").read_text())
    assert gmm["track"]["conv_bvae"]["genre"]["nmi"] == 1.0 and gmm["track"]["conv_bvae"]["genre"]["runs"] == 2

    def stale(change: tuple[str, str, object]) -> set[str]:
        section, key, value = change
        edited = {**params, section: {**params[section], key: value}}
        (root / "params.yaml").write_text(yaml.safe_dump(edited, sort_keys=False))
        done = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], **shell)
        assert done.returncode == 0, done.stderr
        return set(json.loads(done.stdout or "{}"))

    assert stale(("evaluate", "null_draws", 101)) == {"evaluate@toy"}
    assert stale(("evaluate", "null_seed", 3)) == {"evaluate@toy"}
    assert stale(("cluster", "kmeans_n_init", 3)) == {"cluster@toy"}
    assert stale(("cluster", "max_quadratic_rows", 4000)) == {"cluster@toy", "evaluate@toy"}
