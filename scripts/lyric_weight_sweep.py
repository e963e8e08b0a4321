"""The joint model's lyric weight, swept through DVC's experiment queue; the weight chosen on
validation songs and scored on the test songs.

    python scripts/lyric_weight_sweep.py queue       # one experiment per weight; dvc queue start; wait
    python scripts/lyric_weight_sweep.py summarise   # experiments/lyric_weight.json

``joint_models.joint_bvae.lyric_weight`` scales the lyric reconstruction term against the mel
pixels' (1: an embedding element weighs as much as a pixel). Each weight is one experiment on the
embedded HBLM-like corpus (``run=[hblm_synth]``), so only the joint model's chain re-runs; weight 1
comes from the commit the experiments ran on. As the beta sweep (scripts/beta_sweep.py), no test label
chooses: the weight with the highest validation-song AMI of the joint latent against
language x genre (the clustering the model exists for; track-level KMeans, the mean over KMeans
seeds within a training seed, then over training seeds) is chosen, and only then are the test
songs read: its test-song AMI and NMI against language x genre and genre, and a paired t-test over
the shared training seeds against weight 1. scripts/readme_results.py shows the file.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
from pathlib import Path

import pandas as pd
import yaml
from _experiments import (
    PIPELINE_VERSION,
    baseline_of,
    committed_bytes,
    committed_json,
    committed_text,
    experiment_rev,
    run_queued,
)
from beta_sweep import choose, paired_test, split_scores

from musiclust.io import write_json

ROOT = Path(__file__).resolve().parents[1]

DATASET = "hblm_synth"
MODEL = "joint_bvae"
WEIGHTS = {"lyric-weight-0.25": 0.25, "lyric-weight-4": 4.0}  # experiments; 1: the committed workspace
COMMITTED = "lyric-weight-1"
CHOOSE_BY = ("validation", "language_genre", "ami")
TARGETS = ("language_genre", "genre")


def queue(poll_s: float = 20.0) -> None:
    run_queued({name: [f"run=[{DATASET}]", f"joint_models.{MODEL}.lyric_weight={weight}"]
                for name, weight in WEIGHTS.items()}, poll_s)


def entry(rev: str) -> dict:
    """The sweep's numbers of the joint model in the experiment (or commit) ``rev``."""
    params = yaml.safe_load(committed_text(rev, "params.yaml"))["joint_models"][MODEL]
    runs = pd.read_parquet(io.BytesIO(committed_bytes(rev, f"metrics/{DATASET}/runs.parquet")))
    kmeans = committed_json(rev, f"metrics/{DATASET}/kmeans.json")["track"][MODEL]
    train = committed_json(rev, f"metrics/{DATASET}/train/{MODEL}.json")
    return {"lyric_weight": params["lyric_weight"], "seeds": len(train),
            "scores": split_scores(runs, kmeans, MODEL, TARGETS),
            "validation_loss": round(statistics.fmean(s["validation_total"] for s in train.values()), 6),
            "kept_epoch": round(statistics.fmean(s["best_epoch"] for s in train.values()), 6)}


def summarise(out: Path) -> dict:
    runs = {name: experiment_rev(name, "run `python scripts/lyric_weight_sweep.py queue` first") for name in WEIGHTS}
    bases = sorted({baseline_of(rev) for rev in runs.values()})
    if len(bases) != 1:
        raise SystemExit(f"the sweep's experiments ran on {len(bases)} commits ({bases}): run them again on one")
    sources = {COMMITTED: bases[0], **runs}  # the default from the commit the experiments ran on
    settings = {name: entry(rev) for name, rev in sources.items()}
    chosen = choose(settings, CHOOSE_BY)
    results = {"dataset": DATASET, "model": MODEL, "default_setting": COMMITTED, "baseline": bases[0],
               "choose_by": {"split": CHOOSE_BY[0], "target": CHOOSE_BY[1], "metric": CHOOSE_BY[2],
                             "statistic": "mean over training seeds of the mean over KMeans seeds"},
               "chosen": chosen,
               "chosen_vs_default": None if chosen == COMMITTED else paired_test(
                   settings[chosen], settings[COMMITTED], target=CHOOSE_BY[1], metric=CHOOSE_BY[2]),
               "settings": settings}
    results['pipeline'] = PIPELINE_VERSION
    write_json(results, out)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("queue", "summarise"))
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "lyric_weight.json")
    args = parser.parse_args()
    if args.action == "queue":
        queue()
    else:
        print(json.dumps(summarise(args.out), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
