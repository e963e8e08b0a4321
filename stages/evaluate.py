"""evaluate@<dataset>: score the cluster stage's assignments against every label → the long score
table of the test songs (the headline), that of the training (in-sample) and validation songs, the
runs table (every run's every score on every split) and metrics/<dataset>/{<algorithm> (each of
musiclust.cluster.ALGORITHMS),latents,data,claims,probes,disentanglement,factors}.json (song-level
nulls, label floors, intervals over training seeds, tested comparisons, linear probes, MIG/DCI/SAP
with their random-code floors, and against a generated corpus's factors where evaluate asks). Reads the
same latents files as the cluster stage, its sample bounds (cluster.max_quadratic_rows,
cluster.sample_seed) and its track pooling (cluster.track_pooling)."""

import logging
import os

import pandas as pd

from musiclust.cluster import ClusterParams
from musiclust.evaluate import EvaluateParams, evaluate
from musiclust.io import write_csv, write_json, write_parquet
from musiclust.representations import read_corpus

from . import run, stage_args
from .params import load_section

log = logging.getLogger("evaluate")


def main() -> None:
    args = stage_args(__doc__, "tracks", "factors", "status", "mels", "chunks", "clipstats", "lyrics", "split",
                      "assignments", "metrics", "scores", "scores_in_sample", "runs", repeated=("latents",))
    params, sampling = load_section("evaluate", EvaluateParams), load_section("cluster", ClusterParams)
    corpus = read_corpus(tracks=args.tracks, status=args.status, latents=args.latents, mels=args.mels,
                         chunks=args.chunks, clipstats=args.clipstats, lyrics=args.lyrics,
                         raw_max_chunks=sampling.max_quadratic_rows, seed=sampling.sample_seed, split=args.split,
                         track_pooling=sampling.track_pooling)
    # every core for the probes and disentanglement scorings: each is seeded, the numbers do not depend on it
    result = evaluate(corpus, pd.read_parquet(args.assignments), params, silhouette_rows=sampling.max_quadratic_rows,
                      factors=pd.read_parquet(args.factors), n_jobs=len(os.sched_getaffinity(0)))
    for name, scores in result.metrics.items():
        write_json(scores, args.metrics / f"{name}.json")
    write_csv(result.scores, args.scores)
    write_csv(result.other_scores, args.scores_in_sample)
    write_parquet(result.runs, args.runs)
    log.info("%d scores → %s", len(result.scores), args.metrics)


if __name__ == "__main__":
    run(main)
