"""cluster@<dataset>: every algorithm of cluster.algorithms (musiclust.cluster.ALGORITHMS) on every
representation and level → assignments.parquet. The latents are the files named by --latents (one
per model; a stray file in their folder is an error); scoring is the evaluate stage's."""

import logging

from musiclust.cluster import ClusterParams, cluster_corpus
from musiclust.io import write_parquet
from musiclust.labels import targets_of
from musiclust.representations import read_corpus

from . import run, stage_args
from .params import load_section

log = logging.getLogger("cluster")


def main() -> None:
    args = stage_args(__doc__, "tracks", "mels", "chunks", "clipstats", "lyrics", "split", "assignments",
                      repeated=("latents",))
    params = load_section("cluster", ClusterParams)
    corpus = read_corpus(tracks=args.tracks, latents=args.latents, mels=args.mels, chunks=args.chunks,
                         clipstats=args.clipstats, lyrics=args.lyrics, raw_max_chunks=params.max_quadratic_rows,
                         seed=params.sample_seed, split=args.split,
                         track_pooling=params.track_pooling)
    assignments = cluster_corpus(corpus, targets_of(corpus.tracks), params)
    write_parquet(assignments, args.assignments)
    log.info("%d assignments → %s", len(assignments), args.assignments)


if __name__ == "__main__":
    run(main)
