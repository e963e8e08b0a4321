"""train@<dataset>-<model>: fit one model → models/<dataset>/<model>.pt, per-epoch
history (plot data) and training metrics. Models under `models` learn from the mel
chunks; models under `stats_models` from the standardised clip statistics per track."""

import time

import numpy as np
import pandas as pd

from musiclust import models as M
from musiclust.cluster import standardise
from musiclust.io import read_vectors, write_csv, write_json
from musiclust.params import load_model, load_section
from musiclust.train import resolve_device, seed_everything, train

from . import dataset_arg
from .paths import features_dir, metrics_dir, model_file, plots_dir


def model_args(description: str):
    parser = dataset_arg(description)
    parser.add_argument("--section", default="models", choices=["models", "stats_models"])
    parser.add_argument("model", help="a key of the models section")
    return parser.parse_args()


def load_inputs(dataset: str, section: str):
    """Training rows: mel chunks (memory-mapped) or standardised clip statistics (N, 43)."""
    if section == "stats_models":
        frame, stats = read_vectors(features_dir(dataset) / "clipstats.parquet", "stats")
        return frame, standardise(stats)
    return None, np.load(features_dir(dataset) / "mels.npy", mmap_mode="r")


def main() -> None:
    args = model_args(__doc__)
    p = load_model(args.model, section=args.section)
    compute = load_section("compute")
    seed_everything(getattr(p, "seed", 0), compute.threads)
    device = resolve_device(compute.device)
    _, data = load_inputs(args.dataset, args.section)
    started = time.perf_counter()

    if p.kind in M.TORCH_KINDS:
        hparams = {k: v for k, v in vars(p).items() if k in ("latent_dim", "hidden_dim", "hidden", "beta")}
        if p.kind == "dense_vae":
            hparams["n_features"] = int(data.shape[1])
        else:
            if data.ndim != 3 or data.shape[-1] != data.shape[-2]:
                raise SystemExit(f"train: {args.model} needs square spectrograms, got {data.shape[1:]}")
            hparams["image_size"] = int(data.shape[-1])
        model = M.build_torch_model(p.kind, hparams)
        history = pd.DataFrame([vars(h) for h in train(
            model, data, epochs=p.epochs, batch_size=p.batch_size, lr=p.lr, seed=p.seed,
            device=device, kl_warmup_epochs=getattr(p, "kl_warmup_epochs", 0))])
        state = model.state_dict()
        extra = {"parameters": int(sum(t.numel() for t in model.parameters()))}
    elif p.kind == "pca":
        flat = np.asarray(data, dtype=np.float32).reshape(len(data), -1)
        state = M.fit_pca(flat, p.n_components, p.seed)
        hparams = {"n_components": int(state["components"].shape[0])}
        latents = M.pca_transform(flat, **state)
        recon = latents @ state["components"] + state["mean"]
        error = float(((recon - flat) ** 2).sum(axis=1).mean())
        history = pd.DataFrame([{"epoch": 1, "total": error, "reconstruction": error, "kl": 0.0}])
        extra = {"explained_variance": float(latents.var(axis=0).sum() / flat.var(axis=0).sum())}
    else:  # raw pixels: nothing to fit, nothing lost
        state, hparams, extra = {}, {}, {}
        history = pd.DataFrame([{"epoch": 1, "total": 0.0, "reconstruction": 0.0, "kl": 0.0}])

    M.save_model(model_file(args.dataset, args.model), p.kind, hparams, state)
    write_csv(history, plots_dir(args.dataset) / "history" / f"{args.model}.csv")
    last = history.iloc[-1]
    summary = {"kind": p.kind, "epochs": int(last["epoch"]), "final_total": float(last["total"]),
               "final_reconstruction": float(last["reconstruction"]), "final_kl": float(last["kl"]),
               **extra}
    write_json(summary, metrics_dir(args.dataset) / "train" / f"{args.model}.json")
    print(f"train@{args.dataset}-{args.model}: {summary} in {time.perf_counter() - started:.1f} s on {device}")


if __name__ == "__main__":
    main()
