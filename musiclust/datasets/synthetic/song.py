"""The song renderer shared by both corpora: plan, parts, mix, master."""

from __future__ import annotations

import numpy as np

from .drums import drum_part
from .dsp import RenderContext, limit, mix_stems, noise_floor, reverb, swell, tilt, to_output
from .harmony import bass_part, harmony_parts
from .melody import lead_line, vocal_line
from .plan import Song, plan_song, song_factors
from .styles import Layout


def _stems(song: Song) -> dict[str, np.ndarray]:
    """Render the parts in a fixed order (drums, harmony, bass, vocals, lead); empty slots are left out."""
    stems: dict[str, np.ndarray] = {}
    drums = drum_part(song)
    if drums is not None:
        stems["drums"] = drums
    stems.update(harmony_parts(song))
    bass = bass_part(song)
    if bass is not None:
        stems["bass"] = bass
    vocals, vocal_sections = vocal_line(song)
    if vocals is not None:
        stems["vocals"] = vocals
    lead = lead_line(song, vocal_sections)
    if lead is not None:
        stems["lead"] = lead
    return stems


def _master(song: Song, mix: np.ndarray) -> np.ndarray:
    """Reverb, slow dynamics, tilt, band limit, noise floor, saturation and level, as the style asks."""
    ctx, rng, style, rules = song.ctx, song.rng, song.style, song.rules
    u = rng.uniform
    mix = reverb(ctx, mix, style.reverb, style.wet)[: ctx.n]
    if style.dynamics_db is not None:  # swells of classical music, a jazz solo building up
        depth_db = u(*style.dynamics_db) + abs(rng.normal(0.0, rules.dynamics_sd_db))
        mix = swell(ctx, mix, depth_db)
    mix = tilt(ctx, mix, rules.tilt_sd_db)
    if rng.random() < style.lofi:
        mix = ctx.lowpass(mix, u(*rules.lofi_band), 4)
        if rules.lofi_highpass and rng.random() < rules.lofi_highpass:
            mix = ctx.highpass(mix, u(80, 300), 2)
    mix = noise_floor(ctx, mix, style.snr_db)
    mix = limit(ctx, mix, style.drive, style.peak_db)
    return to_output(mix, ctx.n)


def render_song_with_factors(
    rng: np.random.Generator, layout: Layout, genre: str, *, language: str, seconds: float, sample_rate: int
) -> tuple[np.ndarray, dict]:
    """Synthesise one track of a genre of a layout; also the factors its plan drew
    (:func:`.plan.song_factors`) and its level (RMS in dB relative to full scale).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness of the track.
    layout : Layout
        The corpus the genre belongs to (its styles and rules).
    genre : str
        A genre of ``layout``.
    language : str
        Language of the singer (selects vowels and singing habits).
    seconds : float
        Duration in seconds (positive).
    sample_rate : int
        Sampling rate in Hz (positive).

    Returns
    -------
    (numpy.ndarray, dict)
        ``float32`` mono signal of length ``round(seconds * sample_rate)``,
        peak at most 1; the song's factors.
    """
    sr = int(sample_rate)
    ctx = RenderContext(rng, sr, int(round(seconds * sr)))
    song = plan_song(ctx, layout, genre, language=language, seconds=seconds)
    mix = mix_stems(ctx, _stems(song), song.style.slot_db, song.rules.mix_sd_db)
    y = _master(song, mix)
    level_db = 10.0 * np.log10(max(float(np.mean(np.square(y, dtype=np.float64))), 1e-20))
    return y, {**song_factors(song), "level_db": round(level_db, 3)}


def render_song(
    rng: np.random.Generator, layout: Layout, genre: str, *, language: str, seconds: float, sample_rate: int
) -> np.ndarray:
    """Synthesise one track of a genre of a layout (:func:`render_song_with_factors` without its factors)."""
    return render_song_with_factors(rng, layout, genre, language=language, seconds=seconds,
                                    sample_rate=sample_rate)[0]
