"""The crossed design (every language x every genre), run as an experiment, summarised.

    python scripts/crossed_design.py queue       # the experiment `crossed` through DVC's queue (SETTINGS)
    python scripts/crossed_design.py summarise   # experiments/crossed_design.json

On the study's design lyrics alone nearly tell language x genre (each language has its own
genres); on the crossed design they cannot pass the language-only floor, so the design shows
whether a representation carries genre as well as language. For the joint model, the post-hoc
hybrids and their parts: track-level KMeans NMI and ARI against language x genre (mean and 95%
interval over training seeds, the song bootstrap's interval, the song-level null's 95th percentile
and q-value) with each representation's label floors that keep k (its clusterings shuffled within
language, and within genre), and the experiment's tested comparisons. scripts/readme_results.py
shows the file.

The experiment also scores disentanglement as published against the generator's known factors:
the corpus is larger (25 songs per cell: 200 songs, about 2,000 chunks) and evaluate scores MIG,
DCI and SAP of every audio code against language, genre and the per-song factors the synthesiser
drew (tempo, key, mode, metre, vocals, lead instrument, level; metrics/<dataset>/factors.json),
each beside random codes of the same size.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _experiments import PIPELINE_VERSION, committed_json, experiment_rev, run_queued

from musiclust.io import write_json

ROOT = Path(__file__).resolve().parents[1]

DATASET = "hblm_synth"
EXPERIMENT = "crossed"
REPRESENTATIONS = ("joint_bvae", "joint_bvae_audio", "conv_bvae+lyrics", "conv_bvae_b1+lyrics", "conv_bvae",
                   "clipstats", "clipstats+lyrics", "lyrics")
TARGET = "language_genre"
SETTINGS = [f"run=[{DATASET}]", f"datasets.{DATASET}.synthetic.design=crossed",
            f"datasets.{DATASET}.synthetic.tracks_per_cell=25", "evaluate.generator_factors=true"]
FACTOR_SCORES = ("mig", "dci_disentanglement", "dci_completeness", "dci_informativeness", "sap")


def queue(poll_s: float = 30.0) -> None:
    run_queued({EXPERIMENT: SETTINGS}, poll_s)


def factor_scores(factors: dict) -> dict:
    """Each audio code's MIG, DCI and SAP against the generator's factors, with the random-code floor's
    95th percentile, per level."""
    levels = {level: {name: {k: node[k] for score in FACTOR_SCORES
                             for k in (score, f"{score}_ci95", f"{score}_floor_p95") if k in node}
                      | {"seeds": node["seeds"]} for name, node in names.items()}
              for level, names in factors.items() if level in ("chunk", "track")}
    return {"factors": factors.get("factors", {}), "bins": factors.get("bins"), **levels}


def summarise() -> dict:
    rev = experiment_rev(EXPERIMENT, "run it as this script's docstring says")
    kmeans = committed_json(rev, f"metrics/{DATASET}/kmeans.json")["track"]
    data = committed_json(rev, f"metrics/{DATASET}/data.json")
    claims = committed_json(rev, f"metrics/{DATASET}/claims.json")["claims"]
    metrics = ("nmi", "ami", "ari")
    keys = [f"{m}{suffix}" for m in metrics for suffix in ("", "_ci95", "_boot_lo", "_boot_hi", "_null_p95", "_q")]
    keys += [f"{m}_floor_{label}_{part}" for m in metrics for label in ("language", "genre") for part in ("p95", "p")]
    scores = {rep: {k: kmeans[rep][TARGET][k] for k in keys + ["runs", "seeds"] if k in kmeans[rep][TARGET]}
              for rep in REPRESENTATIONS if rep in kmeans}
    factors = committed_json(rev, f"metrics/{DATASET}/factors.json")
    return {"dataset": DATASET, "design": "crossed", "settings": SETTINGS, "tracks": data["tracks_used"],
            "split": data.get("split"), "scored_split": data.get("scored_split"), "target": TARGET,
            "track_kmeans": scores, "claims": claims, "generator_factors": factor_scores(factors)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("queue", "summarise"))
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "crossed_design.json")
    args = parser.parse_args()
    if args.action == "queue":
        queue()
        return 0
    result = summarise()
    result['pipeline'] = PIPELINE_VERSION
    write_json(result, args.out)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
