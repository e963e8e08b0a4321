"""fetch: obtain the corpus → data/raw/<dataset>/ (audio, metadata.csv, tracks.parquet)."""

from musiclust.datasets.hblm import read_hblm
from musiclust.datasets.synthetic import generate_corpus
from musiclust.io import atomic_dir, write_parquet
from musiclust.params import load_section

from .paths import raw_dir


def main() -> None:
    p = load_section("fetch")
    with atomic_dir(raw_dir(p.dataset)) as tmp:
        s = p.synthetic
        generate_corpus(tmp, design=s.design, tracks_per_cell=s.tracks_per_cell, scale=s.scale,
                        seed=s.seed, sample_rate=s.sample_rate, min_seconds=s.min_seconds,
                        max_seconds=s.max_seconds, audio_format=s.audio_format)
        tracks = read_hblm(tmp)
        write_parquet(tracks, tmp / "tracks.parquet")
    print(f"fetch: {len(tracks)} tracks → {raw_dir(p.dataset)}")


if __name__ == "__main__":
    main()
