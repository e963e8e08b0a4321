"""Typed, validated parameters: one dataclass per ``params.yaml`` section.

The library itself never reads ``params.yaml``; stages call :func:`load_section`
and pass plain values on. A wrong key or value fails at once, naming the key.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml


class ParamsError(ValueError):
    """A parameter is missing, unknown, or has a bad value; the message names it."""


def _check(cond: bool, key: str, message: str) -> None:
    if not cond:
        raise ParamsError(f"params: {key}: {message}")


@dataclass(frozen=True)
class SyntheticParams:
    layout: Literal["hblm", "gtzan"] = "hblm"
    design: Literal["study", "crossed"] = "study"   # hblm layout
    tracks_per_cell: int = 10                       # hblm layout, crossed design
    scale: float = 1.0                              # hblm layout, study design
    tracks_per_genre: int = 10                      # gtzan layout
    plant_unreadable: bool = True                   # gtzan layout: one undecodable file, as in GTZAN
    seed: int = 0
    sample_rate: int = 22050
    min_seconds: float = 30.0                       # track lengths are drawn in [min, max]
    max_seconds: float = 45.0                       # (gtzan layout: every clip is max_seconds long)
    audio_format: Literal["flac", "wav"] = "flac"

    def validate(self, key: str) -> None:
        _check(self.tracks_per_cell >= 1, f"{key}.tracks_per_cell", "must be >= 1")
        _check(self.tracks_per_genre >= 1, f"{key}.tracks_per_genre", "must be >= 1")
        _check(self.scale > 0, f"{key}.scale", "must be > 0")
        _check(self.sample_rate >= 8000, f"{key}.sample_rate", "must be >= 8000")
        _check(0 < self.min_seconds <= self.max_seconds, f"{key}.min_seconds",
               "must be > 0 and <= max_seconds")


@dataclass(frozen=True)
class DatasetParams:
    format: Literal["synthetic", "hblm", "gtzan", "folder"] = "synthetic"
    source: str = ""          # https URL, local archive or local folder (real corpora)
    sha256: str = ""          # required with a URL
    labels_csv: str = ""      # folder format: optional CSV of labels and lyrics
    synthetic: SyntheticParams = field(default_factory=SyntheticParams)

    def validate(self, key: str) -> None:
        if self.format != "synthetic":
            _check(bool(self.source), f"{key}.source",
                   f"format {self.format!r} needs a source: an https URL, an archive or a folder")
        if self.source.startswith(("https://", "http://")):
            digest = self.sha256.lower()
            _check(len(digest) == 64 and all(c in "0123456789abcdef" for c in digest),
                   f"{key}.sha256", "a URL source needs its 64-hex-digit sha256")


@dataclass(frozen=True)
class SpectrogramParams:
    sample_rate: int = 22050
    crop_seconds: float = 30.0
    chunk_seconds: float = 3.0
    min_seconds: float = 3.0      # shorter tracks are skipped with a reason
    n_mels: int = 128
    n_fft: int = 2048
    hop_length: int = 512
    frames: int = 128
    top_db: float = 80.0
    dtype: Literal["float32", "float16"] = "float32"
    batch_size: int = 64

    def validate(self, key: str) -> None:
        _check(self.chunk_seconds > 0, f"{key}.chunk_seconds", "must be > 0")
        _check(self.crop_seconds >= self.chunk_seconds, f"{key}.crop_seconds",
               "must be >= chunk_seconds")
        for name in ("sample_rate", "n_mels", "n_fft", "hop_length", "frames", "batch_size"):
            _check(getattr(self, name) >= 1, f"{key}.{name}", "must be >= 1")
        _check(self.top_db > 0, f"{key}.top_db", "must be > 0")
        _check(self.chunk_seconds <= self.min_seconds, f"{key}.min_seconds",
               "must be >= chunk_seconds (a track needs at least one whole chunk)")


@dataclass(frozen=True)
class ClipStatsParams:
    sample_rate: int = 22050
    crop_seconds: float = 30.0

    def validate(self, key: str) -> None:
        _check(self.sample_rate >= 8000, f"{key}.sample_rate", "must be >= 8000")
        _check(self.crop_seconds > 0, f"{key}.crop_seconds", "must be > 0")


@dataclass(frozen=True)
class LyricsParams:
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    batch_size: int = 32

    def validate(self, key: str) -> None:
        _check(bool(self.model.strip()), f"{key}.model", "must name a model or a path")
        _check(self.batch_size >= 1, f"{key}.batch_size", "must be >= 1")


@dataclass(frozen=True)
class ComputeParams:
    device: str = "auto"
    threads: int = 2

    def validate(self, key: str) -> None:
        _check(self.device == "auto" or self.device.split(":")[0] in ("cpu", "cuda", "mps"),
               f"{key}.device", f"{self.device!r} is not auto, cpu, cuda[:n] or mps")
        _check(self.threads >= 1, f"{key}.threads", "must be >= 1")


@dataclass(frozen=True)
class ConvBVAEParams:
    kind: Literal["conv_bvae"] = "conv_bvae"
    latent_dim: int = 64
    beta: float = 4.0
    kl_warmup_epochs: int = 0
    lr: float = 1e-3
    batch_size: int = 32
    epochs: int = 50
    seed: int = 0


@dataclass(frozen=True)
class DenseAEParams:
    kind: Literal["dense_ae"] = "dense_ae"
    hidden_dim: int = 512
    latent_dim: int = 64
    lr: float = 1e-3
    batch_size: int = 32
    epochs: int = 50
    seed: int = 0


@dataclass(frozen=True)
class PCAParams:
    kind: Literal["pca"] = "pca"
    n_components: int = 64
    seed: int = 0


@dataclass(frozen=True)
class RawParams:
    kind: Literal["raw"] = "raw"


@dataclass(frozen=True)
class DenseVAEParams:
    kind: Literal["dense_vae"] = "dense_vae"
    latent_dim: int = 32
    hidden: list[int] = field(default_factory=lambda: [256, 128])
    beta: float = 1.0
    kl_warmup_epochs: int = 0
    lr: float = 1e-3
    batch_size: int = 128
    epochs: int = 100
    seed: int = 0


MODEL_KINDS = {cls.kind: cls for cls in (ConvBVAEParams, DenseAEParams, PCAParams, RawParams, DenseVAEParams)}
ModelParams = ConvBVAEParams | DenseAEParams | PCAParams | RawParams | DenseVAEParams
MODEL_SECTIONS = ("models", "stats_models")  # on mel chunks; on the clip statistics per track


def _validate_model(p: ModelParams, key: str) -> None:
    for name in ("latent_dim", "hidden_dim", "batch_size", "epochs", "n_components"):
        if hasattr(p, name):
            _check(getattr(p, name) >= 1, f"{key}.{name}", "must be >= 1")
    if hasattr(p, "lr"):
        _check(p.lr > 0, f"{key}.lr", "must be > 0")
    if hasattr(p, "beta"):
        _check(p.beta >= 0, f"{key}.beta", "must be >= 0")
    if hasattr(p, "hidden"):
        _check(len(p.hidden) == 2 and min(p.hidden) >= 1, f"{key}.hidden", "must be two sizes >= 1")
    if hasattr(p, "kl_warmup_epochs"):
        _check(p.kl_warmup_epochs >= 0, f"{key}.kl_warmup_epochs", "must be >= 0")


@dataclass(frozen=True)
class ClusterParams:
    kmeans_seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    kmeans_n_init: int = 10
    agglomerative_linkage: Literal["ward", "average", "complete", "single"] = "ward"
    dbscan_min_samples: int = 5
    dbscan_eps_quantile: float = 0.5
    k_without_labels: list[int] = field(default_factory=lambda: [2, 4, 8])

    def validate(self, key: str) -> None:
        _check(len(self.kmeans_seeds) >= 1, f"{key}.kmeans_seeds", "needs at least one seed")
        _check(self.kmeans_n_init >= 1, f"{key}.kmeans_n_init", "must be >= 1")
        _check(self.dbscan_min_samples >= 2, f"{key}.dbscan_min_samples", "must be >= 2")
        _check(0 < self.dbscan_eps_quantile < 1, f"{key}.dbscan_eps_quantile",
               "must be strictly between 0 and 1")


@dataclass(frozen=True)
class ReportParams:
    headline_model: str = "conv_bvae"
    tsne_seed: int = 0
    tsne_perplexity: float = 30.0
    n_reconstructions: int = 4

    def validate(self, key: str) -> None:
        _check(self.n_reconstructions >= 1, f"{key}.n_reconstructions", "must be >= 1")


SECTIONS: dict[str, type] = {
    "spectrograms": SpectrogramParams,
    "clipstats": ClipStatsParams,
    "lyrics": LyricsParams,
    "compute": ComputeParams,
    "cluster": ClusterParams,
    "report": ReportParams,
}


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key)
    if origin is Literal:
        choices = typing.get_args(tp)
        _check(value in choices, key, f"{value!r} is not one of {list(choices)}")
        return value
    if origin is list:
        _check(isinstance(value, list), key, f"expected a list, got {value!r}")
        (item_tp,) = typing.get_args(tp)
        return [_coerce(v, item_tp, f"{key}[{i}]") for i, v in enumerate(value)]
    if tp is bool:
        _check(isinstance(value, bool), key, f"expected true or false, got {value!r}")
        return value
    if tp is int:
        _check(isinstance(value, int) and not isinstance(value, bool), key,
               f"expected an integer, got {value!r}")
        return value
    if tp is float:
        _check(isinstance(value, (int, float)) and not isinstance(value, bool), key,
               f"expected a number, got {value!r}")
        return float(value)
    if tp is str:
        _check(isinstance(value, str), key, f"expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported parameter type {tp!r} for {key}")


def build(cls: type, data: Any, key: str):
    """Build dataclass ``cls`` from a mapping, naming ``key`` in any error."""
    if data is None:
        data = {}
    _check(isinstance(data, dict), key, f"expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    _check(not unknown, f"{key}.{unknown[0]}" if unknown else key,
           f"unknown key (known: {', '.join(sorted(names))})")
    values = {name: _coerce(v, hints[name], f"{key}.{name}") for name, v in data.items()}
    obj = cls(**values)
    if hasattr(obj, "validate"):
        obj.validate(key)
    return obj


def build_model(name: str, data: Any, section: str = "models") -> ModelParams:
    """Build the params of model ``name`` (``<section>.<name>``), dispatched on ``kind``."""
    key = f"{section}.{name}"
    _check(isinstance(data, dict) and "kind" in data, f"{key}.kind",
           f"missing; one of {sorted(MODEL_KINDS)}")
    kind = data["kind"]
    _check(kind in MODEL_KINDS, f"{key}.kind", f"{kind!r} is not one of {sorted(MODEL_KINDS)}")
    params = build(MODEL_KINDS[kind], data, key)
    _validate_model(params, key)
    return params


def read_params(path: str | Path = "params.yaml") -> dict:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"params: {path} not found") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"params: {path} is not valid YAML: {exc}") from None
    _check(isinstance(data, dict), str(path), "must be a mapping of sections")
    return data


def load_section(name: str, path: str | Path = "params.yaml"):
    """Load and validate one top-level section of ``params.yaml``."""
    data = read_params(path)
    _check(name in data, name, f"section missing from {path}")
    return build(SECTIONS[name], data[name], name)


def load_models(path: str | Path = "params.yaml", section: str = "models") -> dict[str, ModelParams]:
    """Load and validate every entry of a models section, by name."""
    data = read_params(path)
    models = data.get(section)
    _check(isinstance(models, dict) and bool(models), section, "must map model names to params")
    return {name: build_model(name, entry, section) for name, entry in models.items()}


def load_model(name: str, path: str | Path = "params.yaml", section: str = "models") -> ModelParams:
    data = read_params(path)
    _check(section in MODEL_SECTIONS, section, f"not a models section {MODEL_SECTIONS}")
    models = data.get(section) or {}
    _check(name in models, f"{section}.{name}", f"no such model (have: {', '.join(models)})")
    other = [s for s in MODEL_SECTIONS if s != section and name in (data.get(s) or {})]
    if other:
        raise ParamsError(f"params: {section}.{name}: the name is also used in {other[0]}: names must be unique")
    return build_model(name, models[name], section)


def load_dataset(name: str, path: str | Path = "params.yaml") -> DatasetParams:
    """The entry ``datasets.<name>``, validated."""
    data = read_params(path)
    datasets = data.get("datasets") or {}
    _check(name in datasets, f"datasets.{name}", f"no such dataset (have: {', '.join(datasets)})")
    _check(name.replace("_", "").replace("-", "").isalnum(), f"datasets.{name}",
           "dataset names are plain names (letters, digits, _ and -)")
    return build(DatasetParams, datasets[name], f"datasets.{name}")


def load_run(path: str | Path = "params.yaml") -> list[str]:
    """The ``run`` list: the datasets the pipeline runs on, each a key of ``datasets``."""
    data = read_params(path)
    run = data.get("run")
    _check(isinstance(run, list) and bool(run) and all(isinstance(r, str) for r in run), "run",
           "must be a non-empty list of dataset names")
    for i, name in enumerate(run):
        _check(name in (data.get("datasets") or {}), f"run[{i}]", f"{name!r} is not a key of datasets")
    return run
