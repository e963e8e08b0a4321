"""encode@<dataset>-<model>: posterior means per chunk and per track (the mean of its
chunks) → data/latents/<dataset>/<model>.parquet. Clip-statistics models give track rows only."""

import pandas as pd

from musiclust.cluster import latents_to_frame, track_rows
from musiclust.io import write_vectors
from musiclust.models import encoder_from_file
from musiclust.params import load_section
from musiclust.train import encode, resolve_device, seed_everything

from .paths import features_dir, latents_dir, model_file
from .train import load_inputs, model_args


def main() -> None:
    args = model_args(__doc__)
    compute = load_section("compute")
    seed_everything(0, compute.threads)
    ids, data = load_inputs(args.dataset, args.section)
    encoder, kind = encoder_from_file(model_file(args.dataset, args.model))
    latents = encode(encoder, data, device=resolve_device(compute.device),
                     desc=f"encode {args.dataset}-{args.model}")
    if ids is None:
        rows, vectors = latents_to_frame(pd.read_parquet(features_dir(args.dataset) / "chunks.parquet"), latents)
    else:
        rows, vectors = track_rows(ids["track_id"]), latents
    write_vectors(rows, vectors, "z", latents_dir(args.dataset) / f"{args.model}.parquet")
    print(f"encode@{args.dataset}-{args.model}: {len(rows)} rows, "
          f"{rows['track_id'].nunique()} tracks, dimension {vectors.shape[1]}")


if __name__ == "__main__":
    main()
