"""Where each stage reads and writes, by dataset name (mirrors dvc.yaml)."""

from pathlib import Path


def raw_dir(dataset: str) -> Path:
    return Path("data/raw") / dataset


def features_dir(dataset: str) -> Path:
    return Path("data/features") / dataset


def model_file(dataset: str, model: str) -> Path:
    return Path("models") / dataset / f"{model}.pt"


def latents_dir(dataset: str) -> Path:
    return Path("data/latents") / dataset


def clusters_file(dataset: str) -> Path:
    return Path("data/clusters") / dataset / "assignments.parquet"


def metrics_dir(dataset: str) -> Path:
    return Path("metrics") / dataset


def plots_dir(dataset: str) -> Path:
    return Path("plots") / dataset
