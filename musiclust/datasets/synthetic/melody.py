"""The melodies of a song: the vocal line and the lead instrument, which share the phrase rhythm and the walk."""

from __future__ import annotations

import numpy as np

from .instruments import play
from .plan import Song
from .voice import Singer, draw_singer, sung_note

_LEAD_STEPS = ((-2, -1, 0, 1, 2), (0.15, 0.3, 0.1, 0.3, 0.15))
_SUSTAINED = ("strings", "pad", "cello")


def _vocal_phrase(song: Song, singer: Singer, b: int, sec: str) -> tuple[list, list[int]]:
    """Events (onset, duration) and pitches of the two-bar vocal phrase at bar ``b``.

    Sung phrases move in the language's melodic steps, a third higher in the
    chorus; rapped phrases are dense, short and stay near one pitch.
    """
    centre = singer.center
    if singer.rap:
        notes = song.scale_notes(centre - 3, centre + 3)
        events = song.phrase(b, song.rng.uniform(0.6, 0.85))
        events = [(t0, min(dur, 2 * song.step)) for t0, dur in events]
        return events, song.walk(notes, len(events), (-1, 0, 1), (0.35, 0.35, 0.3))
    shift = 3 if sec == "chorus" else 0
    notes = song.scale_notes(centre - 7 + shift, centre + 8 + shift)
    events = song.phrase(b, 0.45 if sec == "verse" else 0.35)
    return events, song.walk(notes, len(events), singer.habits["steps"], singer.habits["step_p"])


def _harsh(song: Song, vocals: np.ndarray) -> np.ndarray:
    """A distorted, growled version of a vocal line (metal)."""
    u = song.rng.uniform
    growl = song.ctx.bandpass(song.ctx.noise(len(vocals)), 300, 3000) * np.abs(vocals)
    return np.tanh(u(3.0, 8.0) * vocals / (np.abs(vocals).max() + 1e-9)) + u(0.3, 1.0) * growl


def vocal_line(song: Song) -> tuple[np.ndarray | None, set[int]]:
    """The vocal stem (None without vocals) and the bars where a sung phrase starts.

    Nobody sings in intro and outro, and in half of the bridges; a third of the
    tracks double the voice.
    """
    if not song.has_vocals:
        return None, set()
    ctx, rng, style = song.ctx, song.rng, song.style
    singer = draw_singer(rng, song.language, female=style.female, tilt=style.voice_tilt, rap=style.voice == "rap")
    vocals = ctx.buffer()
    prev = float(singer.center)
    sections: set[int] = set()
    for b in range(0, len(song.bars), 2):
        sec = song.bars[b]
        if sec in ("intro", "outro") or (sec == "bridge" and rng.random() < 0.5):
            continue
        sections.add(b)
        events, pitches = _vocal_phrase(song, singer, b, sec)
        loud = 1.0 if sec == "chorus" else 0.8
        for (t0, dur), m in zip(events, pitches):
            x = sung_note(ctx, singer, song.rules, m, prev, min(dur * 0.95, song.bar))
            ctx.add(vocals, t0, x * loud * rng.uniform(0.75, 1.0))
            prev = float(m)
    if style.voice == "harsh":
        vocals = _harsh(song, vocals)
    if rng.random() < 0.3:  # doubled vocal
        d = int(rng.uniform(0.01, 0.03) * ctx.sr)
        vocals[d:] += 0.5 * vocals[:-d]
    return vocals, sections


def _lead_rests(song: Song, b: int, sec: str, chorus_lead: bool, vocal_sections: set[int]) -> bool:
    """Whether the lead instrument leaves the phrase at bar ``b`` to the singer (or to silence)."""
    if not song.rules.lead_yields_to_vocals:
        return sec == "verse" or (sec == "chorus" and not chorus_lead)
    if song.has_vocals:
        return b in vocal_sections and not (sec == "chorus" and chorus_lead)
    return sec in ("intro", "outro") and song.rng.random() < 0.5


def lead_line(song: Song, vocal_sections: set[int]) -> np.ndarray | None:
    """The lead instrument's stem (None without a lead): phrases between the vocal phrases, some choruses."""
    kind = song.slots["lead"]
    if kind is None:
        return None
    rng, tb = song.rng, song.timbres["lead"]
    buf = song.ctx.buffer()
    centre = song.rules.lead_centres.get(kind, 67)
    notes = song.scale_notes(centre - 7, centre + 9)
    density = song.style.lead_density
    if kind in _SUSTAINED:
        density *= song.rules.sustained_lead
    chorus_lead = rng.random() < 0.4
    for b in range(0, len(song.bars), 2):
        sec = song.bars[b]
        if _lead_rests(song, b, sec, chorus_lead, vocal_sections):
            continue
        events = song.phrase(b, density)
        pitches = song.walk(notes, len(events), *_LEAD_STEPS)
        for (t0, dur), m in zip(events, pitches):
            play(song.ctx, buf, kind, tb, t0, m, dur, rng.uniform(0.6, 0.9))
    return buf
