from pathlib import Path

import pytest
import yaml

from stages.params import (SECTIONS, ParamsError, build_model, load_dataset, load_model, load_models, load_run,
                           load_section)

REPO = Path(__file__).resolve().parents[1]


def test_repository_params_are_valid():
    for name in SECTIONS:
        load_section(name, REPO / "params.yaml")
    models = load_models(REPO / "params.yaml")
    kind, config = models["conv_bvae"]
    assert kind == "conv_bvae" and config.beta == 4.0 and config.latent_dim == 64
    assert load_models(REPO / "params.yaml", "stats_models")["dense_vae"][1].latent_dim == 32
    for name in load_run(REPO / "params.yaml"):
        assert load_dataset(name, REPO / "params.yaml").format in ("synthetic", "hblm", "gtzan", "folder")


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
        load_section(section, path)
    assert key in str(err.value)


def test_missing_section_is_named(tmp_path):
    with pytest.raises(ParamsError, match="lyrics"):
        load_section("lyrics", _write(tmp_path, {"fetch": {}}))


def test_model_params_dispatch_on_kind():
    kind, p = build_model("b1", {"kind": "conv_bvae", "beta": 1})
    assert kind == "conv_bvae" and p.beta == 1.0 and isinstance(p.beta, float)
    with pytest.raises(ParamsError, match="models.x.kind"):
        build_model("x", {"kind": "gan"})
    with pytest.raises(ParamsError, match="models.x.beta"):
        build_model("x", {"kind": "dense_ae", "beta": 1.0})
    with pytest.raises(ParamsError, match="models.x.epochs"):
        build_model("x", {"kind": "conv_bvae", "epochs": 0})


def test_dataset_entries_are_checked(tmp_path):
    def ds(entry):
        return _write(tmp_path, {"datasets": {"d": entry}, "run": ["d"]})

    with pytest.raises(ParamsError, match="datasets.d.source"):
        load_dataset("d", ds({"format": "hblm"}))
    with pytest.raises(ParamsError, match="datasets.d.sha256"):
        load_dataset("d", ds({"format": "gtzan", "source": "https://x/y.zip"}))
    with pytest.raises(ParamsError, match="datasets.d.synthetic.design"):
        load_dataset("d", ds({"synthetic": {"design": "diagonal"}}))
    with pytest.raises(ParamsError, match="datasets.d.synthetic.min_seconds"):
        load_dataset("d", ds({"synthetic": {"min_seconds": 50.0, "max_seconds": 40.0}}))
    with pytest.raises(ParamsError, match="datasets.e"):
        load_dataset("e", ds({}))
    assert load_dataset("d", ds({"format": "folder", "source": "/music"})).source == "/music"
    with pytest.raises(ParamsError, match=r"run\[1\]"):
        load_run(_write(tmp_path, {"datasets": {"d": {}}, "run": ["d", "nope"]}))


def test_model_names_are_unique_across_sections(tmp_path):
    path = _write(tmp_path, {"models": {"m": {"kind": "pca"}}, "stats_models": {"m": {"kind": "dense_vae"}}})
    with pytest.raises(ParamsError, match="also used"):
        load_model("m", path, section="stats_models")
