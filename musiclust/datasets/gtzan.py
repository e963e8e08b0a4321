"""Reader for the GTZAN genre collection (1,000 30-s clips, 10 genres x 100).

Accepted layouts (the first that exists is used)::

    root/genres_original/<genre>/<genre>.000NN.wav   Kaggle "GTZAN Dataset - Music Genre Classification"
    root/genres/<genre>/<genre>.000NN.wav            the original tarball's layout
    root/<genre>/<genre>.000NN.wav                   either, after its single top folder was stripped
                                                     (only when a subfolder has a GTZAN genre's name)

There is no metadata file: the genre is the folder name, the track id the file
stem.  The real collection has one file that does not decode
(``jazz.00054.wav``); it is listed like any other, and skipped with a reason
when the audio is decoded later in the pipeline.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .folder import AUDIO_EXTENSIONS, _with_none, is_audio_file
from .records import MetadataError, contained_path, utf8_name

__all__ = ["GENRE_FOLDERS", "GTZAN_GENRE_NAMES", "find_genres_dir", "read_gtzan"]

GENRE_FOLDERS: tuple[str, ...] = ("genres_original", "genres")
"""Names of the folder holding one subfolder per genre, in order of preference."""

GTZAN_GENRE_NAMES: tuple[str, ...] = (
    "blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock",
)

_LAYOUT = "root/genres_original/<genre>/<genre>.000NN.wav (or root/genres/<genre>/...)"


def find_genres_dir(root: str | Path) -> Path:
    """The folder of ``root`` that holds the genre subfolders.

    Raises
    ------
    MetadataError
        If there is none; the message names ``root`` and the expected layout.
    """
    root = Path(root)
    if not root.is_dir():
        raise MetadataError(f"{root}: not a folder (a GTZAN corpus is laid out as {_LAYOUT})")
    for name in GENRE_FOLDERS:
        if (root / name).is_dir():
            return root / name
    if any((root / g).is_dir() for g in GTZAN_GENRE_NAMES):
        return root  # the archive's top folder (genres/ or genres_original/) was stripped on extraction
    raise MetadataError(
        f"{root}: no genres_original/ or genres/ folder; a GTZAN corpus is laid out as {_LAYOUT}"
    )


def read_gtzan(root: str | Path) -> pd.DataFrame:
    """Read a GTZAN-layout corpus.

    Parameters
    ----------
    root : path
        Folder holding ``genres_original/`` (Kaggle) or ``genres/`` (original
        tarball), each with one subfolder per genre.

    Returns
    -------
    tracks : pd.DataFrame
        One row per audio file (``.wav .mp3 .flac .ogg``, case-insensitive)
        directly inside a genre subfolder, sorted by ``track_id``, with columns
        ``track_id`` (the file stem, e.g. ``jazz.00054``), ``path`` (relative to
        ``root``, forward slashes), ``language`` (None), ``genre`` (the
        subfolder's name), ``lyrics`` (None) and the source column ``filename``
        (the file's name).  Other files (images, CSVs, hidden files) are
        ignored; audio is not decoded, so unreadable files are listed too.

    Raises
    ------
    MetadataError
        If there is no genres folder (the message names ``root`` and the
        expected layout), if it holds no audio file, if two files have the
        same stem, or if a file or genre folder is a symbolic link leading
        out of ``root``.
    """
    root = Path(root)
    genres_dir = find_genres_dir(root)
    prefix = genres_dir.relative_to(root).as_posix()
    rows = []
    seen: dict[str, str] = {}
    other_audio = []
    for genre_dir in sorted(p for p in genres_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for f in sorted(genre_dir.iterdir()):
            if not f.is_file():
                continue
            if not is_audio_file(f.name):
                if f.suffix.lower() in (".au", ".aif", ".aiff") and not f.name.startswith("."):
                    other_audio.append(f.name)
                continue
            path = f"{genre_dir.name}/{f.name}" if prefix == "." else f"{prefix}/{genre_dir.name}/{f.name}"
            utf8_name(path, str(root))
            contained_path(root, path, str(root))  # a symlinked file or folder may lead out of the corpus
            track_id = f.name.rsplit(".", 1)[0]
            if track_id in seen:
                raise MetadataError(f"{root}: {seen[track_id]!r} and {path!r} have the same track id {track_id!r}")
            seen[track_id] = path
            rows.append({
                "track_id": track_id,
                "path": path,
                "language": None,
                "genre": genre_dir.name,
                "lyrics": None,
                "filename": f.name,
            })
    if not rows:
        hint = (f"; found {len(other_audio)} file(s) such as {other_audio[0]!r} in a format that is not read "
                f"(convert them to .wav)") if other_audio else ""
        raise MetadataError(
            f"{genres_dir}: no audio files ({' '.join(AUDIO_EXTENSIONS)}) in its genre subfolders; "
            f"expected {_LAYOUT}{hint}"
        )
    tracks = pd.DataFrame(rows, columns=["track_id", "path", "language", "genre", "lyrics", "filename"])
    tracks = _with_none(tracks, ["language", "genre", "lyrics", "filename"])
    return tracks.sort_values("track_id", kind="stable").reset_index(drop=True)
