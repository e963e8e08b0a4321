from pathlib import Path

import pytest
import yaml

from musiclust.params import ParamsError, build_model, load_models, load_section, SECTIONS

REPO = Path(__file__).resolve().parents[1]


def test_repository_params_are_valid():
    for name in SECTIONS:
        load_section(name, REPO / "params.yaml")
    models = load_models(REPO / "params.yaml")
    assert models["conv_bvae"].beta == 4.0 and models["conv_bvae"].latent_dim == 64


def _write(tmp_path, data):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("section, data, key", [
    ("spectrograms", {"n_mel": 128}, "spectrograms.n_mel"),
    ("spectrograms", {"n_mels": "many"}, "spectrograms.n_mels"),
    ("spectrograms", {"dtype": "float64"}, "spectrograms.dtype"),
    ("spectrograms", {"crop_seconds": 1.0, "chunk_seconds": 3.0}, "spectrograms.crop_seconds"),
    ("fetch", {"synthetic": {"design": "diagonal"}}, "fetch.synthetic.design"),
    ("fetch", {"synthetic": {"min_seconds": 50.0, "max_seconds": 40.0}}, "fetch.synthetic.min_seconds"),
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
    p = build_model("b1", {"kind": "conv_bvae", "beta": 1})
    assert p.beta == 1.0 and isinstance(p.beta, float)
    with pytest.raises(ParamsError, match="models.x.kind"):
        build_model("x", {"kind": "gan"})
    with pytest.raises(ParamsError, match="models.x.beta"):
        build_model("x", {"kind": "dense_ae", "beta": 1.0})
    with pytest.raises(ParamsError, match="models.x.epochs"):
        build_model("x", {"kind": "conv_bvae", "epochs": 0})


def test_fetch_sources_are_checked(tmp_path):
    with pytest.raises(ParamsError, match="fetch.source"):
        load_section("fetch", _write(tmp_path, {"fetch": {"format": "hblm"}}))
    with pytest.raises(ParamsError, match="fetch.sha256"):
        load_section("fetch", _write(tmp_path, {"fetch": {"format": "gtzan", "source": "https://x/y.zip"}}))
    ok = load_section("fetch", _write(tmp_path, {"fetch": {"format": "folder", "source": "/music"}}))
    assert ok.source == "/music"
