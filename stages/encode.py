"""encode@<dataset>-<model> (and encode_stats@, encode_joint@): posterior means per chunk and per
track (the mean of its chunks; track rows only for models of per-track inputs) under each seed's
model → one latents parquet per view of the kind, with a `seed` column (`--out`; the joint
model's lyrics-withheld view: `--out_audio`), and, with `--reconstructions`, the first seed's
reconstructions of a few evenly spaced mel chunks for the report's figures."""

import logging

from musiclust.compute import ComputeParams
from musiclust.config import InputError
from musiclust.io import write_vectors
from musiclust.models import KINDS, EncodeParams, encode_seeds, load_models, read_inputs, reconstruction_table
from musiclust.train import resolve_device, seed_everything

from . import INPUT_FILES, input_files, run, stage_args
from .params import load_section

log = logging.getLogger("encode")
VIEWS = sorted({view for kind in KINDS.values() for view in kind.views if view})


def main() -> None:
    args = stage_args(__doc__, "model", "out", optional=(*INPUT_FILES, "reconstructions", *(f"out_{v}" for v in VIEWS)))
    compute = load_section("compute", ComputeParams)
    seed_everything(0, compute.threads)
    kind, models = load_models(args.model)
    inputs = read_inputs(**input_files(args))
    encoded = encode_seeds(kind, models, inputs, device=resolve_device(compute.device))
    for view, (rows, vectors) in encoded.items():
        out = getattr(args, f"out_{view}") if view else args.out
        if out is None:
            raise InputError(f"{args.model}: a {kind} model also writes its {view!r} view: give --out_{view}")
        write_vectors(rows, vectors, "z", out)
        log.info("%s: %d rows, %d seeds, dimension %d", out, len(rows), len(models), vectors.shape[1])
    if args.reconstructions is not None:
        seed, model = next(iter(models.items()))
        count = load_section("encode", EncodeParams).reconstructions
        write_vectors(*reconstruction_table(model, inputs.mels, count, seed),
                      "reconstruction", args.reconstructions)


if __name__ == "__main__":
    run(main)
