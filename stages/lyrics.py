"""lyrics@<dataset>: one sentence embedding per track with lyrics → lyrics.parquet."""

import logging

import pandas as pd

from musiclust.io import write_vectors
from musiclust.text import LyricsParams, embed_lyrics

from . import run, stage_args
from .params import load_section

log = logging.getLogger("lyrics")


def main() -> None:
    args = stage_args(__doc__, "raw", "out")
    params = load_section("lyrics", LyricsParams)
    tracks = pd.read_parquet(args.raw / "tracks.parquet")
    frame, vectors = embed_lyrics(tracks, model=params.model, batch_size=params.batch_size)
    write_vectors(frame, vectors, "embedding", args.out)
    log.info("%d embeddings of dimension %d (%d tracks without lyrics)", len(frame), vectors.shape[1],
             len(tracks) - len(frame))


if __name__ == "__main__":
    run(main)
