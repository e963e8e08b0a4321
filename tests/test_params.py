import re

import pytest
import yaml

from musiclust.audio import MelConfig
from musiclust.cluster import ClusterParams
from musiclust.compute import ComputeParams, Parallelism
from musiclust.datasets import DatasetParams
from musiclust.evaluate import EvaluateParams
from musiclust.ksweep import KSweepParams
from musiclust.models import KINDS, EncodeParams
from musiclust.report import ReportParams
from musiclust.text import LyricsParams
from stages.params import (
    ParamsError,
    build,
    build_model,
    load_dataset,
    load_entry,
    load_environment,
    load_model,
    load_models,
    load_run,
    load_section,
)

SECTIONS = {"spectrograms": MelConfig, "compute": ComputeParams, "encode": EncodeParams,
            "cluster": ClusterParams, "evaluate": EvaluateParams, "ksweep": KSweepParams, "report": ReportParams}



def test_repository_params_are_valid(repo):
    for name in SECTIONS:
        load_section(name, SECTIONS[name], repo / "params.yaml")
    models = load_models(KINDS, repo / "params.yaml")
    kind, config = models["conv_bvae"]
    assert kind == "conv_bvae" and config.beta == 4.0 and config.latent_dim == 64
    assert load_models(KINDS, repo / "params.yaml", "stats_models")["dense_vae"][1].latent_dim == 32
    assert load_models(KINDS, repo / "params.yaml", "joint_models")["joint_bvae"][0] == "joint_bvae"
    kind, lyrics = load_entry("lyrics", KINDS, repo / "params.yaml")
    assert kind == "sentence_embedding" and isinstance(lyrics, LyricsParams)
    for name in load_run(repo / "params.yaml"):
        assert load_dataset(name, DatasetParams, repo / "params.yaml").format in ("synthetic", "hblm", "gtzan", "folder")


def _write(tmp_path, data):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("section, data, key", [
    ("spectrograms", {"n_mel": 128}, "spectrograms.n_mel"),
    ("spectrograms", {"n_mels": "many"}, "spectrograms.n_mels"),
    ("spectrograms", {"dtype": "float64"}, "spectrograms.dtype"),
    ("spectrograms", {"crop_seconds": 1.0, "chunk_seconds": 3.0}, "spectrograms.crop_seconds"),
    ("spectrograms", {"min_seconds": 1.0}, "spectrograms.min_seconds"),
    ("compute", {"device": "tpu"}, "compute.device"),
    ("cluster", {"kmeans_seeds": [0, "one"]}, "cluster.kmeans_seeds[1]"),
    ("cluster", {"dbscan_eps_quantile": 1.5}, "cluster.dbscan_eps_quantile"),
])
def test_bad_values_name_the_key(tmp_path, section, data, key):
    path = _write(tmp_path, {section: data})
    with pytest.raises(ParamsError) as err:
        load_section(section, SECTIONS[section], path)
    assert key in str(err.value)


def test_missing_section_is_named(tmp_path):
    with pytest.raises(ParamsError, match="lyrics"):
        load_entry("lyrics", KINDS, _write(tmp_path, {"fetch": {}}))


@pytest.mark.parametrize("section, entry, message", [
    ("stats_models", {"kind": "conv_bvae"}, "a conv_bvae reads mels, not clipstats: put it under models"),
    ("models", {"kind": "joint_bvae"}, "a joint_bvae reads mels, lyrics, not mels: put it under joint_models"),
    ("models", {"kind": "sentence_embedding"}, "a sentence_embedding reads texts, not mels: no models section serves it"),
])
def test_a_kind_in_the_section_of_other_inputs_is_refused(section, entry, message):
    with pytest.raises(ParamsError, match=f"{section}.m.kind: {message}"):
        build_model("m", entry, KINDS, section)


def test_process_counts_come_from_the_environment_and_are_checked():
    assert load_environment(Parallelism, {}) == Parallelism()
    got = load_environment(Parallelism, {"MUSICLUST_WORKERS": "3", "MUSICLUST_SCHEDULER": "local",
                                         "MUSICLUST_LOADER_WORKERS": "2"})
    assert (got.workers, got.scheduler, got.loader_workers) == (3, "local", 2)
    with pytest.raises(ParamsError, match="MUSICLUST_WORKERS: expected an integer, got 'two'"):
        load_environment(Parallelism, {"MUSICLUST_WORKERS": "two"})
    with pytest.raises(ParamsError, match="MUSICLUST_LOADER_WORKERS: must be >= 0"):
        load_environment(Parallelism, {"MUSICLUST_LOADER_WORKERS": "-1"})
    with pytest.raises(ParamsError, match="MUSICLUST_SCHEDULER: 'host:8786' is not empty, local"):
        load_environment(Parallelism, {"MUSICLUST_SCHEDULER": "host:8786"})


def test_output_invariant_knobs_are_not_params(repo):
    """Process counts that change no byte are not in params.yaml, so changing them re-runs nothing."""
    compute = yaml.safe_load((repo / "params.yaml").read_text())["compute"]
    assert not {"workers", "scheduler", "loader_workers"} & set(compute)
    with pytest.raises(ParamsError, match="compute.workers: unknown key"):
        build(ComputeParams, {"workers": 2}, "compute")


def test_model_params_dispatch_on_kind():
    kind, p = build_model("b1", {"kind": "conv_bvae", "beta": 1}, KINDS)
    assert kind == "conv_bvae" and p.beta == 1.0 and isinstance(p.beta, float)
    with pytest.raises(ParamsError, match="models.x.kind"):
        build_model("x", {"kind": "gan"}, KINDS)
    with pytest.raises(ParamsError, match="models.x.beta"):
        build_model("x", {"kind": "dense_ae", "beta": 1.0}, KINDS)
    with pytest.raises(ParamsError, match="models.x.epochs"):
        build_model("x", {"kind": "conv_bvae", "epochs": 0}, KINDS)


def test_dataset_entries_are_checked(tmp_path):
    def ds(entry):
        return _write(tmp_path, {"datasets": {"d": entry}, "run": ["d"]})

    with pytest.raises(ParamsError, match="datasets.d.source"):
        load_dataset("d", DatasetParams, ds({"format": "hblm"}))
    with pytest.raises(ParamsError, match="datasets.d.sha256"):
        load_dataset("d", DatasetParams, ds({"format": "gtzan", "source": "https://x/y.zip"}))
    with pytest.raises(ParamsError, match="datasets.d.synthetic.design"):
        load_dataset("d", DatasetParams, ds({"synthetic": {"design": "diagonal"}}))
    with pytest.raises(ParamsError, match="datasets.d.synthetic.min_seconds"):
        load_dataset("d", DatasetParams, ds({"synthetic": {"min_seconds": 50.0, "max_seconds": 40.0}}))
    with pytest.raises(ParamsError, match="datasets.e"):
        load_dataset("e", DatasetParams, ds({}))
    assert load_dataset("d", DatasetParams, ds({"format": "folder", "source": "/music"})).source == "/music"
    with pytest.raises(ParamsError, match=r"run\[1\]"):
        load_run(_write(tmp_path, {"datasets": {"d": {}}, "run": ["d", "nope"]}))


def test_model_names_are_unique_across_sections(tmp_path):
    path = _write(tmp_path, {"models": {"m": {"kind": "pca"}}, "stats_models": {"m": {"kind": "dense_vae"}}})
    with pytest.raises(ParamsError, match="also used"):
        load_model("m", KINDS, path, section="stats_models")


@pytest.mark.parametrize("section, data, key", [
    ("cluster", {"kmeans_seeds": [0, -1]}, "cluster.kmeans_seeds[1]"),
    ("cluster", {"kmeans_seeds": [2**32]}, "cluster.kmeans_seeds[0]"),
    ("cluster", {"k_without_labels": [0, 1, -3]}, "cluster.k_without_labels[0]"),
    ("report", {"tsne_perplexity": 0.0}, "report.tsne_perplexity"),
    ("report", {"tsne_seed": -5}, "report.tsne_seed"),
    ("spectrograms", {"crop_seconds": float("inf")}, "spectrograms.crop_seconds"),
    ("spectrograms", {"top_db": float("nan")}, "spectrograms.top_db"),
])
def test_values_that_would_fail_hours_later_fail_at_load(tmp_path, section, data, key):
    with pytest.raises(ParamsError) as err:
        load_section(section, SECTIONS[section], _write(tmp_path, {section: data}))
    assert key in str(err.value)


@pytest.mark.parametrize("entry, key", [
    ({"kind": "conv_bvae", "seeds": [2**32]}, "models.x.seeds[0]"),
    ({"kind": "conv_bvae", "seeds": []}, "models.x.seeds"),
    ({"kind": "conv_bvae", "seeds": [1, 1]}, "models.x.seeds"),
    ({"kind": "conv_bvae", "lr": float("inf")}, "models.x.lr"),
    ({"kind": "dense_vae", "beta": float("inf")}, "models.x.beta"),
    ({"kind": "pca", "seeds": [-1]}, "models.x.seeds[0]"),
])
def test_model_values_are_range_checked(entry, key):
    with pytest.raises(ParamsError, match=re.escape(key)):
        build_model("x", entry, KINDS)


def test_an_unknown_headline_model_stops_every_stage_at_once(tmp_path):
    path = _write(tmp_path, {"models": {"conv_bvae": {"kind": "conv_bvae"}}, "report": {"headline_model": "nope"},
                             "lyrics": {}})
    with pytest.raises(ParamsError, match=r"report\.headline_model: 'nope' is not a key of models"):
        load_section("lyrics", LyricsParams, path)  # the lyrics stage does not even read report


@pytest.mark.parametrize("report, message", [
    ({"headline_model": "conv_bvae", "joint_model": "nope"}, r"report\.joint_model: 'nope' is not a key of joint_models"),
    ({"headline_model": "conv_bvae", "joint_model": "joint_bvae", "joint_baselines": ["conv_bvae", "gone"]},
     r"report\.joint_baselines\[1\]: 'gone' is not a key of models"),
])
def test_report_names_of_joint_models_and_baselines_are_checked(tmp_path, report, message):
    path = _write(tmp_path, {"models": {"conv_bvae": {"kind": "conv_bvae"}},
                             "joint_models": {"joint_bvae": {"kind": "joint_bvae"}}, "report": report, "lyrics": {}})
    with pytest.raises(ParamsError, match=message):
        load_section("lyrics", LyricsParams, path)
