"""clipstats: the 43 GTZAN clip statistics per track (20 MFCC means and stds, spectral
centroid mean and std, zero-crossing rate) → data/features/<dataset>/clipstats.parquet."""

import pandas as pd

from musiclust.clipstats import CLIP_STATISTIC_NAMES, corpus_clip_statistics
from musiclust.io import write_vectors
from musiclust.params import load_section

from . import dataset_arg
from .paths import features_dir, raw_dir


def main() -> None:
    args = dataset_arg(__doc__).parse_args()
    p = load_section("clipstats")
    raw = raw_dir(args.dataset)
    tracks = pd.read_parquet(raw / "tracks.parquet")
    ids, stats, skipped = corpus_clip_statistics(tracks, raw, sample_rate=p.sample_rate,
                                                 crop_seconds=p.crop_seconds)
    write_vectors(pd.DataFrame({"track_id": ids}), stats, "stats",
                  features_dir(args.dataset) / "clipstats.parquet")
    for row in skipped.itertuples():
        print(f"skipped {row.track_id}: {row.reason}")
    print(f"clipstats: {len(ids)} tracks x {len(CLIP_STATISTIC_NAMES)} statistics")


if __name__ == "__main__":
    main()
