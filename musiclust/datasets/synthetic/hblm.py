"""The HBLM-like corpus: design, track renderer and writer (HBLM-100's layout).

Layout (identical to HBLM-100)::

    out_dir/metadata.csv                 UTF-8 with BOM, LF, no final newline,
                                         columns filename,language,genre,label_id,lyrics
    out_dir/audio/bangla/song_<n>.flac   16-bit PCM, mono
    out_dir/audio/english/song_<n>.flac
    out_dir/factors.csv                  not in HBLM-100: the per-song factors the generator drew
                                         (filename, tempo_bpm, key, mode, metre, vocals, lead, level_db)
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
from tqdm import tqdm

from .formats import soundfile_format
from .lyrics import write_lyrics
from .song import render_song_with_factors
from .styles import GENRES, HBLM, LANGUAGES, check_cell

STUDY_GROUPS: dict[tuple[str, str], int] = {
    ("Bangla", "Folk"): 25,
    ("Bangla", "Rock"): 25,
    ("English", "Pop"): 25,
    ("English", "Rock"): 16,
    ("English", "Acoustic"): 9,
}
"""Number of tracks per (language, genre) cell in HBLM-100."""

LABEL_IDS: dict[str, int] = {"Bangla": 0, "English": 1}
METADATA_COLUMNS: tuple[str, ...] = ("filename", "language", "genre", "label_id", "lyrics")

_BOM = b"\xef\xbb\xbf"


FACTORS_FILE = "factors.csv"


def group_counts(
    design: str = "study", *, tracks_per_cell: int = 10, scale: float = 1.0
) -> dict[tuple[str, str], int]:
    """Number of tracks per (language, genre) cell of a corpus design.

    Parameters
    ----------
    design : {"study", "crossed"}
        ``"study"`` reproduces the HBLM-100 cells (:data:`STUDY_GROUPS`) scaled by
        ``scale``; ``"crossed"`` crosses every language with every genre.
    tracks_per_cell : int, optional
        Tracks per cell of the crossed design (ignored by ``"study"``).
    scale : float, optional
        Multiplier of the study counts (ignored by ``"crossed"``); counts are
        rounded half up and at least 1 per cell.

    Returns
    -------
    dict of (str, str) to int
        ``{(language, genre): count}`` in a fixed order (languages, then genres,
        in the order of :data:`LANGUAGES` and :data:`GENRES`).

    Raises
    ------
    ValueError
        For an unknown design, a non-positive ``scale`` or ``tracks_per_cell``.
    """
    if design == "study":
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale}")
        return {cell: max(1, int(np.floor(n * scale + 0.5))) for cell, n in STUDY_GROUPS.items()}
    if design == "crossed":
        if int(tracks_per_cell) < 1:
            raise ValueError(f"tracks_per_cell must be at least 1, got {tracks_per_cell}")
        return {(lang, genre): int(tracks_per_cell) for lang in LANGUAGES for genre in GENRES}
    raise ValueError(f"unknown design {design!r}; expected 'study' or 'crossed'")


def synthesize_track(
    rng: np.random.Generator, *, genre: str, language: str, seconds: float, sample_rate: int
) -> np.ndarray:
    """Synthesise one track of a given genre with a sung line of a given language.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness of the track (tempo, key, metre, patterns,
        instruments, melody, mix and mastering).
    genre : str
        One of :data:`GENRES`.
    language : str
        One of :data:`LANGUAGES`; shapes the sung line (vowels, vibrato,
        portamento, ornaments, melodic steps).
    seconds : float
        Duration in seconds.
    sample_rate : int
        Sampling rate in Hz.

    Returns
    -------
    numpy.ndarray
        ``float32`` mono signal of length ``round(seconds * sample_rate)`` with
        peak at most 1 (and well above 0).

    Raises
    ------
    ValueError
        For an unknown genre or language or a non-positive duration or rate.
    """
    return synthesize_track_with_factors(rng, genre=genre, language=language, seconds=seconds,
                                         sample_rate=sample_rate)[0]


def synthesize_track_with_factors(
    rng: np.random.Generator, *, genre: str, language: str, seconds: float, sample_rate: int
) -> tuple[np.ndarray, dict]:
    """:func:`synthesize_track`, and the factors the track's plan drew (tempo, key, mode, metre,
    vocals, lead instrument) with its level in dB relative to full scale."""
    check_cell(genre, language)
    if not seconds > 0 or not sample_rate > 0:
        raise ValueError("seconds and sample_rate must be positive")
    return render_song_with_factors(rng, HBLM, genre, language=language, seconds=seconds, sample_rate=sample_rate)


def _song_numbers(counts: dict[tuple[str, str], int], seed: int) -> list[tuple[str, int, str, int]]:
    """(language, song number, genre, index within cell) of every track.

    Songs are numbered per language in a seeded random order, so that the
    number does not reveal the genre.
    """
    jobs = []
    for li, language in enumerate(LANGUAGES):
        cells = [(genre, i) for (lang, genre), c in counts.items() if lang == language for i in range(c)]
        order = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(10_000 + li,))).permutation(len(cells))
        for number, j in enumerate(order, start=1):
            jobs.append((language, number, *cells[j]))
    return jobs


def _metadata_bytes(frame: pd.DataFrame) -> bytes:
    """metadata.csv as HBLM-100 has it: UTF-8 with BOM, LF line ends, no final newline."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(METADATA_COLUMNS)
    for row in frame.itertuples(index=False):
        lyrics = str(row.lyrics).replace("\r\n", "\n").replace("\r", "\n")
        writer.writerow([row.filename, row.language, row.genre, int(row.label_id), lyrics])
    text = buf.getvalue()
    if text.endswith("\n"):
        text = text[:-1]
    return _BOM + text.encode("utf-8")


def generate_corpus(
    out_dir: str | os.PathLike,
    *,
    design: str = "study",
    tracks_per_cell: int = 10,
    scale: float = 1.0,
    seed: int = 0,
    sample_rate: int = 22050,
    min_seconds: float = 30.0,
    max_seconds: float = 45.0,
    audio_format: str = "flac",
    progress: bool = True,
) -> pd.DataFrame:
    """Generate a synthetic corpus in the HBLM-100 layout.

    Writes ``out_dir/metadata.csv``, ``out_dir/audio/<language>/song_<n>.<ext>`` and
    ``out_dir/factors.csv`` (the per-song factors the generator drew, by filename)
    (language in lower case, ``n`` counting from 1 per language; songs are
    numbered in a seeded random order so that the number does not reveal the
    genre).  Same arguments give byte-identical files (for FLAC and WAV; OGG
    decodes to the same audio but libsndfile gives each Ogg stream a random
    serial number, so its bytes differ).

    Parameters
    ----------
    out_dir : str or os.PathLike
        Output directory (created if missing; existing files are overwritten).
    design : {"study", "crossed"}, optional
        Cell design, see :func:`group_counts`.
    tracks_per_cell : int, optional
        Tracks per cell of the crossed design.
    scale : float, optional
        Multiplier of the study design counts.
    seed : int, optional
        Seed of everything (track ``i`` of cell ``(language, genre)`` uses
        ``SeedSequence(seed, spawn_key=(language_index, genre_index, i))``).
    sample_rate : int, optional
        Sampling rate of the audio in Hz.
    min_seconds, max_seconds : float, optional
        Track durations are drawn uniformly from this range.
    audio_format : {"flac", "wav", "ogg"}, optional
        Audio container; FLAC and WAV are 16-bit PCM (as HBLM-100), OGG is
        (lossy) Vorbis and optional.
    progress : bool, optional
        Show a tqdm progress bar.

    Returns
    -------
    pandas.DataFrame
        The metadata: columns ``filename`` (relative to ``audio/``),
        ``language``, ``genre``, ``label_id`` (0 Bangla, 1 English), ``lyrics``;
        Bangla rows first, each language ordered by song number.

    Raises
    ------
    ValueError
        For an unknown design or audio format, or invalid durations.
    """
    sf_format, subtype = soundfile_format(audio_format)
    if not 0 < min_seconds <= max_seconds:
        raise ValueError(f"need 0 < min_seconds <= max_seconds, got {min_seconds}, {max_seconds}")
    counts = group_counts(design, tracks_per_cell=tracks_per_cell, scale=scale)
    out_dir = Path(out_dir)
    rows, factors = [], []
    for language, number, genre, i in tqdm(_song_numbers(counts, seed), desc="synthesising", unit="track",
                                           disable=not progress):
        ss = np.random.SeedSequence(seed, spawn_key=(LANGUAGES.index(language), GENRES.index(genre), i))
        dur_ss, audio_ss, lyrics_ss = ss.spawn(3)
        seconds = float(np.random.default_rng(dur_ss).uniform(min_seconds, max_seconds))
        y, drawn = synthesize_track_with_factors(np.random.default_rng(audio_ss), genre=genre, language=language,
                                                 seconds=seconds, sample_rate=sample_rate)
        lyrics = write_lyrics(np.random.default_rng(lyrics_ss), genre=genre, language=language)
        filename = f"{language.lower()}/song_{number}.{audio_format}"
        path = out_dir / "audio" / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, y, sample_rate, format=sf_format, subtype=subtype)
        rows.append((filename, language, genre, LABEL_IDS[language], lyrics))
        factors.append({"filename": filename, **drawn})

    frame = pd.DataFrame(rows, columns=list(METADATA_COLUMNS))
    frame["label_id"] = frame["label_id"].astype("int64")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metadata.csv").write_bytes(_metadata_bytes(frame))
    pd.DataFrame(factors).to_csv(out_dir / FACTORS_FILE, index=False, lineterminator="\n")
    return frame
