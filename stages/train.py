"""train@<dataset>-<model>: fit one model per seed → its weights (a folder, seed_<n>.pt each),
per-epoch histories (plot data, seed_<n>.csv each) and training metrics per seed. Models under
`models` learn from the mel chunks (mels.npy); models under `stats_models` from the standardised
clip statistics (clipstats.parquet). With `compute.processes` > 1 the stage runs as that many
data-parallel processes under torchrun; the first writes the outputs."""

import logging
import sys

from musiclust.compute import ComputeParams
from musiclust.distributed import process_group, relaunch
from musiclust.models import KINDS, fit
from musiclust.representations import read_features
from musiclust.train import resolve_precision

from . import run, stage_args
from ._fitting import write_seed_models
from .params import load_model, load_section

log = logging.getLogger("train")


def main() -> None:
    args = stage_args(__doc__, "features", "out", "history", "metrics", options=("section", "name"))
    kind, config = load_model(args.name, KINDS, section=args.section)
    compute = load_section("compute", ComputeParams)
    status = relaunch(compute.processes, "stages.train", sys.argv[1:])
    if status is not None:
        raise SystemExit(status)
    data = read_features(args.features).data
    with process_group(compute.device) as (device, distributed, is_main):
        write_seed_models(
            args, config.seeds, is_main,
            lambda seed: fit(kind, config, data, seed=seed, device=device, threads=compute.threads,
                             precision=resolve_precision(compute.precision, device), compile=compute.compile,
                             loader_workers=compute.loader_workers, distributed=distributed,
                             progress=is_main))


if __name__ == "__main__":
    run(main)
