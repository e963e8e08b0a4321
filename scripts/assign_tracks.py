"""Assign a folder of new audio files to the clusters a trained pipeline learned.

    python -m scripts.assign_tracks --dataset hblm_synth --folder path/to/new/audio --out new.csv
    python -m scripts.assign_tracks --dataset gtzan_synth --folder songs/ --representation conv_bvae_b1 \\
        --k 10 --train-seed 1 --out new.csv

Each file is decoded with the params' spectrogram recipe, encoded by the representation's trained
model (models/<dataset>/<representation>/seed_<n>.pt) and given the cluster whose centroid over
the training songs is nearest (the rule the held-out test songs were scored under). Writes one
row per track (or chunk, with --level chunk): track_id, path, status, cluster; and prints what
each cluster holds among the training songs (its most common language and genre).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from musiclust.assign import Clustering, assign_folder, cluster_profile
from musiclust.cluster import ClusterParams
from musiclust.config import InputError
from musiclust.io import read_vectors, write_csv
from musiclust.mel_config import MelConfig
from musiclust.models import load_models
from musiclust.report import ReportParams
from stages.params import load_section  # the project's params reader: run from the checkout, with -m

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True, help="the corpus whose learned clusters to use")
    parser.add_argument("--folder", type=Path, required=True, help="a folder of audio files (any depth)")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write")
    parser.add_argument("--representation", default=None, help="an audio model (default: report.headline_model)")
    parser.add_argument("--level", choices=("track", "chunk"), default="track")
    parser.add_argument("--algorithm", default="kmeans")
    parser.add_argument("--k", type=int, default=0, help="which k (needed where there were several)")
    parser.add_argument("--train-seed", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0, help="the clustering seed (-1: an unseeded algorithm)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the pipeline's folder (its params.yaml and outputs)")
    args = parser.parse_args(argv)
    root = args.root
    try:
        name = args.representation or load_section("report", ReportParams, root / "params.yaml").headline_model
        clustering = Clustering(name, args.level, args.algorithm, args.k, args.train_seed, args.seed)
        kind, models = load_models(root / "models" / args.dataset / name)
        if args.train_seed not in models:
            raise InputError(f"models/{args.dataset}/{name}: no model of training seed {args.train_seed}")
        assignments = pd.read_parquet(root / "data" / "clusters" / args.dataset / "assignments.parquet")
        rows, latents = read_vectors(root / "data" / "latents" / args.dataset / f"{name}.parquet", "z")
        mel = load_section("spectrograms", MelConfig, root / "params.yaml")
        pooling = load_section("cluster", ClusterParams, root / "params.yaml").track_pooling
        result = assign_folder(args.folder, encoder=models[args.train_seed], kind=kind, clustering=clustering,
                               assignments=assignments, rows=rows, latents=latents, mel=mel, track_pooling=pooling)
        tracks = pd.read_parquet(root / "data" / "raw" / args.dataset / "tracks.parquet")
        profile = cluster_profile(assignments, tracks, clustering)
    except (InputError, FileNotFoundError) as err:
        raise SystemExit(f"error: {err}") from None
    write_csv(result, args.out)
    print(f"{len(result)} rows → {args.out}")
    print("What each cluster holds among the training songs:")
    print(profile.to_string(index=False))


if __name__ == "__main__":
    main()
