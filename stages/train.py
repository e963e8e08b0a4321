"""train@<dataset>-<model> (and train_stats@, train_joint@: the same stage on other inputs): fit one
model per seed → its weights (a folder, seed_<n>.pt each), per-epoch histories (plot data,
seed_<n>.csv each) and training metrics per seed. The model's kind (params: `<section>.<name>.kind`)
says which of the given inputs it learns from. With --split, it learns from the training songs
only and keeps the weights of the epoch with the lowest loss on the validation songs. With
`compute.processes` > 1 the stage runs as that many data-parallel processes under torchrun; the
first writes the outputs."""

import sys

from musiclust.compute import ComputeParams, Parallelism
from musiclust.distributed import process_group, relaunch
from musiclust.models import KINDS, fit, read_inputs
from musiclust.train import resolve_precision

from . import INPUT_FILES, input_files, run, stage_args
from ._fitting import write_seed_models
from .params import load_environment, load_model, load_section


def main() -> None:
    args = stage_args(__doc__, "out", "history", "metrics", options=("section", "name"), optional=INPUT_FILES)
    kind, config = load_model(args.name, KINDS, section=args.section)
    compute = load_section("compute", ComputeParams)
    loader_workers = load_environment(Parallelism).loader_workers
    status = relaunch(compute.processes, "stages.train", sys.argv[1:])
    if status is not None:
        raise SystemExit(status)
    training, validation = read_inputs(**input_files(args)).held_out()
    with process_group(compute.device) as (device, distributed, is_main):
        write_seed_models(
            args, config.seeds, is_main,
            lambda seed: fit(kind, config, training, validation=validation, seed=seed, device=device,
                             threads=compute.threads,
                             precision=resolve_precision(compute.precision, device), compile=compute.compile,
                             loader_workers=loader_workers, distributed=distributed, progress=is_main))


if __name__ == "__main__":
    run(main)
