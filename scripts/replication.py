"""The tested comparisons replicated: on 5 training seeds, and on other draws of the synthetic corpora.

    python scripts/replication.py queue       # dvc exp run --queue for each experiment below; dvc queue start; wait
    python scripts/replication.py summarise   # experiments/replication.json

Experiments (each on the embedded HBLM-like corpus, ``run=[hblm_synth]``):

- ``seeds-5``: every trained model with training seeds 0-4 (the default pipeline trains 3, to fit
  the CI budget), so each comparison is a test over 5 training-seed means;
- ``corpus-1``, ``corpus-2``: the corpus drawn again with generator seed 1 and 2 (the committed
  workspace is seed 0), everything else as committed.

The summary lists, for each comparison of ``evaluate.comparisons``, its verdict, the two means and
the Holm-adjusted p-value in the committed workspace and in each experiment, and whether its verdict
holds on every corpus draw (a claim is stated only where it does). scripts/readme_results.py shows it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from _experiments import PIPELINE_VERSION, committed_json, dvc, experiment_rev, run_queued

from musiclust.io import write_json

ROOT = Path(__file__).resolve().parents[1]
DATASET = "hblm_synth"
SEEDS = [0, 1, 2, 3, 4]
MODEL_SECTIONS = ("models", "stats_models", "joint_models")
CORPUS_DRAWS = {"corpus-1": 1, "corpus-2": 2}
OUT = ROOT / "experiments" / "replication.json"


def experiments() -> dict[str, list[str]]:
    """Each experiment's ``-S`` settings."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    seeds = [f"{section}.{name}.seeds=[{','.join(map(str, SEEDS))}]"
             for section in MODEL_SECTIONS for name in params[section]]
    out = {"seeds-5": [f"run=[{DATASET}]", *seeds]}
    for name, seed in CORPUS_DRAWS.items():
        out[name] = [f"run=[{DATASET}]", f"datasets.{DATASET}.synthetic.seed={seed}"]
    return out


def queue(names: list[str] | None = None, poll_s: float = 30.0) -> None:
    run_queued({name: sets for name, sets in experiments().items() if not names or name in names}, poll_s)


def _claims(rev: str) -> dict[str, dict]:
    claims = committed_json(rev, f"metrics/{DATASET}/claims.json")["claims"]
    return {f"{c['a']} vs {c['b']} ({c['target']})": c for c in claims}


def summarise() -> dict:
    """Every experiment that has been run (those not run yet are listed as such, so a partial
    replication is never read as a full one)."""
    runs, not_run = {"committed": _claims("HEAD")}, []
    existing = set(dvc("exp", "list", "--all-commits", "--name-only").split())
    for name in experiments():
        if name in existing:
            runs[name] = _claims(experiment_rev(name, "run `python scripts/replication.py queue` first"))
        else:
            not_run.append(name)
    draws = ["committed", *(name for name in CORPUS_DRAWS if name in runs)]
    out = {"dataset": DATASET, "training_seeds": {"committed": "as params.yaml", "seeds-5": SEEDS},
           "corpus_seeds": {"committed": 0, **{name: CORPUS_DRAWS[name] for name in draws[1:]}},
           "not_run": not_run, "claims": {}, "pipeline": PIPELINE_VERSION}
    for key in runs["committed"]:
        per_run = {name: {field: claims.get(key, {}).get(field) for field in ("verdict", "mean_a", "mean_b", "p_holm",
                                                                                  "test", "seeds_a", "seeds_b")}
                   for name, claims in runs.items()}
        out["claims"][key] = {"runs": per_run,
                              "holds_on_every_corpus_draw": holds([per_run[name]["verdict"] for name in draws])}
    return out


def holds(verdicts: list[str | None]) -> bool:
    """A claim holds on every draw when each draw decided it, and the same way."""
    return len(set(verdicts)) == 1 and verdicts[0] in ("above", "below", "level with")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("queue", "summarise"))
    parser.add_argument("names", nargs="*", help="queue: only these experiments (default: all)")
    args = parser.parse_args()
    if args.action == "queue":
        queue(args.names)
    else:
        write_json(summarise(), OUT)
        print(OUT)


if __name__ == "__main__":
    main()
