"""The plan of a song: metre, tempo, key, chords, band and form, drawn before any part is rendered.

:class:`Song` also answers the questions every part asks (when is step ``s``
of bar ``b``, which chord sounds there, which notes fit the scale), so that the
drums, the accompaniment and the melodies agree on one grid and one harmony.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dsp import RenderContext
from .instruments import timbre
from .material import MAJOR, MIXOLYDIAN, QUALITY, choose, colour_chords, song_form, walk
from .styles import SLOTS, Layout, Rules, Style


@dataclass
class Song:
    """Everything drawn for a track before its parts are rendered."""

    ctx: RenderContext
    style: Style
    rules: Rules
    language: str
    triplet: bool
    steps_per_beat: int
    steps_per_bar: int
    step: float  # seconds per grid step
    bar: float  # seconds per bar
    swing: float  # delay of the off steps of the drum groove, in steps
    part_swing: float  # the same for the other parts (0 where only the drums swing)
    tonic: int
    progression: list[list]
    scale: tuple[int, ...]
    chord_bars: int
    slots: dict[str, str | None]
    timbres: dict[str, dict]
    has_vocals: bool
    bars: list[str]  # section of every bar
    t_start: float  # the clip starts at a random point of the first bar

    @property
    def rng(self) -> np.random.Generator:
        """The track's generator."""
        return self.ctx.rng

    def bar_start(self, b: int) -> float:
        """Time (s) of the downbeat of bar ``b``."""
        return self.t_start + b * self.bar

    def at(self, b: int, s_i: int) -> float:
        """Time (s) of step ``s_i`` of bar ``b`` for the pitched parts and drum fills."""
        sw = self.part_swing * self.step if s_i % 2 == 1 else 0.0
        return self.t_start + b * self.bar + s_i * self.step + sw

    def hit_at(self, b: int, s_i: int) -> float:
        """Time (s) of step ``s_i`` of bar ``b`` for the drum groove."""
        sw = self.swing * self.step if s_i % 2 == 1 else 0.0
        return self.t_start + b * self.bar + s_i * self.step + sw

    def first_of_section(self, b: int) -> bool:
        """Whether bar ``b`` opens a section."""
        return b == 0 or self.bars[b] != self.bars[b - 1]

    def last_of_section(self, b: int) -> bool:
        """Whether bar ``b`` closes a section."""
        return b == len(self.bars) - 1 or self.bars[b] != self.bars[b + 1]

    def chord_at(self, b: int) -> tuple[int, str]:
        """(pitch class, quality) of the chord of bar ``b``."""
        root, quality = self.progression[(b // self.chord_bars) % len(self.progression)]
        return (self.tonic + root) % 12, quality

    @staticmethod
    def voicing(pc: int, quality: str, low: int) -> list[int]:
        """Close voicing from the first root at or above ``low``, plus the octave of root and third."""
        root = low + (pc - low) % 12
        iv = QUALITY[quality]
        return [root + i for i in iv] + [root + 12 + i for i in iv[:2]]

    @property
    def offbeats(self) -> list[int]:
        """The "and" of every beat (steps)."""
        beat = self.steps_per_beat
        return list(range(beat // 2 if beat == 4 else 2, self.steps_per_bar, beat))

    def scale_notes(self, lo: int, hi: int) -> np.ndarray:
        """The scale tones between two MIDI notes (inclusive)."""
        return np.array([m for m in range(lo, hi + 1) if (m - self.tonic) % 12 in self.scale])

    def walk(self, notes: np.ndarray, count: int, steps: Sequence[int], probs: Sequence[float]) -> list[int]:
        """A melodic random walk over ``notes`` (see :func:`material.walk`)."""
        return walk(self.rng, notes, count, steps, probs)

    def phrase(self, b: int, density: float) -> list[tuple[float, float]]:
        """Onsets and durations (seconds) of a two-bar phrase starting at bar ``b``.

        Beats are likelier than off-beats, and the phrase ends with a rest (a
        breath) of random length.
        """
        rng, spb = self.rng, self.steps_per_bar
        grid = np.arange(0, 2 * spb)
        weights = np.where(grid % self.steps_per_beat == 0, 1.0, 0.45) * density
        weights[-int(rng.integers(self.rules.breath_min, spb // 2 + 1)) :] = 0.0
        onsets = grid[rng.random(len(grid)) < weights]
        if len(onsets) == 0:
            onsets = np.array([0])
        ends = list(onsets[1:]) + [min(2 * spb, onsets[-1] + int(rng.integers(2, 6)))]
        return [(self.at(b, o), (e - o) * self.step) for o, e in zip(onsets, ends)]


def _scale(style: Style, rules: Rules, progression: list[list]) -> tuple[int, ...]:
    """The melodic scale that fits a progression: minor from its first chord, flat seventh where chords need it."""
    if style.scale is not None:
        return style.scale
    if progression[0][1].startswith("min"):
        return style.minor_scale
    flat_seventh = any(c[0] == 10 or (rules.dominant_mixolydian and c[1] == "7") for c in progression)
    return MIXOLYDIAN if flat_seventh else MAJOR


def _swing(rng: np.random.Generator, style: Style, triplet: bool) -> float:
    """Delay of the off sixteenths (in steps); a triplet grid is never swung again."""
    if triplet or style.swing is None:
        return 0.0
    if style.swing_chance < 1.0 and not rng.random() < style.swing_chance:
        return 0.0
    return rng.uniform(*style.swing)


def plan_band(rng: np.random.Generator, layout: Layout, genre: str) -> dict[str, str | None]:
    """Instrument of every slot: the genre's options, or with ``crossover`` probability another genre's.

    The harmony slot is never empty, and a second harmony instrument equal to
    the first is dropped.
    """
    style = layout.styles[genre]
    slots: dict[str, str | None] = {}
    for slot in SLOTS:
        options = getattr(style, slot)
        if rng.random() < layout.rules.crossover:
            options = [o for g, other in layout.styles.items() if g != genre for o in getattr(other, slot)]
        slots[slot] = choose(rng, list(options))
    if style.drumless:
        slots["drums"] = None
    if slots["harmony"] is None:
        slots["harmony"] = choose(rng, [o for o in style.harmony if o])
    if slots["harmony2"] == slots["harmony"]:
        slots["harmony2"] = None
    return slots


def plan_song(ctx: RenderContext, layout: Layout, genre: str, *, language: str, seconds: float) -> Song:
    """Draw the plan of one track (the draws happen in a fixed order: metre, key, chords, band, form)."""
    rng, u = ctx.rng, ctx.rng.uniform
    style, rules = layout.styles[genre], layout.rules
    triplet = rng.random() < style.triplet
    steps_per_beat = 3 if triplet else 4
    steps_per_bar = 4 * steps_per_beat
    tempo = u(*style.tempo) * (rules.triplet_tempo if triplet else 1.0)
    step = 60.0 / tempo / steps_per_beat
    bar = steps_per_bar * step
    swing = _swing(rng, style, triplet)
    tonic = int(rng.integers(12))
    progression = [list(c) for c in choose(rng, style.progressions)]
    colour_chords(rng, progression, style.seventh, style.extensions, rules.sus_chance)
    if rules.double_chords_above is not None:
        chord_bars = 2 if (tempo > rules.double_chords_above and rng.random() < 0.5) else 1
    else:
        chord_bars = int(choose(rng, list(style.chord_bars)))
    slots = plan_band(rng, layout, genre)
    timbres = {s: timbre(rng, k) for s, k in slots.items() if k is not None and s != "drums"}
    has_vocals = style.vocals >= 1.0 or rng.random() < style.vocals
    bars = song_form(rng, int(np.ceil(seconds / bar)) + 1)
    return Song(
        ctx=ctx, style=style, rules=rules, language=language, triplet=triplet, steps_per_beat=steps_per_beat,
        steps_per_bar=steps_per_bar, step=step, bar=bar, swing=swing, part_swing=swing if rules.swing_parts else 0.0,
        tonic=tonic, progression=progression, scale=_scale(style, rules, progression), chord_bars=chord_bars,
        slots=slots, timbres=timbres, has_vocals=has_vocals, bars=bars, t_start=-u(0.0, bar),
    )


def song_factors(song: Song) -> dict:
    """The per-song factors the generator drew, for scoring codes against them (disentanglement):
    tempo (beats per minute), key (the tonic's pitch class), mode (minor when the scale has a minor
    third), metre (triplet or straight grid), vocals (sung or not) and the lead instrument."""
    return {"tempo_bpm": round(60.0 / (song.step * song.steps_per_beat), 3), "key": int(song.tonic),
            "mode": "minor" if 3 in song.scale else "major", "metre": "triplet" if song.triplet else "straight",
            "vocals": bool(song.has_vocals), "lead": song.slots.get("lead") or "none"}
