"""train@<dataset>-<model>: fit one model → its weights, per-epoch history (plot data) and
training metrics. Models under `models` learn from the mel chunks (mels.npy); models under
`stats_models` from the standardised clip statistics (clipstats.parquet)."""

import logging

from musiclust.io import write_csv, write_json
from musiclust.models import KINDS, fit, save_model
from musiclust.representations import read_features
from musiclust.train import ComputeParams, resolve_device

from . import run, stage_args
from .params import load_model, load_section

log = logging.getLogger("train")


def main() -> None:
    args = stage_args(__doc__, "features", "out", "history", "metrics", options=("section", "name"))
    kind, config = load_model(args.name, KINDS, section=args.section)
    compute = load_section("compute", ComputeParams)
    device = resolve_device(compute.device)
    data = read_features(args.features).data
    fitted = fit(kind, config, data, device=device, threads=compute.threads)
    save_model(args.out, fitted)
    write_csv(fitted.history_frame(), args.history)
    write_json(fitted.summary(), args.metrics)
    log.info("%s on %s: %s", args.name, device, fitted.summary())


if __name__ == "__main__":
    run(main)
