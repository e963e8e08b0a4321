"""The crossed design (every language x every genre), run as an experiment, summarised.

    dvc exp run -n crossed -S 'run=[hblm_synth]' -S datasets.hblm_synth.synthetic.design=crossed
    python scripts/crossed_design.py        # experiments/crossed_design.json

On the study's design lyrics alone nearly tell language x genre (each language has its own
genres); on the crossed design they cannot pass the language-only floor, so the design shows
whether a representation carries genre as well as language. For the joint model, the post-hoc
hybrids and their parts: track-level KMeans NMI and ARI against language x genre (mean and 95%
interval over training x KMeans seeds, with the permutation null's 95th percentile) and the
label-only floors. scripts/readme_results.py shows the file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _experiments import committed_json, experiment_rev

from musiclust.io import write_json

ROOT = Path(__file__).resolve().parents[1]

DATASET = "hblm_synth"
EXPERIMENT = "crossed"
REPRESENTATIONS = ("joint_bvae", "joint_bvae_audio", "conv_bvae+lyrics", "conv_bvae_b1+lyrics", "conv_bvae",
                   "clipstats", "clipstats+lyrics", "lyrics")
TARGET = "language_genre"


def summarise() -> dict:
    rev = experiment_rev(EXPERIMENT, "run it as this script's docstring says")
    kmeans = committed_json(rev, f"metrics/{DATASET}/kmeans.json")["track"]
    floors = committed_json(rev, f"metrics/{DATASET}/floors.json")["track"][TARGET]
    data = committed_json(rev, f"metrics/{DATASET}/data.json")
    scores = {rep: {m: kmeans[rep][TARGET][m] for m in ("nmi", "nmi_ci95", "nmi_null_p95", "ari", "ari_ci95",
                                                         "ari_null_p95", "runs")}
              for rep in REPRESENTATIONS if rep in kmeans}
    return {"dataset": DATASET, "design": "crossed", "tracks": data["tracks_used"], "target": TARGET,
            "floors": floors, "track_kmeans": scores}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "crossed_design.json")
    args = parser.parse_args()
    result = summarise()
    write_json(result, args.out)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
