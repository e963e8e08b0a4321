"""fetch: obtain the corpus → data/raw/<dataset>/ (its files as published, and tracks.parquet)."""

from pathlib import Path

from musiclust.datasets import obtain, read_tracks
from musiclust.io import atomic_dir, write_parquet
from musiclust.params import load_section

from .paths import raw_dir


def main() -> None:
    p = load_section("fetch")
    with atomic_dir(raw_dir(p.dataset)) as tmp:
        if p.format == "synthetic":
            from musiclust.datasets.synthetic import generate_corpus

            s = p.synthetic
            generate_corpus(tmp, design=s.design, tracks_per_cell=s.tracks_per_cell, scale=s.scale,
                            seed=s.seed, sample_rate=s.sample_rate, min_seconds=s.min_seconds,
                            max_seconds=s.max_seconds, audio_format=s.audio_format)
        else:
            obtain(p.source, tmp, sha256=p.sha256, cache_dir=Path("data/downloads"))
        tracks = read_tracks(p.format, tmp, labels_csv=p.labels_csv)
        write_parquet(tracks, tmp / "tracks.parquet")
    print(f"fetch: {len(tracks)} tracks ({p.format}) → {raw_dir(p.dataset)}")


if __name__ == "__main__":
    main()
