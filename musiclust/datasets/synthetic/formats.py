"""Audio containers the corpora can be written in."""

from __future__ import annotations

AUDIO_FORMATS: dict[str, tuple[str, str]] = {
    "flac": ("FLAC", "PCM_16"),
    "wav": ("WAV", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
}
"""``audio_format`` -> (soundfile format, subtype)."""


def soundfile_format(audio_format: str) -> tuple[str, str]:
    """(soundfile format, subtype) of an ``audio_format``.

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if audio_format not in AUDIO_FORMATS:
        raise ValueError(f"unknown audio_format {audio_format!r}; expected one of {tuple(AUDIO_FORMATS)}")
    return AUDIO_FORMATS[audio_format]
