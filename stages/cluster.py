"""cluster@<dataset>: KMeans, agglomerative and DBSCAN on every representation and level, each
scored against every label → assignments.parquet, metrics/<dataset>/{kmeans,agglomerative,
dbscan,latents,data,floors,disentanglement}.json (with permutation nulls, label floors, MIG/DCI/SAP)
and the long score table."""

import logging

from musiclust.cluster import ClusterParams
from musiclust.evaluate import evaluate
from musiclust.io import write_csv, write_json, write_parquet
from musiclust.representations import read_corpus

from . import run, stage_args
from .params import load_section

log = logging.getLogger("cluster")


def main() -> None:
    args = stage_args(__doc__, "tracks", "status", "latents", "mels", "chunks", "clipstats", "lyrics",
                      "assignments", "metrics", "scores")
    params = load_section("cluster", ClusterParams)
    corpus = read_corpus(tracks=args.tracks, status=args.status, latents=args.latents, mels=args.mels,
                         chunks=args.chunks, clipstats=args.clipstats, lyrics=args.lyrics,
                         raw_max_chunks=params.max_quadratic_rows, seed=params.null_seed)
    result = evaluate(corpus, params)
    write_parquet(result.assignments, args.assignments)
    for name, scores in result.metrics.items():
        write_json(scores, args.metrics / f"{name}.json")
    write_csv(result.scores, args.scores)
    log.info("%d scores → %s", len(result.scores), args.metrics)


if __name__ == "__main__":
    run(main)
