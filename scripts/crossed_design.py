"""The crossed design (every language x every genre), run as an experiment, summarised.

    dvc exp run -n crossed -S 'run=[hblm_synth]' -S datasets.hblm_synth.synthetic.design=crossed
    python scripts/crossed_design.py        # experiments/crossed_design.json

On the study's design lyrics alone nearly tell language x genre (each language has its own
genres); on the crossed design they cannot pass the language-only floor, so the design shows
whether a representation carries genre as well as language. For the joint model, the post-hoc
hybrids and their parts: track-level KMeans NMI and ARI against language x genre (mean and 95%
interval over training seeds, the song bootstrap's interval, the song-level null's 95th percentile
and q-value) with each representation's label floors that keep k (its clusterings shuffled within
language, and within genre), and the experiment's tested comparisons. scripts/readme_results.py
shows the file.
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
    data = committed_json(rev, f"metrics/{DATASET}/data.json")
    claims = committed_json(rev, f"metrics/{DATASET}/claims.json")["claims"]
    keys = [f"{m}{suffix}" for m in ("nmi", "ari") for suffix in ("", "_ci95", "_boot_lo", "_boot_hi", "_null_p95", "_q")]
    keys += [f"{m}_floor_{label}_{part}" for m in ("nmi", "ari") for label in ("language", "genre") for part in ("p95", "p")]
    scores = {rep: {k: kmeans[rep][TARGET][k] for k in keys + ["runs", "seeds"] if k in kmeans[rep][TARGET]}
              for rep in REPRESENTATIONS if rep in kmeans}
    return {"dataset": DATASET, "design": "crossed", "tracks": data["tracks_used"], "target": TARGET,
            "track_kmeans": scores, "claims": claims}


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
