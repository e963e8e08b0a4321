"""The conv beta-VAE's beta and KL capacity, swept through DVC's experiment queue, summarised.

    python scripts/beta_sweep.py queue       # dvc exp run --queue -S ... for each setting; dvc queue start; wait
    python scripts/beta_sweep.py summarise   # experiments/beta_sweep.json and experiments/beta_sweep.png

Each setting is one experiment on the embedded HBLM-like corpus (``run=[hblm_synth]``), so only
the conv beta-VAE's chain re-runs (train, encode, cluster, report). The committed workspace is the
study's setting (beta 4, no capacity) and is summarised beside the experiments from ``HEAD``. For
each: track-level KMeans NMI of the audio latent (``conv_bvae``) against genre and language x genre
(mean and 95% interval over training x KMeans seeds, with the permutation null's 95th percentile),
the final KL per chunk and the dimensions that carry more than 0.01 nats (mean over training
seeds), the active units, and MIG against (language, genre). scripts/readme_results.py shows the file.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from _experiments import committed_json, committed_text, experiment_rev, run_queued

from musiclust.io import write_json

ROOT = Path(__file__).resolve().parents[1]

DATASET = "hblm_synth"
MODEL = "conv_bvae"
# name -> the params it sets (beyond run); beta 4 without capacity is the committed workspace.
SETTINGS = {
    "beta-0.25": {"beta": 0.25},
    "beta-1": {"beta": 1.0},
    "capacity-25": {"beta": 4.0, "kl_capacity": 25.0, "kl_capacity_epochs": 10},
}
BASELINE = "committed (beta-4)"
TARGETS = ("genre", "language_genre")
KL_USED_NATS = 0.01


def queue(poll_s: float = 20.0) -> None:
    """Queue every setting as a named experiment, run the queue one at a time, and wait for it."""
    run_queued({name: [f"run=[{DATASET}]"] + [f"models.{MODEL}.{key}={value}" for key, value in values.items()]
                for name, values in SETTINGS.items()}, poll_s)


def _mean(values) -> float:
    return round(statistics.fmean(values), 6)


def entry(rev: str) -> dict:
    """The sweep's numbers of the experiment (or commit) ``rev``."""
    params = _show_params(rev)
    kmeans = committed_json(rev, f"metrics/{DATASET}/kmeans.json")["track"][MODEL]
    train = committed_json(rev, f"metrics/{DATASET}/train/{MODEL}.json")
    units = committed_json(rev, f"metrics/{DATASET}/latents.json")[MODEL]
    mig = committed_json(rev, f"metrics/{DATASET}/disentanglement.json")["track"][MODEL]
    histories = [_history(rev, seed) for seed in sorted(int(k.split("_")[1]) for k in train)]
    return {
        "beta": params["beta"], "kl_capacity": params.get("kl_capacity", 0.0),
        "kl_capacity_epochs": params.get("kl_capacity_epochs", 0),
        "track_kmeans_nmi": {t: {k: kmeans[t][k] for k in ("nmi", "nmi_ci95", "nmi_null_p95", "runs")}
                             for t in TARGETS},
        "final_kl": _mean(s["final_kl"] for s in train.values()),
        "final_reconstruction": _mean(s["final_reconstruction"] for s in train.values()),
        "kl_dims_used": _mean(sum(v > KL_USED_NATS for v in h) for h in histories),
        "active_units": units["active_units"],
        "mig": {k: mig[k] for k in ("mig", "mig_ci95") if k in mig}, "seeds": len(train),
    }


def _show_params(rev: str) -> dict:
    import yaml

    return yaml.safe_load(committed_text(rev, "params.yaml"))["models"][MODEL]


def _history(rev: str, seed: int) -> list[float]:
    """The last epoch's KL per dimension of one training seed."""
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(committed_text(rev, f"plots/{DATASET}/history/{MODEL}/seed_{seed}.csv")))
    return frame[[c for c in frame if c.startswith("kl_dim_")]].iloc[-1].tolist()


def summarise(out: Path, figure: Path) -> dict:
    revs = {BASELINE: "HEAD", **{name: experiment_rev(name, "run `python scripts/beta_sweep.py queue` first")
                                 for name in SETTINGS}}
    results = {"dataset": DATASET, "model": MODEL,
               "settings": {name: entry(rev) for name, rev in revs.items()}}
    write_json(results, out)
    plot(results, figure)
    return results


def plot(results: dict, path: Path) -> Path:
    """Genre NMI (with its interval and chance) and the final KL against beta; the capacity run marked apart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from musiclust.plots.style import _save

    settings = results["settings"]
    plain = sorted((s for s in settings.values() if not s["kl_capacity"]), key=lambda s: s["beta"])
    capacity = [s for s in settings.values() if s["kl_capacity"]]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    betas = [s["beta"] for s in plain]
    for target, colour in zip(TARGETS, ("tab:blue", "tab:orange")):
        nmi = [s["track_kmeans_nmi"][target] for s in plain]
        axes[0].errorbar(betas, [n["nmi"] for n in nmi], yerr=[n["nmi_ci95"] for n in nmi], marker="o", capsize=4,
                         color=colour, label=f"{target}")
        axes[0].plot(betas, [n["nmi_null_p95"] for n in nmi], ls=":", color=colour, label=f"{target} chance (p95)")
        for s in capacity:
            n = s["track_kmeans_nmi"][target]
            axes[0].errorbar([s["beta"]], [n["nmi"]], yerr=[n["nmi_ci95"]], marker="s", ms=8, capsize=4,
                             color=colour, mfc="white", ls="none",
                             label=f"{target}, capacity {s['kl_capacity']:g} nats" if target == TARGETS[0] else None)
    axes[0].set_xscale("log", base=2)
    axes[0].set_xlabel("beta")
    axes[0].set_ylabel("track-level KMeans NMI of the audio latent")
    axes[0].set_title("clusters vs labels (mean ± 95% CI, training × KMeans seeds)")
    axes[0].legend(frameon=False, fontsize=8)
    axes[1].plot(betas, [s["final_kl"] for s in plain], marker="o", color="tab:green", label="final KL (nats/chunk)")
    for s in capacity:
        axes[1].plot([s["beta"]], [s["final_kl"]], marker="s", ms=8, mfc="white", color="tab:green", ls="none",
                     label=f"capacity {s['kl_capacity']:g} nats")
    axes[1].set_xscale("log", base=2)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("beta")
    axes[1].set_ylabel("KL per chunk at the last epoch (nats, mean over seeds)")
    axes[1].set_title("information in the latent")
    axes[1].legend(frameon=False, fontsize=8)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    fig.suptitle(f"{results['model']} on {results['dataset']}: beta and KL capacity")
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
