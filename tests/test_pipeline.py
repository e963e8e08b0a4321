"""The pipeline through DVC, on a tiny corpus, in temporary copies of the repository."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import load_script

REPO = Path(__file__).resolve().parents[1]
DATASET = "tiny"          # HBLM-100 layout, with lyrics
GTZAN = "tinygtz"         # a local GTZAN-layout archive: no lyrics, one unreadable file
pytestmark = pytest.mark.pipeline


@dataclass(frozen=True)
class Shell:
    """Commands in a subprocess with the tests' offline environment."""

    env: dict

    def run(self, cmd: list[str], cwd: Path, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run(cmd, cwd=cwd, env={**self.env, **(env or {})}, capture_output=True, text=True)
        if check and proc.returncode:
            raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n"
                                 f"{proc.stderr[-4000:]}")
        return proc

    def dvc(self, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        return self.run([sys.executable, "-m", "dvc", *args], cwd, check)


@pytest.fixture(scope="session")
def shell(offline_env) -> Shell:
    return Shell(offline_env)


def gtzan_archive(dest: Path) -> Path:
    """A Kaggle-style GTZAN archive (Data/genres_original/...), 4 clips a genre (so that the training
    songs outnumber the 10 genre clusters), one unreadable."""
    import tarfile

    from musiclust.datasets.synthetic import generate_gtzan_corpus

    src = dest / "gtzan_src"
    generate_gtzan_corpus(src / "Data", tracks_per_genre=4, seconds=6.0, progress=False)
    archive = dest / "gtzan.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src / "Data", arcname="Data")
    return archive


def copy_source(shell: Shell, dest: Path, datasets: tuple[str, ...] = (DATASET, GTZAN)) -> Path:
    """The repository's source files (tracked or new, not ignored), without results."""
    files = shell.run(["git", "ls-files", "-co", "--exclude-standard"], REPO).stdout.split("\n")
    for rel in filter(None, files):
        if rel == "dvc.lock" or rel.split("/")[0] in ("metrics", "plots"):
            continue
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    params = yaml.safe_load((dest / "params.yaml").read_text())
    params["datasets"] = {
        DATASET: {"format": "synthetic", "synthetic": {
            "layout": "hblm", "scale": 0.2, "seed": 0, "min_seconds": 7.0, "max_seconds": 10.0}},
        # a real-corpus entry: a local archive in the GTZAN layout, through the same pipeline
        GTZAN: {"format": "gtzan", "source": str(gtzan_archive(dest.parent))},
    }
    params["run"] = list(datasets)
    params["spectrograms"]["crop_seconds"] = 6.0
    for entry in params["models"].values():
        if entry["kind"] in ("conv_bvae", "dense_ae"):
            entry["epochs"] = 2
        entry["seeds"] = [0, 1]
    params["stats_models"]["dense_vae"]["seeds"] = [0, 1]
    params["models"]["pca"]["n_components"] = 8
    params["joint_models"]["joint_bvae"].update(epochs=2, seeds=[0, 1])
    params["stats_models"]["dense_vae"]["epochs"] = 5
    params["cluster"]["kmeans_seeds"] = [0, 1]
    params["cluster"]["kmeans_n_init"] = 2
    params["evaluate"].update(null_draws=100, null_max_draws=100, bootstrap=200, disentanglement_floor_draws=2)
    params["ksweep"]["n_init"] = 2
    params["encode"]["reconstructions"] = 2
    params["report"].update(tsne_perplexity=5.0)
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    shell.run(["git", "init", "-q"], dest)
    shell.run(["git", "add", "-A"], dest)
    shell.run(["git", "commit", "-qm", "source"], dest)
    return dest


def reproduce(shell: Shell, dest: Path, datasets: tuple[str, ...] = (DATASET, GTZAN)) -> Path:
    copy_source(shell, dest, datasets)
    shell.dvc("repro", cwd=dest)
    shell.run(["git", "add", "-A"], dest)
    shell.run(["git", "commit", "-qm", "results"], dest)
    return dest


# Two kernel selections this CPU can run: OpenBLAS's (NumPy's and SciPy's BLAS), NumPy's own
# loops, torch's own (ATen) and oneDNN's. The first run is told to take OpenBLAS's Haswell kernel,
# NumPy's and torch's AVX2 loops and oneDNN's AVX512_CORE ones; the second OpenBLAS's SkylakeX
# (else Sandybridge) kernel and NumPy's, torch's and oneDNN's own choice (AVX-512 and its
# extensions on this CPU), which the package caps (musiclust.environment.PINNED).
KERNEL_SETTINGS = ("OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA",
                   "NPY_DISABLE_CPU_FEATURES")


def _avx512() -> bool:
    from numpy._core._multiarray_umath import __cpu_features__

    return bool(__cpu_features__.get("AVX512_SKX"))


KERNELS_A = {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2", "DNNL_MAX_CPU_ISA": "AVX512_CORE",
             "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}  # NumPy's AVX-512 loops off
KERNELS_B = {"OPENBLAS_CORETYPE": "SkylakeX" if _avx512() else "Sandybridge"}


def with_kernels(shell: Shell, kernels: dict) -> Shell:
    return Shell({**{k: v for k, v in shell.env.items() if k not in KERNEL_SETTINGS}, **kernels})


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory, shell) -> Path:
    from numpy._core._multiarray_umath import __cpu_features__

    if not (__cpu_features__.get("AVX2") and __cpu_features__.get("FMA3")):
        pytest.skip("the pipeline tests run the AVX2 kernels: this CPU has no AVX2 and FMA")
    return reproduce(with_kernels(shell, KERNELS_A), tmp_path_factory.mktemp("run_a"))


def _digest(path: Path) -> str:
    if path.is_dir():
        return hashlib.sha256("".join(f"{p.relative_to(path)}:{_digest(p)}" for p in sorted(path.rglob("*"))
                                      if p.is_file()).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outputs(repo: Path) -> list[Path]:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return [repo / out["path"] for stage in lock["stages"].values() for out in stage.get("outs", [])]


def test_every_declared_output_exists_and_status_is_clean(tiny_repo, shell):
    outs = _outputs(tiny_repo)
    stages = yaml.safe_load((tiny_repo / "dvc.lock").read_text())["stages"]
    for ds in (DATASET, GTZAN):
        assert {f"fetch@{ds}", f"features@{ds}", f"lyrics@{ds}",
                f"train@{ds}-conv_bvae", f"train@{ds}-dense_ae", f"train@{ds}-pca",
                f"train_stats@{ds}-dense_vae", f"encode@{ds}-conv_bvae", f"encode_stats@{ds}-dense_vae",
                f"train_joint@{ds}-joint_bvae", f"encode_joint@{ds}-joint_bvae",
                f"cluster@{ds}", f"report@{ds}"} <= set(stages)
    missing = [str(p) for p in outs if not p.exists()]
    assert not missing
    assert json.loads(shell.dvc("status", "--json", cwd=tiny_repo).stdout or "{}") == {}
    figures = tiny_repo / "plots" / DATASET / "figures"
    for name in ("loss_conv_bvae.png", "tsne_conv_bvae_chunks.png", "reconstructions_conv_bvae.png",
                 "class_balance.png", "sample_spectrogram.png", "scores_track_language.png",
                 "confusion_conv_bvae+lyrics_language.png", "tsne_joint_bvae_chunks.png",
                 "latent_correlation_joint_bvae.png", "kl_per_dim_joint_bvae.png", "kl_per_dim_conv_bvae.png"):
        assert (figures / name).read_bytes()[:4] == b"\x89PNG", name
    report = (tiny_repo / "plots" / DATASET / "report.md").read_text()
    assert "| `conv_bvae+lyrics` |" in report and "figures/class_balance.png" in report
    assert "| `clipstats` |" in report and "| `dense_vae` |" in report
    assert "## Disentanglement" in report and "## The study's table beside ours" in report
    assert "## The joint model beside the post-hoc hybrid" in report and "| `joint_bvae_audio` |" in report
    assert "## KL per latent dimension and active units" in report


def test_gtzan_layout_runs_without_lyrics_and_reports_the_unreadable_file(tiny_repo):
    data = json.loads((tiny_repo / "metrics" / GTZAN / "data.json").read_text())
    assert data["tracks_listed"] == 40 and data["tracks_skipped"] == 1 and data["tracks_used"] == 39
    import pandas as pd

    status = pd.read_parquet(tiny_repo / "data" / "features" / GTZAN / "status.parquet")
    bad = status[status.status != "ok"]
    assert list(bad.track_id) == ["jazz.00003"] and "cannot decode" in bad.reason.iloc[0]
    kmeans = json.loads((tiny_repo / "metrics" / GTZAN / "kmeans.json").read_text())
    assert set(kmeans["track"]["conv_bvae"]) == {"genre"}
    assert "lyrics" not in kmeans["track"] and "conv_bvae+lyrics" not in kmeans["track"]
    assert {"dense_vae", "clipstats"} <= set(kmeans["track"]) and "dense_vae" not in kmeans["chunk"]
    # the joint model runs audio-only on a corpus without lyrics: both encodings are the audio one
    import numpy as np

    from musiclust.io import read_vectors

    latents = tiny_repo / "data" / "latents" / GTZAN
    joint, audio = read_vectors(latents / "joint_bvae.parquet", "z"), read_vectors(latents / "joint_bvae_audio.parquet", "z")
    assert joint[1].shape[0] > 0 and np.array_equal(joint[1], audio[1])
    assert set(kmeans["track"]["joint_bvae"]) == {"genre"}
    assert "jazz.00003" in (tiny_repo / "plots" / GTZAN / "report.md").read_text()


def test_models_learn_from_training_songs_and_the_headline_is_the_test_songs(tiny_repo):
    split = pd.read_parquet(tiny_repo / "data" / "splits" / DATASET / "split.parquet").set_index("track_id")["split"]
    assert set(split) == {"train", "validation", "test"}
    assignments = pd.read_parquet(tiny_repo / "data" / "clusters" / DATASET / "assignments.parquet")
    # every clustering fit on training rows only; every held-out row is assigned, with its own split
    assert (assignments["split"] == split.reindex(assignments["track_id"]).to_numpy()).all()
    history = pd.read_csv(tiny_repo / "plots" / DATASET / "history" / "conv_bvae" / "seed_0.csv")
    trained = json.loads((tiny_repo / "metrics" / DATASET / "train" / "conv_bvae.json").read_text())["seed_0"]
    assert trained["best_epoch"] == int(history.loc[history["validation_total"].idxmin(), "epoch"])
    data = json.loads((tiny_repo / "metrics" / DATASET / "data.json").read_text())
    assert data["split"] == {name: int((split == name).sum()) for name in ("train", "validation", "test")}
    runs = pd.read_parquet(tiny_repo / "metrics" / DATASET / "runs.parquet")
    assert set(runs["split"]) == {"train", "validation", "test"}
    other = pd.read_csv(tiny_repo / "plots" / DATASET / "scores_in_sample.csv")
    assert set(other["split"]) == {"train", "validation"}
    assert "## Held-out and in-sample scores" in (tiny_repo / "plots" / DATASET / "report.md").read_text()


def test_new_tracks_are_assigned_as_the_held_out_songs_were(tiny_repo, tmp_path, shell):
    """The script a user runs on a folder of new files gives the test songs the clusters the
    pipeline gave them out of sample."""
    split = pd.read_parquet(tiny_repo / "data" / "splits" / DATASET / "split.parquet")
    tracks = pd.read_parquet(tiny_repo / "data" / "raw" / DATASET / "tracks.parquet").set_index("track_id")
    test_ids = sorted(split.loc[split["split"] == "test", "track_id"])
    folder = tmp_path / "new"
    folder.mkdir()
    for track_id in test_ids:
        source = tiny_repo / "data" / "raw" / DATASET / tracks.loc[track_id, "path"]
        shutil.copy(source, folder / f"{track_id}{source.suffix}")
    k = tracks["genre"].nunique()
    out = tmp_path / "new.csv"
    shell.run([sys.executable, "-m", "scripts.assign_tracks", "--dataset", DATASET, "--folder",
               str(folder), "--representation", "conv_bvae", "--k", str(k), "--out", str(out), "--root",
               str(tiny_repo)], tiny_repo)
    result = pd.read_csv(out).set_index("track_id")
    assignments = pd.read_parquet(tiny_repo / "data" / "clusters" / DATASET / "assignments.parquet")
    pipeline = assignments[(assignments["representation"] == "conv_bvae") & (assignments["level"] == "track")
                           & (assignments["algorithm"] == "kmeans") & (assignments["k"] == k)
                           & (assignments["train_seed"] == 0) & (assignments["seed"] == 0)
                           & (assignments["split"] == "test")].set_index("track_id")["cluster"]
    assert sorted(result.index) == test_ids and (result["status"] == "ok").all()
    assert result["cluster"].to_dict() == pipeline.loc[test_ids].to_dict()
    # a clustering it does not have is named, not a traceback
    bad = shell.run([sys.executable, "-m", "scripts.assign_tracks", "--dataset", DATASET,
                     "--folder", str(folder), "--representation", "conv_bvae", "--k", "97", "--out", str(out),
                     "--root", str(tiny_repo)], tiny_repo, check=False)
    assert bad.returncode == 1 and "clustered with k in" in bad.stderr and "Traceback" not in bad.stderr


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):  # the claims: one object per comparison
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def test_metrics_are_well_formed_and_shown_by_dvc(tiny_repo, shell):
    mdir = tiny_repo / "metrics" / DATASET
    kmeans = json.loads((mdir / "kmeans.json").read_text())
    assert set(kmeans) == {"chunk", "track", "track_vote"}
    track = kmeans["track"]
    assert {"conv_bvae", "conv_bvae+lyrics", "lyrics", "dense_ae", "pca", "raw"} <= set(track)
    assert set(track["conv_bvae"]) == {"language", "genre", "language_genre"}
    for metric in ("ari", "nmi", "purity", "accuracy", "silhouette", "calinski_harabasz", "davies_bouldin",
                   "nmi_null_mean", "nmi_null_p95", "ari_null_p95", "accuracy_null_p95"):
        assert metric in track["conv_bvae+lyrics"]["language"]
    assert track["conv_bvae"]["genre"]["nmi_null_mean"] <= track["conv_bvae"]["genre"]["nmi_null_p95"]
    # the tiny corpus's few test songs give a coarse null; the training songs' (in-sample) a graded one
    in_sample = pd.read_csv(tiny_repo / "plots" / DATASET / "scores_in_sample.csv")
    node = in_sample[(in_sample["split"] == "train") & (in_sample["algorithm"] == "kmeans")
                     & (in_sample["level"] == "track") & (in_sample["representation"] == "conv_bvae")
                     & (in_sample["target"] == "genre")].set_index("metric")["value"]
    assert node["nmi_null_mean"] < node["nmi_null_p95"]
    assert set(kmeans["track_vote"]) == set(kmeans["chunk"])  # every chunk-level clustering, voted per track
    # every trained model once per seed: scores over 2 training seeds x 2 KMeans seeds; the raw pixels train nothing
    assert sorted(p.name for p in (tiny_repo / "models" / DATASET / "conv_bvae").iterdir()) == ["seed_0.pt", "seed_1.pt"]
    assert track["conv_bvae"]["genre"]["runs"] == 4 and track["pca+lyrics"]["genre"]["runs"] == 4
    assert track["raw"]["genre"]["runs"] == 2 and "nmi_sd" in track["conv_bvae"]["genre"]
    train = json.loads((mdir / "train" / "conv_bvae.json").read_text())
    assert set(train) == {"seed_0", "seed_1"} and train["seed_0"] != train["seed_1"]
    disentanglement = json.loads((mdir / "disentanglement.json").read_text())["track"]
    assert disentanglement["conv_bvae"]["seeds"] == 2 and "mig_ci95" in disentanglement["conv_bvae"]
    # the post-hoc hybrid and the joint model are judged on the same scores
    assert disentanglement["conv_bvae+lyrics"]["seeds"] == 2 and disentanglement["joint_bvae"]["seeds"] == 2
    assert disentanglement["lyrics"]["seeds"] == 1 and "raw+lyrics" not in disentanglement
    joint_train = json.loads((mdir / "train" / "joint_bvae.json").read_text())["seed_0"]
    assert joint_train["kind"] == "joint_bvae" and joint_train["chunks_with_lyrics"] > 0
    assert "raw" not in disentanglement  # pixels are not a code
    assert disentanglement["conv_bvae"]["mig_floor_p95"] > 0  # beside random codes of its size
    # label floors that keep k: the headline hybrid's clusterings shuffled within language, and within genre
    hybrid = track["conv_bvae+lyrics"]["language_genre"]
    assert 0 < hybrid["nmi_floor_language_p95"] < 1 and 0 < hybrid["nmi_floor_language_p"] <= 1
    assert "nmi_floor_genre_p95" in hybrid and "ami" in hybrid and "nmi_q" in hybrid and "nmi_boot_lo" in hybrid
    runs = pd.read_parquet(mdir / "runs.parquet")
    assert {"representation", "train_seed", "cluster_seed", "metric", "value"} <= set(runs.columns)
    claims = json.loads((mdir / "claims.json").read_text())
    assert claims["claims"] and {c["verdict"] for c in claims["claims"]} <= {
        "above", "below", "level with", "no difference detected", "not tested"}
    probes = json.loads((mdir / "probes.json").read_text())
    assert 0 <= probes["track"]["conv_bvae"]["genre"]["accuracy"] <= 1
    record = json.loads((mdir / "environment.json").read_text())  # the record of the arithmetic, not a metric
    assert record["libraries"]["torch"] and record["onednn_isa"] and record["thread_pools"]
    for f in sorted(set(mdir.rglob("*.json")) - {mdir / "environment.json"}):
        for path, value in _leaves(json.loads(f.read_text())):
            # a claim without a test ("none (one training seed each)") has no p-values: null, not NaN
            assert isinstance(value, (int, float, str)) or (value is None and f.name == "claims.json"), (f, path)
            if isinstance(value, float):
                assert math.isfinite(value), (f, path)
            if path[-1] in ("ari", "nmi", "purity", "accuracy"):
                assert -1.0 <= value <= 1.0
    dbscan = json.loads((mdir / "dbscan.json").read_text())
    assert 0.0 <= dbscan["track"]["lyrics"]["language"]["noise_fraction"] <= 1.0
    # dvc metrics show: the headline numbers; the full tables on request
    shown = json.dumps(json.loads(shell.dvc("metrics", "show", "--json", cwd=tiny_repo).stdout))
    assert f"headline/{DATASET}.json" in shown and "kmeans.json" not in shown
    headline = json.loads((tiny_repo / "metrics" / "headline" / f"{DATASET}.json").read_text())[DATASET]
    assert set(headline) == {"language", "genre"}
    fused = kmeans["track"]["conv_bvae+lyrics"]["language"]
    assert {k: v for k, v in headline["language"].items() if k != "best_baseline"} == {
        key: fused[key] for key in ("nmi", "nmi_ci95", "nmi_null_p95", "ari")}
    (name, best), = headline["language"]["best_baseline"].items()
    others = {rep: s["language"]["nmi"] for rep, s in kmeans["track"].items()
              if rep not in ("conv_bvae", "conv_bvae+lyrics") and "language" in s}
    assert best["nmi"] == kmeans["track"][name]["language"]["nmi"] == max(others.values())
    full = shell.dvc("metrics", "show", "--json", f"metrics/{DATASET}/kmeans.json", cwd=tiny_repo)
    assert "conv_bvae+lyrics" in full.stdout
    shell.dvc("plots", "show", "--json", cwd=tiny_repo)


def _stale(shell: Shell, repo: Path) -> set[str]:
    return set(json.loads(shell.dvc("status", "--json", cwd=repo).stdout or "{}"))


def test_param_changes_mark_only_the_stages_that_read_them(tiny_repo, shell):
    params_file = tiny_repo / "params.yaml"
    original = params_file.read_text()
    try:
        for key, value, expected in [
            (("models", "conv_bvae", "beta"), 1.0, {f"train@{d}-conv_bvae" for d in (DATASET, GTZAN)}),
            (("models", "dense_ae", "lr"), 0.01, {f"train@{d}-dense_ae" for d in (DATASET, GTZAN)}),
            (("stats_models", "dense_vae", "beta"), 2.0, {f"train_stats@{d}-dense_vae" for d in (DATASET, GTZAN)}),
            (("datasets", GTZAN, "labels_csv"), "x.csv", {f"fetch@{GTZAN}"}),
            (("cluster", "dbscan_min_samples"), 4, {f"cluster@{d}" for d in (DATASET, GTZAN)}),
            # a scoring param re-clusters nothing
            (("evaluate", "null_draws"), 150, {f"evaluate@{d}" for d in (DATASET, GTZAN)}),
            (("encode", "reconstructions"), 3, {f"encode@{d}-{m}" for d in (DATASET, GTZAN)
                                                for m in ("conv_bvae", "conv_bvae_b1", "dense_ae", "pca")}),
            (("lyrics", "batch_size"), 8, {f"lyrics@{d}" for d in (DATASET, GTZAN)}),
            (("report", "tsne_seed"), 3, {f"report@{d}" for d in (DATASET, GTZAN)}),
            (("ksweep", "n_init"), 3, {f"ksweep@{d}" for d in (DATASET, GTZAN)}),
            (("joint_models", "joint_bvae", "lyric_weight"), 2.0, {f"train_joint@{d}-joint_bvae" for d in (DATASET, GTZAN)}),
            (("joint_models", "joint_bvae", "kl_capacity"), 5.0, {f"train_joint@{d}-joint_bvae" for d in (DATASET, GTZAN)}),
            (("compute", "processes"), 2, {f"{stage}@{d}-{m}" for d in (DATASET, GTZAN) for stage, m in (
                ("train", "conv_bvae"), ("train", "conv_bvae_b1"), ("train", "dense_ae"), ("train", "pca"),
                ("train_stats", "dense_vae"), ("train_joint", "joint_bvae"))}),
        ]:
            params = yaml.safe_load(original)
            node = params
            for part in key[:-1]:
                node = node[part]
            node[key[-1]] = value
            params_file.write_text(yaml.safe_dump(params, sort_keys=False))
            assert _stale(shell, tiny_repo) == expected, key
    finally:
        params_file.write_text(original)
    assert _stale(shell, tiny_repo) == set()


def test_exp_run_beta_reruns_only_its_chain_and_metrics_diff_shows_it(tiny_repo, tmp_path, shell, exp_show_view):
    repo = tmp_path / "exp"
    shutil.copytree(tiny_repo, repo, symlinks=True)
    out = shell.dvc("exp", "run", "-S", "models.conv_bvae.beta=1.0", cwd=repo).stdout
    ran = _ran(out)
    expected = set()
    for d in (DATASET, GTZAN):
        expected |= {f"train@{d}-conv_bvae", f"encode@{d}-conv_bvae", f"cluster@{d}", f"evaluate@{d}", f"ksweep@{d}",
                     f"report@{d}"}
    assert ran == expected, out
    diff = json.loads(shell.dvc("metrics", "diff", "--json", "-R", "--targets", "metrics", cwd=repo).stdout)
    changed = [(f, k) for f, keys in diff.items() for k in keys if not f.startswith("metrics/headline/")]
    # only the conv beta-VAE's own numbers move: its training metrics and its representations, and what
    # corrects for multiplicity across them (the q-values of each table, the Holm-adjusted claims)
    corrected = [(f, k) for f, k in changed if k.endswith("_q") or f.endswith("/claims.json")]
    assert changed and all("conv_bvae" in f or "conv_bvae" in k for f, k in set(changed) - set(corrected)), changed[:20]
    assert any(k.startswith("track.conv_bvae.") for _, k in changed)
    # the headline numbers (the model is conv_bvae+lyrics) are what `dvc metrics diff` shows by default
    headline = json.loads(shell.dvc("metrics", "diff", "--all", "--json", cwd=repo).stdout)
    assert set(headline) == {f"metrics/headline/{d}.json" for d in (DATASET, GTZAN)}
    # the README's view of the experiments: the experiment, the param it set and the headline NMIs
    table = shell.run([sys.executable, "-m", "dvc", "exp", "show", "--no-pager", *exp_show_view], repo,
                      env={"COLUMNS": "1000"}).stdout  # wide enough that nothing is squeezed
    lines = [line.strip() for line in table.splitlines() if line.strip() and not line.strip().startswith("─")]
    header = lines[0].split()
    assert header[0] == "Experiment" and "models.conv_bvae.beta" in header, table
    assert {h for h in header if h.endswith(".nmi")} == {f"{DATASET}.genre.nmi", f"{DATASET}.language.nmi",
                                                         f"{GTZAN}.genre.nmi"}, table
    assert not [h for h in header if "/" in h or h.endswith((".ari", "_ci95", "_p95")) or "best_baseline" in h
                or h == "Created"], table
    assert lines[1].startswith("workspace") and any(line.startswith("└──") for line in lines[2:]), table


def _lock_without_records(repo: Path) -> dict:
    stages = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    for entry in stages.values():
        entry["outs"] = [out for out in entry.get("outs", []) if not out["path"].endswith("environment.json")]
    return stages


def test_same_params_give_the_same_bytes_under_other_kernels(tiny_repo, tmp_path, shell):
    other = reproduce(with_kernels(shell, KERNELS_B), tmp_path / "run_b", datasets=(DATASET,))
    rel = [f"data/features/{DATASET}/mels.npy", f"data/features/{DATASET}/chunks.parquet",
           f"data/features/{DATASET}/clipstats.parquet", f"data/features/{DATASET}/lyrics.parquet",
           f"models/{DATASET}/conv_bvae", f"models/{DATASET}/pca", f"data/latents/{DATASET}/conv_bvae.parquet",
           f"data/latents/{DATASET}/pca.parquet", f"data/latents/{DATASET}/dense_vae.parquet",
           f"data/clusters/{DATASET}/assignments.parquet", f"plots/{DATASET}/report.md", f"plots/{DATASET}/figures",
           f"data/raw/{DATASET}"]
    for r in rel:
        assert _digest(tiny_repo / r) == _digest(other / r), r
    lock_a, lock_b = _lock_without_records(tiny_repo), _lock_without_records(other)
    assert lock_b and all(lock_a[name] == entry for name, entry in lock_b.items())  # every output, every stage
    # the records say which kernels ran, and the reproduction check compares such runs exactly
    record_a, record_b = (json.loads((repo / "metrics" / DATASET / "environment.json").read_text())
                          for repo in (tiny_repo, other))
    kernels = [{pool["loaded_by"]: pool.get("kernel") for pool in r["thread_pools"] if pool["api"] == "blas"}
               for r in (record_a, record_b)]
    assert kernels == [{"numpy": "Haswell", "scipy": "Haswell"},
                       {"numpy": KERNELS_B["OPENBLAS_CORETYPE"], "scipy": KERNELS_B["OPENBLAS_CORETYPE"]}]
    assert record_a["settings"]["DNNL_MAX_CPU_ISA"] == "AVX512_CORE" and record_a["pinned"] == {}
    assert "DNNL_MAX_CPU_ISA" not in record_b["settings"]
    assert record_b["pinned"] == {"DNNL_MAX_CPU_ISA": "AVX512_CORE", "ATEN_CPU_CAPABILITY": "avx2"}
    check = load_script("check_reproduction")
    records = [{"metrics/tiny/environment.json": r} for r in (record_a, record_b)]
    assert check.choose_profile(*records, "cpu") == ("same_arithmetic", [])


def test_another_arithmetic_is_checked_against_the_committed_intervals(tiny_repo, tmp_path, shell):
    """torch's AVX-512 kernels, set by a machine's environment, give other lyric embeddings: the
    reproduction check reads why in the records, compares each score with its committed interval
    (the joint model and every score that reads the lyrics moved), and passes."""
    repo = tmp_path / "elsewhere"
    shutil.copytree(tiny_repo, repo, symlinks=True)
    if not _avx512():
        pytest.skip("needs a CPU with AVX-512 for torch's other kernels")
    elsewhere = with_kernels(shell, {"ATEN_CPU_CAPABILITY": "avx512"})
    elsewhere.dvc("repro", "--force", f"features@{DATASET}", f"lyrics@{DATASET}", cwd=repo)  # the record, the lyrics
    elsewhere.dvc("repro", cwd=repo)                                                       # what reads them
    assert _digest(repo / f"data/features/{DATASET}/lyrics.parquet") != \
        _digest(tiny_repo / f"data/features/{DATASET}/lyrics.parquet")  # other bits indeed
    check = elsewhere.run([sys.executable, "scripts/check_reproduction.py"], repo, check=False)
    assert "profile cross_machine" in check.stdout and "torch's AVX2 kernels -> AVX512" in check.stdout, check.stdout
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert "reproduction check (cross_machine): ok" in check.stdout


def _ran(output: str) -> set[str]:
    return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage")}


def test_a_code_change_reruns_the_stages_that_run_it_and_what_they_feed(tiny_repo, tmp_path, shell):
    repo = tmp_path / "code"
    shutil.copytree(tiny_repo, repo, symlinks=True)
    # the k-sweep stage module: run by the ksweep stages alone, whose table the report reads
    # (a module of the scoring end, so that the test re-runs minutes less than one upstream would)
    module = repo / "stages" / "ksweep.py"
    text = module.read_text()
    assert "write_csv(table.round(6), args.out)" in text
    module.write_text(text.replace("write_csv(table.round(6), args.out)", "write_csv(table.round(5), args.out)"))
    touched = {f"ksweep@{d}" for d in (DATASET, GTZAN)}
    assert _stale(shell, repo) == touched
    ran = _ran(shell.dvc("repro", cwd=repo).stdout)
    # the sweep's table changes, so the report follows; nothing upstream of them runs
    assert ran == touched | {f"report@{d}" for d in (DATASET, GTZAN)}


def test_a_local_remote_carries_data_and_models_to_a_fresh_checkout(tiny_repo, tmp_path, shell):
    repo, remote, clone = tmp_path / "pushed", tmp_path / "remote", tmp_path / "colleague"
    shutil.copytree(tiny_repo, repo, symlinks=True)
    shell.dvc("remote", "add", "-d", "shared", str(remote), cwd=repo)
    shell.run(["git", "commit", "-qam", "a shared DVC remote"], repo)
    shell.dvc("push", cwd=repo)
    # a colleague's machine: a git clone has the code, the lock and the metrics, not the data
    shell.run(["git", "clone", "-q", str(repo), str(clone)], tmp_path)
    assert not (clone / "models" / DATASET / "conv_bvae").exists()
    shell.dvc("pull", cwd=clone)
    assert (clone / "models" / DATASET / "conv_bvae" / "seed_1.pt").read_bytes() == \
        (tiny_repo / "models" / DATASET / "conv_bvae" / "seed_1.pt").read_bytes()
    assert _stale(shell, clone) == set()
    assert _ran(shell.dvc("repro", cwd=clone).stdout) == set()
