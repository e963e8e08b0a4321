"""train@<dataset>-<model>: fit one model per seed → its weights (a folder, seed_<n>.pt each),
per-epoch histories (plot data, seed_<n>.csv each) and training metrics per seed. Models under
`models` learn from the mel chunks (mels.npy); models under `stats_models` from the standardised
clip statistics (clipstats.parquet)."""

import logging

from tqdm.auto import tqdm

from musiclust.compute import ComputeParams
from musiclust.io import atomic_dir, write_csv, write_json
from musiclust.models import KINDS, fit, save_model, seed_file
from musiclust.representations import read_features
from musiclust.train import resolve_device, resolve_precision

from . import run, stage_args
from .params import load_model, load_section

log = logging.getLogger("train")


def main() -> None:
    args = stage_args(__doc__, "features", "out", "history", "metrics", options=("section", "name"))
    kind, config = load_model(args.name, KINDS, section=args.section)
    compute = load_section("compute", ComputeParams)
    device = resolve_device(compute.device)
    data = read_features(args.features).data
    summaries = {}
    with atomic_dir(args.out) as models, atomic_dir(args.history) as histories:
        for seed in tqdm(config.seeds, desc=f"train {args.name}", unit="seed"):
            fitted = fit(kind, config, data, seed=seed, device=device, threads=compute.threads,
                         precision=resolve_precision(compute.precision, device), compile=compute.compile,
                         loader_workers=compute.loader_workers)
            save_model(models / seed_file(seed), fitted)
            write_csv(fitted.history_frame(), histories / f"seed_{seed}.csv")
            summaries[f"seed_{seed}"] = fitted.summary()
            log.info("%s seed %d on %s: %s", args.name, seed, device, summaries[f"seed_{seed}"])
    write_json(summaries, args.metrics)


if __name__ == "__main__":
    run(main)
