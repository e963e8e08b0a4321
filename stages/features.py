"""features@<dataset>: decode each track's central crop once → 3 s log-mel chunks (mels.npy,
memory-mapped; chunks.parquet: row i describes mels[i]), the 43 clip statistics per track
(clipstats.parquet), status.parquet (per track: ok, or skipped and why, for both alike) and the
record of the arithmetic that made them (environment.json: CPU, libraries, kernels, threads)."""

import logging

import pandas as pd

from musiclust.audio import MelConfig
from musiclust.compute import Parallelism
from musiclust.environment import run_environment
from musiclust.features import corpus_features
from musiclust.io import write_json, write_parquet, write_vectors

from . import run, stage_args
from .params import load_environment, load_section

log = logging.getLogger("features")


def main() -> None:
    args = stage_args(__doc__, "raw", "mels", "chunks", "status", "clipstats", "environment")
    tracks = pd.read_parquet(args.raw / "tracks.parquet")
    parallel = load_environment(Parallelism)  # MUSICLUST_WORKERS, MUSICLUST_SCHEDULER: the same bytes for any
    features = corpus_features(tracks, args.raw, load_section("spectrograms", MelConfig), args.mels,
                               workers=parallel.workers, scheduler=parallel.scheduler or None)
    write_parquet(features.chunks, args.chunks)
    write_parquet(features.status, args.status)
    write_vectors(pd.DataFrame({"track_id": features.clip_ids}), features.clip_stats, "stats", args.clipstats)
    write_json(run_environment(), args.environment)
    skipped = features.status[features.status["status"] != "ok"]
    for row in skipped.itertuples():
        log.info("skipped %s: %s", row.track_id, row.reason)
    log.info("%d chunks from %d tracks (%d skipped) → %s", len(features.chunks), len(features.clip_ids),
             len(skipped), args.mels)


if __name__ == "__main__":
    run(main)
