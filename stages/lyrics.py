"""lyrics@<dataset>: one sentence embedding per track with lyrics → lyrics.parquet (the model of
the `lyrics` section's kind, fixed: not trained on the corpus)."""

import logging

from musiclust.io import write_vectors
from musiclust.models import KINDS, embed, read_inputs

from . import run, stage_args
from .params import load_entry

log = logging.getLogger("lyrics")


def main() -> None:
    args = stage_args(__doc__, "raw", "out")
    kind, params = load_entry("lyrics", KINDS)
    inputs = read_inputs(tracks=args.raw / "tracks.parquet")
    frame, vectors = embed(kind, params, inputs)[""]
    write_vectors(frame, vectors, "embedding", args.out)
    log.info("%d embeddings of dimension %d (%d tracks without lyrics)", len(frame), vectors.shape[1],
             len(inputs.texts) - len(frame))


if __name__ == "__main__":
    run(main)
