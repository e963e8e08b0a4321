"""encode@<dataset>-<model>: posterior means per chunk and per track (the mean of its chunks)
under each seed's model → one latents parquet with a `seed` column. Clip-statistics models give
track rows only."""

import logging

from musiclust.compute import ComputeParams
from musiclust.encode import encode_each_seed
from musiclust.io import write_vectors
from musiclust.models import load_model, model_files
from musiclust.representations import read_features
from musiclust.train import resolve_device, seed_everything

from . import run, stage_args
from .params import load_section

log = logging.getLogger("encode")


def main() -> None:
    args = stage_args(__doc__, "model", "features", "out", optional=("chunks",))
    compute = load_section("compute", ComputeParams)
    seed_everything(0, compute.threads)
    features = read_features(args.features, chunks=args.chunks)
    encoders = {seed: load_model(path)[0] for seed, path in model_files(args.model).items()}
    rows, vectors = encode_each_seed(encoders, features, device=resolve_device(compute.device))
    write_vectors(rows, vectors, "z", args.out)
    log.info("%d rows, %d tracks, %d seeds, dimension %d → %s", len(rows), rows["track_id"].nunique(),
             len(encoders), vectors.shape[1], args.out)


if __name__ == "__main__":
    run(main)
