"""encode@<dataset>-<model>: posterior means per chunk and per track (the mean of its chunks)
→ latents parquet. Clip-statistics models give track rows only."""

import logging

from musiclust.encode import encode, latent_table
from musiclust.io import write_vectors
from musiclust.models import load_model
from musiclust.representations import read_features
from musiclust.train import ComputeParams, resolve_device, seed_everything

from . import run, stage_args
from .params import load_section

log = logging.getLogger("encode")


def main() -> None:
    args = stage_args(__doc__, "model", "features", "out", optional=("chunks",))
    compute = load_section("compute", ComputeParams)
    seed_everything(0, compute.threads)
    features = read_features(args.features, chunks=args.chunks)
    encoder, _ = load_model(args.model)
    latents = encode(encoder, features.data, device=resolve_device(compute.device), desc=f"encode {args.model}")
    rows, vectors = latent_table(features, latents)
    write_vectors(rows, vectors, "z", args.out)
    log.info("%d rows, %d tracks, dimension %d → %s", len(rows), rows["track_id"].nunique(), vectors.shape[1],
             args.out)


if __name__ == "__main__":
    run(main)
