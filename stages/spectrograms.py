"""spectrograms: 3 s log-mel chunks → mels.npy (memory-mapped) + chunks.parquet + status.parquet."""

import pandas as pd

from musiclust.audio import MelConfig, spectrogram_corpus
from musiclust.io import write_parquet
from musiclust.params import load_section

from . import dataset_arg
from .paths import features_dir, raw_dir


def main() -> None:
    args = dataset_arg(__doc__).parse_args()
    p = load_section("spectrograms")
    cfg = MelConfig(sample_rate=p.sample_rate, crop_seconds=p.crop_seconds,
                    chunk_seconds=p.chunk_seconds, n_mels=p.n_mels, n_fft=p.n_fft,
                    hop_length=p.hop_length, frames=p.frames, top_db=p.top_db)
    raw, out = raw_dir(args.dataset), features_dir(args.dataset)
    tracks = pd.read_parquet(raw / "tracks.parquet")
    chunks, status = spectrogram_corpus(tracks, raw, cfg, out / "mels.npy", dtype=p.dtype,
                                        batch_size=p.batch_size, min_seconds=p.min_seconds)
    write_parquet(chunks, out / "chunks.parquet")
    write_parquet(status, out / "status.parquet")
    skipped = status[status["status"] != "ok"]
    for row in skipped.itertuples():
        print(f"skipped {row.track_id}: {row.reason}")
    print(f"spectrograms: {len(chunks)} chunks from {len(status) - len(skipped)} tracks "
          f"({len(skipped)} skipped) → {out}")


if __name__ == "__main__":
    main()
