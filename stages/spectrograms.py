"""spectrograms@<dataset>: 3 s log-mel chunks → mels.npy (memory-mapped), chunks.parquet
(row i describes mels[i]) and status.parquet (per track: ok, or skipped and why)."""

import logging

import pandas as pd

from musiclust.audio import MelConfig, spectrogram_corpus
from musiclust.io import write_parquet

from . import stage_args
from .params import load_section

log = logging.getLogger("spectrograms")


def main() -> None:
    args = stage_args(__doc__, "raw", "mels", "chunks", "status")
    tracks = pd.read_parquet(args.raw / "tracks.parquet")
    chunks, status = spectrogram_corpus(tracks, args.raw, load_section("spectrograms", MelConfig), args.mels)
    write_parquet(chunks, args.chunks)
    write_parquet(status, args.status)
    skipped = status[status["status"] != "ok"]
    for row in skipped.itertuples():
        log.info("skipped %s: %s", row.track_id, row.reason)
    log.info("%d chunks from %d tracks (%d skipped) → %s", len(chunks), len(status) - len(skipped),
             len(skipped), args.mels)


if __name__ == "__main__":
    main()
