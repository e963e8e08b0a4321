"""encode@<model>: posterior means per chunk and per track → data/latents/<dataset>/<model>.parquet."""

import numpy as np
import pandas as pd

from musiclust.cluster import latents_to_frame
from musiclust.io import write_vectors
from musiclust.models import encoder_from_file
from musiclust.params import load_section
from musiclust.train import encode, resolve_device, seed_everything

from . import dataset_arg
from .paths import features_dir, latents_dir, model_file


def main() -> None:
    parser = dataset_arg(__doc__)
    parser.add_argument("model", help="a key of the models section")
    args = parser.parse_args()
    compute = load_section("compute")
    seed_everything(0, compute.threads)
    features = features_dir(args.dataset)
    mels = np.load(features / "mels.npy", mmap_mode="r")
    chunks = pd.read_parquet(features / "chunks.parquet")
    encoder, kind = encoder_from_file(model_file(args.dataset, args.model))
    latents = encode(encoder, mels, device=resolve_device(compute.device), desc=f"encode {args.model}")
    rows, vectors = latents_to_frame(chunks, latents)
    write_vectors(rows, vectors, "z", latents_dir(args.dataset) / f"{args.model}.parquet")
    print(f"encode@{args.model}: {len(chunks)} chunks, {rows['track_id'].nunique()} tracks, "
          f"dimension {vectors.shape[1]}")


if __name__ == "__main__":
    main()
