"""fetch@<dataset>: obtain a corpus → data/raw/<dataset>/ (its files as published, and tracks.parquet)."""

from pathlib import Path

from musiclust.datasets import obtain, read_tracks
from musiclust.io import atomic_dir, write_parquet
from musiclust.params import load_dataset

from . import dataset_arg
from .paths import raw_dir


def main() -> None:
    args = dataset_arg(__doc__).parse_args()
    p = load_dataset(args.dataset)
    with atomic_dir(raw_dir(args.dataset)) as tmp:
        if p.format == "synthetic":
            fmt = synthesise(p.synthetic, tmp)
        else:
            obtain(p.source, tmp, sha256=p.sha256, cache_dir=Path("data/downloads"))
            fmt = p.format
        tracks = read_tracks(fmt, tmp, labels_csv=p.labels_csv)
        write_parquet(tracks, tmp / "tracks.parquet")
    print(f"fetch@{args.dataset}: {len(tracks)} tracks ({p.format}) → {raw_dir(args.dataset)}")


def synthesise(s, out: Path) -> str:
    """Generate the embedded corpus; returns the reader format of its layout."""
    from musiclust.datasets import synthetic

    if s.layout == "gtzan":
        synthetic.generate_gtzan_corpus(out, tracks_per_genre=s.tracks_per_genre, seed=s.seed,
                                        sample_rate=s.sample_rate, seconds=s.max_seconds,
                                        audio_format=s.audio_format, plant_unreadable=s.plant_unreadable)
        return "gtzan"
    synthetic.generate_corpus(out, design=s.design, tracks_per_cell=s.tracks_per_cell, scale=s.scale,
                              seed=s.seed, sample_rate=s.sample_rate, min_seconds=s.min_seconds,
                              max_seconds=s.max_seconds, audio_format=s.audio_format)
    return "hblm"


if __name__ == "__main__":
    main()
