"""split@<dataset>: the held-out songs → split.parquet (per track: train, validation or test),
seeded and stratified by the corpus's labels (params: split)."""

import logging

import pandas as pd

from musiclust.io import write_parquet
from musiclust.split import SplitParams, split_songs

from . import run, stage_args
from .params import load_section

log = logging.getLogger("split")


def main() -> None:
    args = stage_args(__doc__, "tracks", "out")
    params = load_section("split", SplitParams)
    split = split_songs(pd.read_parquet(args.tracks), params.fractions, params.seed)
    write_parquet(split, args.out)
    log.info("%s → %s", ", ".join(f"{n} {name}" for name, n in split["split"].value_counts().sort_index().items()),
             args.out)


if __name__ == "__main__":
    run(main)
