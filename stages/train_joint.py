"""train_joint@<dataset>-<model>: fit one joint beta-VAE (audio and lyrics) per seed → its weights
(a folder, seed_<n>.pt each), per-epoch histories (seed_<n>.csv each) and training metrics per seed.
Chunks of tracks without lyrics train from their audio alone; a corpus without lyrics trains an
audio-only model."""

import logging

from tqdm.auto import tqdm

from musiclust.compute import ComputeParams
from musiclust.config import check
from musiclust.io import atomic_dir, write_csv, write_json
from musiclust.joint import JOINT_KINDS, fit_joint, joint_rows
from musiclust.models import save_model, seed_file
from musiclust.representations import read_features, read_lyrics
from musiclust.train import resolve_device, resolve_precision

from . import run, stage_args
from .params import build_model, load_section, read_params

log = logging.getLogger("train_joint")
SECTION = "joint_models"


def main() -> None:
    args = stage_args(__doc__, "mels", "chunks", "lyrics", "out", "history", "metrics", options=("name",))
    models = read_params().get(SECTION) or {}
    check(args.name in models, f"{SECTION}.{args.name}", f"no such model (have: {', '.join(models)})")
    _, config = build_model(args.name, models[args.name], JOINT_KINDS, SECTION)
    compute = load_section("compute", ComputeParams)
    device = resolve_device(compute.device)
    features = read_features(args.mels, chunks=args.chunks)
    rows = joint_rows(features.data, features.keys["track_id"], *read_lyrics(args.lyrics))
    summaries = {}
    with atomic_dir(args.out) as folder, atomic_dir(args.history) as histories:
        for seed in tqdm(config.seeds, desc=f"train {args.name}", unit="seed"):
            fitted = fit_joint(config, rows, seed=seed, device=device, threads=compute.threads,
                               precision=resolve_precision(compute.precision, device), compile=compute.compile,
                               loader_workers=compute.loader_workers)
            save_model(folder / seed_file(seed), fitted)
            write_csv(fitted.history_frame(), histories / f"seed_{seed}.csv")
            summaries[f"seed_{seed}"] = fitted.summary()
            log.info("%s seed %d on %s: %s", args.name, seed, device, summaries[f"seed_{seed}"])
    write_json(summaries, args.metrics)


if __name__ == "__main__":
    run(main)
