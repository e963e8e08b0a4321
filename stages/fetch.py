"""fetch@<dataset>: obtain a corpus (download, local archive or folder, or synthesis)
→ its files as published, tracks.parquet, and factors.parquet (the per-song factors a generator
drew; only track ids for other corpora)."""

import logging

from musiclust.datasets import DatasetParams, fetch_corpus, generator_factors
from musiclust.io import atomic_dir, write_parquet

from . import run, stage_args
from .params import load_dataset

log = logging.getLogger("fetch")


def main() -> None:
    args = stage_args(__doc__, "downloads", "out", options=("dataset",))
    spec = load_dataset(args.dataset, DatasetParams)
    with atomic_dir(args.out) as tmp:
        tracks = fetch_corpus(spec, tmp, cache_dir=args.downloads, display=args.out)
        write_parquet(tracks, tmp / "tracks.parquet")
        write_parquet(generator_factors(spec, tmp, tracks), tmp / "factors.parquet")
    log.info("%s: %d tracks (%s) → %s", args.dataset, len(tracks), spec.format, args.out)


if __name__ == "__main__":
    run(main)
