"""The conv beta-VAE's beta and KL capacity, swept through DVC's experiment queue; the setting chosen
on validation songs and scored on the test songs.

    python scripts/beta_sweep.py queue       # dvc exp run --queue -S ... for each setting; dvc queue start; wait
    python scripts/beta_sweep.py summarise   # experiments/beta_sweep.json and experiments/beta_sweep.png

Each setting is one experiment on the embedded HBLM-like corpus (``run=[hblm_synth]``), so only the
conv beta-VAE's chain re-runs (train, encode, cluster, evaluate, report). Beta 4 (the study's
``conv_bvae``) and beta 1 (``conv_bvae_b1``, the same network) come from the committed workspace.

The choice uses no test label: the setting with the highest validation-song AMI against genre
(track-level KMeans; the mean over KMeans seeds within a training seed, then over training seeds)
is chosen, and only then are the test songs read: its test-song AMI and NMI (mean and 95%
t-interval over training seeds, with the song-level null's 95th percentile) and a paired t-test
(over the shared training seeds) against the study's beta 4. AMI, not NMI, chooses because on 20
songs NMI's chance level is high and moves with the number of clusters. Also per setting: the
validation loss at KL weight 1 (the negative ELBO per chunk, comparable across betas: ``validation_neg_elbo``), the KL per
chunk at the kept epoch and its dimensions above 0.01 nats, the active units and MIG against
(language, genre). scripts/readme_results.py shows the file.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
from _experiments import (
    PIPELINE_VERSION,
    baseline_of,
    committed_bytes,
    committed_json,
    committed_text,
    experiment_rev,
    run_queued,
)
from scipy import stats

from musiclust.io import write_json
from musiclust.metrics import mean_ci95
from musiclust.tables import kl_usage

ROOT = Path(__file__).resolve().parents[1]

DATASET = "hblm_synth"
MODEL = "conv_bvae"
# name -> the params it sets on MODEL (beyond run); each is an experiment. A KL capacity is one more
# entry, e.g. "capacity-25": {"beta": 4.0, "kl_capacity": 25.0, "kl_capacity_epochs": 10}; the figure
# marks such settings apart.
SETTINGS = {
    "beta-0.25": {"beta": 0.25},
    "beta-16": {"beta": 16.0},
}
# name -> the committed workspace's model of that setting.
COMMITTED = {"beta-4": MODEL, "beta-1": "conv_bvae_b1"}
STUDY = "beta-4"
CHOOSE_BY = ("validation", "genre", "ami")
TARGETS = ("genre", "language_genre")
SPLITS = ("validation", "test")
ALPHA = 0.05


def queue(poll_s: float = 20.0) -> None:
    """Queue every setting as a named experiment, run the queue one at a time, and wait for it."""
    run_queued({name: [f"run=[{DATASET}]"] + [f"models.{MODEL}.{key}={value}" for key, value in values.items()]
                for name, values in SETTINGS.items()}, poll_s)


def _mean(values) -> float:
    return round(statistics.fmean(values), 6)


def seed_means(runs: pd.DataFrame, model: str, split: str, target: str, metric: str) -> pd.Series:
    """Track-level KMeans ``metric`` of ``model`` on one split's songs: the mean over KMeans seeds
    within each training seed (index: training seed)."""
    rows = runs[(runs["representation"] == model) & (runs["split"] == split) & (runs["level"] == "track")
                & (runs["algorithm"] == "kmeans") & (runs["target"] == target) & (runs["metric"] == metric)]
    if rows.empty:
        raise SystemExit(f"runs.parquet has no {split} {target} {metric} of {model}")
    return rows.groupby("train_seed", sort=True)["value"].mean()


def _interval(values: pd.Series) -> dict:
    mean, half = mean_ci95(values.to_numpy())
    return {"mean": round(mean, 6), "ci95": round(half, 6)}


def entry(rev: str, model: str) -> dict:
    """The sweep's numbers of ``model`` in the experiment (or commit) ``rev``."""
    params = _model_params(rev, model)
    runs = pd.read_parquet(io.BytesIO(committed_bytes(rev, f"metrics/{DATASET}/runs.parquet")))
    kmeans = committed_json(rev, f"metrics/{DATASET}/kmeans.json")["track"][model]
    train = committed_json(rev, f"metrics/{DATASET}/train/{model}.json")
    units = committed_json(rev, f"metrics/{DATASET}/latents.json")[model]
    mig = committed_json(rev, f"metrics/{DATASET}/disentanglement.json")["track"][model]
    usage = kl_usage(_histories(rev, model, sorted(int(k.split("_")[1]) for k in train)))
    return {
        "model": model, "beta": params["beta"], "kl_capacity": params.get("kl_capacity", 0.0),
        "kl_capacity_epochs": params.get("kl_capacity_epochs", 0), "seeds": len(train),
        "scores": split_scores(runs, kmeans, model, TARGETS),
        "validation_neg_elbo": _neg_elbo(rev, model, params["beta"], train),
        "kept_epoch": _mean(s["best_epoch"] for s in train.values()),
        "kl": _mean(u["kl"] for u in usage.values()),
        "kl_dims_used": _mean(u["dims_used"] for u in usage.values()),
        "active_units": units["active_units"],
        "mig": {k: mig[k] for k in ("mig", "mig_ci95") if k in mig},
    }


def split_scores(runs: pd.DataFrame, kmeans: dict, model: str, targets) -> dict:
    """``{split: {target: {metric: {mean, ci95, per_seed[, null_p95]}}}}`` of ``model``'s track-level
    KMeans AMI and NMI on the validation and test songs; ``kmeans``: the model's node of kmeans.json
    (the test songs' chance levels)."""
    scores: dict = {}
    for split in SPLITS:
        scores[split] = {}
        for target in targets:
            per_seed = {m: seed_means(runs, model, split, target, m) for m in ("ami", "nmi")}
            scores[split][target] = {m: {**_interval(v), "per_seed": {str(s): round(x, 6) for s, x in v.items()}}
                                     for m, v in per_seed.items()}
            if split == "test":
                for m in ("ami", "nmi"):
                    scores[split][target][m]["null_p95"] = kmeans[target][f"{m}_null_p95"]
    return scores


def _model_params(rev: str, model: str) -> dict:
    import yaml

    return yaml.safe_load(committed_text(rev, "params.yaml"))["models"][model]


def _neg_elbo(rev: str, model: str, beta: float, train: dict) -> float:
    """The validation songs' negative ELBO per chunk at the kept epoch (the decoder's negative
    log-likelihood plus the KL at weight 1, whatever beta trained it: comparable across betas),
    the mean over training seeds; from the histories' validation total and KL."""
    values = []
    for key, summary in train.items():
        history = pd.read_csv(io.StringIO(committed_text(rev, f"plots/{DATASET}/history/{model}/{key}.csv")))
        kept = history[history["epoch"] == summary["best_epoch"]].iloc[0]
        values.append(kept["validation_total"] - (beta - 1.0) * kept["validation_kl"])
    return _mean(values)


def _histories(rev: str, model: str, seeds: list[int]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(io.StringIO(committed_text(rev, f"plots/{DATASET}/history/{model}/seed_{s}.csv")))
                      .assign(seed=s) for s in seeds], ignore_index=True)


def choose(settings: dict, by: tuple[str, str, str] = CHOOSE_BY) -> str:
    """The setting with the highest mean of ``by`` (split, target, metric: validation songs only);
    ties to the first name."""
    split, target, metric = by
    return max(sorted(settings), key=lambda name: settings[name]["scores"][split][target][metric]["mean"])


def paired_test(chosen: dict, study: dict, target: str = "genre", metric: str = "ami") -> dict:
    """The chosen setting against the study's on the test songs: a paired t-test over the training
    seeds both have (two-sided)."""
    a, b = (pd.Series(s["scores"]["test"][target][metric]["per_seed"]) for s in (chosen, study))
    shared = sorted(set(a.index) & set(b.index))
    diff = (a[shared] - b[shared]).to_numpy(dtype=float)
    if len(shared) < 2 or np.allclose(diff, diff[0]):
        return {"target": target, "metric": metric, "seeds": len(shared), "difference": round(float(diff.mean()), 6),
                "p": None, "verdict": "not tested (fewer than 2 shared seeds or a constant difference)"}
    p = float(stats.ttest_rel(a[shared], b[shared]).pvalue)
    verdict = ("no difference detected" if p >= ALPHA else "above" if diff.mean() > 0 else "below")
    return {"target": target, "metric": metric, "seeds": len(shared), "difference": round(float(diff.mean()), 6),
            "p": round(p, 6), "verdict": verdict}


def summarise(out: Path, figure: Path) -> dict:
    runs = {name: experiment_rev(name, "run `python scripts/beta_sweep.py queue` first") for name in SETTINGS}
    bases = sorted({baseline_of(rev) for rev in runs.values()})
    if len(bases) != 1:
        raise SystemExit(f"the sweep's experiments ran on {len(bases)} commits ({bases}): run them again on one")
    # The committed settings are read from the commit the experiments ran on, not whatever HEAD is now.
    sources = {**{name: (bases[0], model) for name, model in COMMITTED.items()},
               **{name: (rev, MODEL) for name, rev in runs.items()}}
    settings = {name: entry(rev, model) for name, (rev, model) in sources.items()}
    chosen = choose(settings)
    results = {"dataset": DATASET, "model": MODEL, "study_setting": STUDY, "baseline": bases[0],
               "choose_by": {"split": CHOOSE_BY[0], "target": CHOOSE_BY[1], "metric": CHOOSE_BY[2],
                             "statistic": "mean over training seeds of the mean over KMeans seeds"},
               "chosen": chosen,
               "chosen_vs_study": None if chosen == STUDY else paired_test(settings[chosen], settings[STUDY]),
               "settings": settings}
    results['pipeline'] = PIPELINE_VERSION
    write_json(results, out)
    plot(results, figure)
    return results


def plot(results: dict, path: Path) -> Path:
    """Genre AMI on validation and test songs, and the KL, against beta; the capacity run marked apart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from musiclust.plots.style import _save

    settings = results["settings"]
    plain = sorted((n for n, s in settings.items() if not s["kl_capacity"]), key=lambda n: settings[n]["beta"])
    capacity = [n for n, s in settings.items() if s["kl_capacity"]]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    betas = [settings[n]["beta"] for n in plain]
    for split, colour in zip(SPLITS, ("tab:blue", "tab:orange")):
        scores = [settings[n]["scores"][split]["genre"]["ami"] for n in plain]
        axes[0].errorbar(betas, [s["mean"] for s in scores], yerr=[s["ci95"] for s in scores], marker="o",
                         capsize=4, color=colour, label=f"{split} songs")
        for n in capacity:
            s = settings[n]["scores"][split]["genre"]["ami"]
            axes[0].errorbar([settings[n]["beta"]], [s["mean"]], yerr=[s["ci95"]], marker="s", ms=8, capsize=4,
                             color=colour, mfc="white", ls="none",
                             label=f"capacity {settings[n]['kl_capacity']:g} nats" if split == SPLITS[0] else None)
    test_null = [settings[n]["scores"]["test"]["genre"]["ami"]["null_p95"] for n in plain]
    axes[0].plot(betas, test_null, ls=":", color="tab:orange", label="test songs' chance (p95)")
    chosen = settings[results["chosen"]]
    axes[0].axvline(chosen["beta"], color="0.5", lw=0.8, ls="--", label=f"chosen on validation: {results['chosen']}")
    axes[0].axhline(0, color="0.7", lw=0.6)
    axes[0].set_xscale("log", base=2)
    axes[0].set_xlabel("beta")
    axes[0].set_ylabel("track-level KMeans AMI, genre")
    axes[0].set_title("clusters vs genre (mean ± 95% CI over training seeds)")
    axes[0].legend(frameon=False, fontsize=8)
    axes[1].plot(betas, [settings[n]["kl"] for n in plain], marker="o", color="tab:green")
    for n in capacity:
        axes[1].plot([settings[n]["beta"]], [settings[n]["kl"]], marker="s", ms=8, mfc="white", color="tab:green",
                     ls="none", label=f"capacity {settings[n]['kl_capacity']:g} nats")
    axes[1].set_xscale("log", base=2)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("beta")
    axes[1].set_ylabel("KL per chunk (nats)")
    axes[1].set_title("information in the latent (kept epoch, mean over seeds)")
    if capacity:
        axes[1].legend(frameon=False, fontsize=8)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    swept = "beta and KL capacity" if capacity else "beta"
    fig.suptitle(f"{results['model']} on {results['dataset']}: {swept}, chosen on validation songs")
    fig.tight_layout()
    return _save(fig, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("queue", "summarise"))
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "beta_sweep.json")
    parser.add_argument("--figure", type=Path, default=ROOT / "experiments" / "beta_sweep.png")
    args = parser.parse_args()
    if args.action == "queue":
        queue()
    else:
        print(json.dumps(summarise(args.out, args.figure), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
