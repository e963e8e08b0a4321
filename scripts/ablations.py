"""Ablations of the audio input and the track pooling, and whether the networks can fit, through DVC's
experiment queue on both embedded corpora; each experiment changes settings of the committed workspace.

    python scripts/ablations.py queue       # one experiment per setting; dvc queue start; wait
    python scripts/ablations.py summarise   # experiments/ablations.json

``level-absolute``: ``spectrograms.level=absolute`` (dB re a full-scale sine, the same scale for
every chunk, instead of the study's dB re each chunk's maximum min-max scaled per chunk: a chunk's
level survives). ``pooling-mean``: ``cluster.track_pooling=[mean]`` (the study's track row, the mean
of its chunks, instead of mean and std). ``converged-ae``: the conv network without its KL term
(``models.conv_bvae_b1.beta=0``) and the dense AE, each allowed 100 epochs (early stopping still
ends them on a plateau), trained only (their train stages) and on training seed 0 only (a question
of capacity, not of spread; about 6 s an epoch on 2 cores): can the networks and the optimiser fit,
that is reconstruct held-out chunks better than PCA(64), and do they stop on a plateau?
``joint-private``: the joint model with 16 of its 64 latent dimensions private to each modality
(``joint_models.joint_bvae.private_dim=16``); the joint latent and the post-hoc hybrid are also
scored against language x genre.

Each experiment is set beside the commit it ran on (its parent), not whatever HEAD is now.

Per experiment and corpus: each audio representation's track-level KMeans AMI and NMI against
genre on the validation songs (what a choice may read) and on the test songs (the mean over
training seeds of the KMeans-seed means, with the 95% t-interval over training seeds), and every
network's and PCA's reconstruction error per chunk on the validation songs, from the weights kept.
scripts/readme_results.py shows the file; nothing here is chosen by test labels.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
from pathlib import Path

import pandas as pd
import yaml
from _experiments import (
    PIPELINE_VERSION,
    baseline_of,
    committed_bytes,
    committed_json,
    committed_text,
    dvc,
    experiment_rev,
    run_queued,
)
from beta_sweep import split_scores

from musiclust.io import write_json

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ("hblm_synth", "gtzan_synth")
AUDIO = ("conv_bvae", "conv_bvae_b1", "dense_ae", "pca", "raw", "musicnn", "joint_bvae_audio", "dense_vae",
         "clipstats")
JOINT = ("joint_bvae", "conv_bvae_b1+lyrics")  # also scored against language x genre where a corpus has both
RECONSTRUCTION = ("conv_bvae", "conv_bvae_b1", "dense_ae", "pca")
EXPERIMENTS = {  # queued in this order
    "converged-ae": ["models.conv_bvae_b1.beta=0", "models.conv_bvae_b1.epochs=100", "models.conv_bvae_b1.seeds=[0]",
                     "models.dense_ae.epochs=100", "models.dense_ae.seeds=[0]"],
    "level-absolute": ["spectrograms.level=absolute"],
    "pooling-mean": ["cluster.track_pooling=[mean]"],
    "joint-private": ["joint_models.joint_bvae.private_dim=16"],
}
TRAIN_ONLY = {"converged-ae": [f"train@{ds}-{model}" for ds in DATASETS for model in ("conv_bvae_b1", "dense_ae")]}
HOW = "run `python scripts/ablations.py queue` first"


def queue(poll_s: float = 30.0) -> None:
    run_queued(EXPERIMENTS, poll_s, targets=TRAIN_ONLY)


def reconstruction(rev: str, dataset: str) -> dict:
    """Mean over training seeds of each network's (and PCA's) validation-song reconstruction error."""
    out = {}
    for model in RECONSTRUCTION:
        train = committed_json(rev, f"metrics/{dataset}/train/{model}.json")
        out[model] = {"validation_reconstruction": round(statistics.fmean(
            s["validation_reconstruction"] for s in train.values()), 6),
            "stopped_on_plateau": sum(s.get("stopped") == "plateau" for s in train.values()), "seeds": len(train)}
    return out


def scores(rev: str, dataset: str) -> dict:
    runs = pd.read_parquet(io.BytesIO(committed_bytes(rev, f"metrics/{dataset}/runs.parquet")))
    kmeans = committed_json(rev, f"metrics/{dataset}/kmeans.json")["track"]
    both = "language_genre" in set(runs["target"])
    return {rep: split_scores(runs, kmeans[rep], rep, ("genre", "language_genre") if both and rep in JOINT else ("genre",))
            for rep in AUDIO + JOINT if rep in kmeans}


def _baseline(rev: str) -> dict:
    return {"commit": rev, "datasets": {ds: {"scores": scores(rev, ds), "reconstruction": reconstruction(rev, ds)}
                                        for ds in DATASETS}}


def summarise(out: Path) -> dict:
    done = set(dvc("exp", "list", "--all-commits", "--name-only").split())
    summary: dict = {"baselines": {}, "not_run": [name for name in EXPERIMENTS if name not in done]}
    for name, sets in EXPERIMENTS.items():
        if name not in done:
            continue
        rev = experiment_rev(name, HOW)
        base = baseline_of(rev)
        # Commits with the same dvc.lock hold the same results: one baseline for them (the first).
        lock = committed_text(base, "dvc.lock")
        base = next((seen for seen in summary["baselines"] if committed_text(seen, "dvc.lock") == lock), base)
        if base not in summary["baselines"]:
            summary["baselines"][base] = _baseline(base)
        params = yaml.safe_load(committed_text(rev, "params.yaml"))
        entry = {"sets": sets, "baseline": base, "conv_bvae_b1_beta": params["models"]["conv_bvae_b1"]["beta"],
                 "datasets": {}}
        for ds in DATASETS:
            entry["datasets"][ds] = {"reconstruction": reconstruction(rev, ds)}
            if name not in TRAIN_ONLY:
                entry["datasets"][ds]["scores"] = scores(rev, ds)
        summary[name] = entry
    summary['pipeline'] = PIPELINE_VERSION
    write_json(summary, out)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("queue", "summarise"))
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "ablations.json")
    args = parser.parse_args(argv)
    if args.action == "queue":
        queue()
    else:
        summarise(args.out)
        print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
