"""lyrics: one sentence embedding per track with lyrics → lyrics.parquet."""

import numpy as np
import pandas as pd

from musiclust.io import write_vectors
from musiclust.params import load_section
from musiclust.text import embed_texts, load_sentence_model

from . import dataset_arg
from .paths import features_dir, raw_dir


def main() -> None:
    args = dataset_arg(__doc__).parse_args()
    p = load_section("lyrics")
    tracks = pd.read_parquet(raw_dir(args.dataset) / "tracks.parquet").sort_values("track_id")
    with_lyrics = tracks[tracks["lyrics"].notna()]
    if with_lyrics.empty:  # e.g. GTZAN: an empty table, and no model to load
        vectors = np.zeros((0, 1), dtype=np.float32)
    else:
        model = load_sentence_model(p.model)
        vectors = embed_texts(model, with_lyrics["lyrics"].tolist(), batch_size=p.batch_size)
    frame = pd.DataFrame({"track_id": with_lyrics["track_id"].to_numpy(), "model": p.model})
    write_vectors(frame, vectors, "embedding", features_dir(args.dataset) / "lyrics.parquet")
    print(f"lyrics: {len(frame)} embeddings of dimension {vectors.shape[1]} "
          f"({len(tracks) - len(frame)} tracks without lyrics)")


if __name__ == "__main__":
    main()
