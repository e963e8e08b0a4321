"""clipstats@<dataset>: the 43 GTZAN clip statistics per track (20 MFCC means and stds,
spectral-centroid mean and std, zero-crossing rate) → clipstats.parquet."""

import logging

import pandas as pd

from musiclust.clipstats import ClipStatsParams, corpus_clip_statistics
from musiclust.io import write_vectors

from . import stage_args
from .params import load_section

log = logging.getLogger("clipstats")


def main() -> None:
    args = stage_args(__doc__, "raw", "out")
    params = load_section("clipstats", ClipStatsParams)
    tracks = pd.read_parquet(args.raw / "tracks.parquet")
    ids, stats, skipped = corpus_clip_statistics(tracks, args.raw, sample_rate=params.sample_rate,
                                                 crop_seconds=params.crop_seconds)
    write_vectors(pd.DataFrame({"track_id": ids}), stats, "stats", args.out)
    for row in skipped.itertuples():
        log.info("skipped %s: %s", row.track_id, row.reason)
    log.info("%d tracks x %d statistics → %s", *stats.shape, args.out)


if __name__ == "__main__":
    main()
