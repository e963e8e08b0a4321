"""train@<model>: fit one model on the mel chunks → models/<dataset>/<model>.pt,
per-epoch history (plot data) and training metrics."""

import time

import numpy as np
import pandas as pd
import torch

from musiclust import models as M
from musiclust.io import write_csv, write_json
from musiclust.params import load_model, load_section
from musiclust.train import resolve_device, seed_everything, train

from . import dataset_arg
from .paths import features_dir, metrics_dir, model_file, plots_dir


def main() -> None:
    parser = dataset_arg(__doc__)
    parser.add_argument("model", help="a key of the models section")
    args = parser.parse_args()
    p = load_model(args.model)
    compute = load_section("compute")
    seed_everything(getattr(p, "seed", 0), compute.threads)
    device = resolve_device(compute.device)
    mels = np.load(features_dir(args.dataset) / "mels.npy", mmap_mode="r")
    started = time.perf_counter()

    if p.kind in M.TORCH_KINDS:
        hparams = {k: v for k, v in vars(p).items() if k in ("latent_dim", "hidden_dim", "beta")}
        hparams["image_size"] = mels.shape[-1]
        if mels.shape[-1] != mels.shape[-2]:
            raise SystemExit(f"train: {args.model} needs square spectrograms, got {mels.shape[1:]}")
        model = M.build_torch_model(p.kind, hparams)
        history = pd.DataFrame([vars(h) for h in train(
            model, mels, epochs=p.epochs, batch_size=p.batch_size, lr=p.lr, seed=p.seed,
            device=device, kl_warmup_epochs=getattr(p, "kl_warmup_epochs", 0))])
        state = model.state_dict()
        extra = {"parameters": int(sum(t.numel() for t in model.parameters()))}
    elif p.kind == "pca":
        data = np.asarray(mels, dtype=np.float32)
        state = M.fit_pca(data, p.n_components, p.seed)
        hparams = {"n_components": int(state["components"].shape[0])}
        latents = M.pca_transform(data, **state)
        recon = latents @ state["components"] + state["mean"]
        error = float(((recon - data.reshape(len(data), -1)) ** 2).sum(axis=1).mean())
        history = pd.DataFrame([{"epoch": 1, "total": error, "reconstruction": error, "kl": 0.0}])
        extra = {"explained_variance": float(np.var(latents, axis=0).sum() / data.reshape(len(data), -1).var(axis=0).sum())}
    else:  # raw pixels: nothing to fit, nothing lost
        state, hparams = {}, {}
        history = pd.DataFrame([{"epoch": 1, "total": 0.0, "reconstruction": 0.0, "kl": 0.0}])
        extra = {}

    M.save_model(model_file(args.dataset, args.model), p.kind, hparams, state)
    write_csv(history, plots_dir(args.dataset) / "history" / f"{args.model}.csv")
    last = history.iloc[-1]
    summary = {"kind": p.kind, "epochs": int(last["epoch"]), "final_total": float(last["total"]),
               "final_reconstruction": float(last["reconstruction"]), "final_kl": float(last["kl"]),
               **extra}
    write_json(summary, metrics_dir(args.dataset) / "train" / f"{args.model}.json")
    print(f"train@{args.model}: {summary} in {time.perf_counter() - started:.1f} s on {device}")


if __name__ == "__main__":
    torch.set_num_threads(1)  # until params say otherwise (seed_everything)
    main()
