"""Loading the latents, lyrics and labels shared by the cluster, evaluate and report stages."""

import pandas as pd

from musiclust.cluster import build_representations, track_source
from musiclust.io import read_vectors
from musiclust.metrics import targets_of

from .paths import features_dir, latents_dir, raw_dir


def load_latents(dataset: str) -> dict:
    """{model name: (rows, latents)} for every encoded model, by file name."""
    files = sorted(latents_dir(dataset).glob("*.parquet"))
    if not files:
        raise SystemExit(f"no latents under {latents_dir(dataset)}: run the encode stages first")
    return {f.stem: read_vectors(f, "z") for f in files}


def load_lyrics(dataset: str):
    path = features_dir(dataset) / "lyrics.parquet"
    if not path.exists():
        return None, None
    frame, vectors = read_vectors(path, "embedding")
    if frame.empty:
        return None, None  # a corpus without lyrics
    return frame["track_id"], vectors


def load_clipstats(dataset: str) -> dict:
    """{"clipstats": track-level source} when the clip statistics exist."""
    path = features_dir(dataset) / "clipstats.parquet"
    if not path.exists():
        return {}
    frame, stats = read_vectors(path, "stats")
    return {"clipstats": track_source(frame["track_id"], stats)}


def load_representations(dataset: str):
    """(tracks, targets, representations) of a dataset's encoded corpus and its clip statistics."""
    tracks = pd.read_parquet(raw_dir(dataset) / "tracks.parquet")
    lyric_ids, lyrics = load_lyrics(dataset)
    reps = build_representations({**load_latents(dataset), **load_clipstats(dataset)}, lyric_ids, lyrics)
    return tracks, targets_of(tracks), reps
