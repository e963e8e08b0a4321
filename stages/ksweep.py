"""ksweep@<dataset>: k is not assumed. KMeans at k = 2 … twice the most classes of a label on every
representation (one level, the first training seed of each model), with NMI and AMI against each label
and the silhouette → a table the report draws as one figure."""

import logging

from musiclust.cluster import ClusterParams
from musiclust.io import write_csv
from musiclust.ksweep import KSweepParams, sweep_corpus
from musiclust.labels import targets_of
from musiclust.representations import read_corpus

from . import run, stage_args
from .params import load_section

log = logging.getLogger("ksweep")


def main() -> None:
    args = stage_args(__doc__, "tracks", "mels", "chunks", "clipstats", "lyrics", "out", repeated=("latents",))
    params, pooling = load_section("ksweep", KSweepParams), load_section("cluster", ClusterParams).track_pooling
    corpus = read_corpus(tracks=args.tracks, latents=args.latents, mels=args.mels, chunks=args.chunks,
                         clipstats=args.clipstats, lyrics=args.lyrics, raw_max_chunks=params.max_rows, seed=params.seed,
                         track_pooling=pooling)
    table = sweep_corpus(corpus.representations(), targets_of(corpus.tracks), level=params.level, seed=params.seed,
                         n_init=params.n_init, silhouette_rows=params.max_rows)
    write_csv(table.round(6), args.out)
    log.info("%d rows → %s", len(table), args.out)


if __name__ == "__main__":
    run(main)
