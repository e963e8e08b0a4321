"""The accompaniment: how each harmony instrument plays the chords, and the bass line.

A style maps every instrument to a *play* (:data:`PLAYS`): power chords,
strums, arpeggios, block chords, held chords, reggae skanks, disco chops, jazz
comping, brass stabs.  A play renders one bar of one instrument; the part loops
over the bars and their sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .instruments import dist_chord, note
from .material import QUALITY, STRUM_PATTERNS, TRIPLET_STRUM, choose
from .plan import Song

_LEVELS = {"intro": 0.7, "verse": 0.75, "chorus": 1.0, "bridge": 0.7, "outro": 0.6}
_ARP_ROOTS = {"banjo": 55, "harp": 48, "synth_pluck": 55, "dotara": 52}
"""Lowest root of an arpeggio by instrument (45 for the others)."""


@dataclass
class Chords:
    """One harmony instrument of a song while its part is rendered."""

    kind: str
    tb: dict
    buf: np.ndarray
    strum: list  # the song's strum pattern
    pick: list  # the song's arpeggio order
    comp_hits: list[int] | None = None  # comping rhythm, redrawn at every section


@dataclass
class Bar:
    """The bar a play renders."""

    b: int
    sec: str
    level: float
    pc: int  # pitch class of the chord's root
    quality: str


def _power(song: Song, part: Chords, bar: Bar) -> None:
    """Power chords (root, fifth, octave): palm-muted eighths or ringing hits."""
    rng, style, spb, step = song.rng, song.style, song.steps_per_bar, song.step
    root = style.power_root + (bar.pc - style.power_root) % 12
    notes = (root, root + 7, root + 12)
    chug = style.chug_always or (bar.sec in ("verse", "intro") and rng.random() < song.rules.chug)
    if chug:
        every = 1 if (style.sixteenth_chug and rng.random() < style.sixteenth_chug) else 2
        for s_i in range(0, spb, every):
            dist_chord(song.ctx, part.buf, part.tb, song.at(bar.b, s_i), notes, every * step, 0.7 * bar.level, True)
    else:
        hits = [0, 6, 8] if (not song.triplet and rng.random() < 0.5) else [0]
        for j, s_i in enumerate(hits):
            end = hits[j + 1] if j + 1 < len(hits) else spb
            dist_chord(song.ctx, part.buf, part.tb, song.at(bar.b, s_i), notes, (end - s_i) * step, bar.level, False)


def _strum(song: Song, part: Chords, bar: Bar) -> None:
    """Guitar strums, down and up, each string a few milliseconds after the last."""
    spb = song.steps_per_bar
    notes = song.voicing(bar.pc, bar.quality, 40)
    pat = part.strum if not song.triplet else TRIPLET_STRUM
    for j, (s_i, v, direction) in enumerate(pat):
        if s_i >= spb:
            continue
        nxt = pat[j + 1][0] if j + 1 < len(pat) and pat[j + 1][0] < spb else spb
        strings = notes if direction > 0 else notes[::-1][:4]
        spread = song.rng.uniform(0.008, 0.02)
        for k, m in enumerate(strings):
            note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i) + k * spread, m, (nxt - s_i) * song.step,
                 v * bar.level * 0.35)


def _picked(song: Song, part: Chords, bar: Bar, low: int, every: int, advance: int, ring: float,
            velocity: float | None) -> None:
    """Chord tones one at a time in the song's pick order, every ``every`` steps.

    The order moves on every ``advance`` steps; each note rings ``ring`` steps;
    ``velocity`` None draws a velocity per note.
    """
    notes = song.voicing(bar.pc, bar.quality, low)
    for s_i in range(0, song.steps_per_bar, every):
        m = notes[part.pick[(s_i // advance) % len(part.pick)] % len(notes)]
        vel = bar.level * (velocity if velocity is not None else song.rng.uniform(0.6, 1.0))
        note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i), m, ring * song.step, vel)


def _arp(song: Song, part: Chords, bar: Bar) -> None:
    """Finger-picked arpeggio (banjo rolls in sixteenths)."""
    every = 1 if part.kind == "banjo" else (2 if song.steps_per_beat == 4 else 1)
    advance, ring = (every, 2.5 * every) if song.rules.arp_follows_grid else (2, 2.5)
    _picked(song, part, bar, _ARP_ROOTS.get(part.kind, 45), every, advance, ring, None)


def _eighths(song: Song, part: Chords, bar: Bar) -> None:
    """A synth arpeggio in even eighths at a fixed velocity."""
    _picked(song, part, bar, _ARP_ROOTS.get(part.kind, 45), 2, 2, 2, 0.7)


def _drone(song: Song, part: Chords, bar: Bar) -> None:
    """The tonic on every beat (the one-string ektara)."""
    beat = song.steps_per_beat
    m = 60 + (song.tonic - 60) % 12
    for s_i in range(0, song.steps_per_bar, beat):
        note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i), m, song.step * beat,
             bar.level * song.rng.uniform(0.5, 1.0))


def _block(song: Song, part: Chords, bar: Bar) -> None:
    """Block chords every beat or every two beats."""
    rules, beat = song.rules, song.steps_per_beat
    notes = song.voicing(bar.pc, bar.quality, 48 if part.kind != "rhodes" else 50)[:4]
    every = beat * 2 if song.rng.random() < 0.5 else beat
    held = every if rules.block_beats is None else rules.block_beats * beat
    for s_i in range(0, song.steps_per_bar, every):
        for m in notes:
            note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i), m, held * song.step,
                 bar.level * rules.block_velocity)


def _hold(song: Song, part: Chords, bar: Bar) -> None:
    """One chord held through the bar (pads, strings, organ, harmonium, brass)."""
    notes = song.voicing(bar.pc, bar.quality, 52 if part.kind != "pad" else 48)[:4]
    for m in notes:
        note(song.ctx, part.buf, part.kind, part.tb, song.bar_start(bar.b), m, song.bar, bar.level * 0.4)


def _skank(song: Song, part: Chords, bar: Bar) -> None:
    """Short chords on the off-beats (reggae)."""
    notes = song.voicing(bar.pc, bar.quality, 55)[:3]
    for s_i in song.offbeats:
        for m in notes:
            note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i), m,
                 0.6 * song.steps_per_beat * song.step * 0.5, bar.level * 0.45)


def _chop(song: Song, part: Chords, bar: Bar) -> None:
    """Muted sixteenth chops, mostly on the off sixteenths (disco guitar)."""
    notes = song.voicing(bar.pc, bar.quality, 57)[:3]
    for s_i in range(0, song.steps_per_bar):
        if song.rng.random() < (0.9 if s_i % 2 == 1 else 0.5):
            for m in notes:
                note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i), m, 0.6 * song.step,
                     bar.level * (0.45 if s_i % 4 == 2 else 0.3))


def _comp(song: Song, part: Chords, bar: Bar) -> None:
    """Jazz comping: rootless shell voicings on a rhythm kept through each section."""
    rng, u = song.rng, song.rng.uniform
    iv = QUALITY[bar.quality]
    tones = [iv[1], iv[-1], iv[2]] if len(iv) >= 4 else list(iv)
    root = 50 + (bar.pc - 50) % 12
    notes = [root + t for t in tones]
    if part.comp_hits is None or song.first_of_section(bar.b):
        size = int(rng.integers(2, 5))
        part.comp_hits = sorted({int(x) for x in rng.choice(song.steps_per_bar, size=size, replace=False)})
    for s_i in part.comp_hits:
        for m in notes:
            note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i), m, u(1.0, 3.0) * song.step,
                 bar.level * 0.35 * u(0.7, 1.0))


def _stabs(song: Song, part: Chords, bar: Bar, hits: list[int]) -> None:
    """Short brass chords on the given steps."""
    notes = song.voicing(bar.pc, bar.quality, 55)[:4]
    for s_i in hits:
        for m in notes:
            note(song.ctx, part.buf, part.kind, part.tb, song.at(bar.b, s_i), m, 1.5 * song.step, bar.level * 0.4)


def _stab(song: Song, part: Chords, bar: Bar) -> None:
    """Brass stabs on the and of one and on two, or on the last eighth."""
    _stabs(song, part, bar, [0, 6] if song.rng.random() < 0.5 else [song.steps_per_bar - 2])


def _offbeat_stab(song: Song, part: Chords, bar: Bar) -> None:
    """Brass stabs on every off-beat (reggae horns)."""
    _stabs(song, part, bar, song.offbeats)


PLAYS: dict[str, Callable[[Song, Chords, Bar], None]] = {
    "power": _power, "strum": _strum, "arp": _arp, "eighths": _eighths, "drone": _drone, "block": _block,
    "hold": _hold, "skank": _skank, "chop": _chop, "comp": _comp, "stab": _stab, "offbeat_stab": _offbeat_stab,
}
"""Play name -> renderer of one bar."""


def _chord_part(song: Song, slot: str, strum: list, pick: list) -> np.ndarray:
    """One harmony slot over the whole song; the second harmony instrument sits out some sections."""
    rng = song.rng
    part = Chords(song.slots[slot], song.timbres[slot], song.ctx.buffer(), strum, pick)
    play = PLAYS[song.style.plays.get(part.kind, "hold")]
    for b, sec in enumerate(song.bars):
        if slot == "harmony2" and (sec == "bridge" or (sec in ("intro", "outro", "verse") and rng.random() < 0.5)):
            continue
        play(song, part, Bar(b, sec, _LEVELS[sec], *song.chord_at(b)))
    return part.buf


def harmony_parts(song: Song) -> dict[str, np.ndarray]:
    """The stems of the harmony slots; the strum and pick patterns are drawn once per song."""
    strum = choose(song.rng, STRUM_PATTERNS)
    pick = choose(song.rng, song.rules.pick_patterns)
    return {slot: _chord_part(song, slot, strum, pick) for slot in ("harmony", "harmony2") if song.slots.get(slot)}


@dataclass
class BassLine:
    """The bass of a song while its part is rendered."""

    kind: str
    tb: dict
    buf: np.ndarray
    low: int  # lowest root (MIDI)
    how: str  # figure (BASS_FIGURES)
    pattern: list[int]  # onsets of the pattern figures


def _walking(song: Song, bass: BassLine, b: int, root: int, iv: tuple) -> None:
    """Quarter notes: root, two chord or scale tones, a neighbour of the next root."""
    beat, rng = song.steps_per_beat, song.rng
    nxt_pc, _ = song.chord_at(b + 1)
    target = bass.low + (nxt_pc - bass.low) % 12
    for j in range(4):
        if j == 0:
            m = root
        elif j == 3:
            m = target + choose(rng, [-1, 1, -2])
        else:
            m = root + int(choose(rng, [iv[1], iv[2], iv[-1], 2, 5, 9]))
            m = m - 12 if m > bass.low + 17 else m
        note(song.ctx, bass.buf, bass.kind, bass.tb, song.at(b, j * beat), m, beat * song.step * 0.95,
             rng.uniform(0.7, 1.0))


def _boogie(song: Song, bass: BassLine, b: int, root: int, iv: tuple) -> None:
    """The boogie-woogie eighth-note figure over the chord."""
    beat = song.steps_per_beat
    figure = [0, 4, 7, 9, 10, 9, 7, 4] if iv[1] == 4 else [0, 3, 7, 9, 10, 9, 7, 3]
    half = beat // 2 if beat == 4 else 2
    for j, off in enumerate(figure):
        s_i = (j // 2) * beat + (j % 2) * half
        note(song.ctx, bass.buf, bass.kind, bass.tb, song.at(b, s_i), root + off, half * song.step * 0.9,
             song.rng.uniform(0.7, 1.0))


def _boomchick(song: Song, bass: BassLine, b: int, root: int, iv: tuple) -> None:
    """Root and fifth on alternate half notes (country)."""
    beat = song.steps_per_beat
    fifth = root + 7 if root + 7 <= bass.low + 14 else root - 5
    for j, s_i in enumerate(range(0, song.steps_per_bar, 2 * beat)):
        note(song.ctx, bass.buf, bass.kind, bass.tb, song.at(b, s_i), root if j % 2 == 0 else fifth,
             1.5 * beat * song.step, song.rng.uniform(0.7, 1.0))


def _octave(song: Song, bass: BassLine, b: int, root: int, iv: tuple) -> None:
    """Eighths jumping between root and octave (disco)."""
    for s_i in range(0, song.steps_per_bar, 2):
        m = root + (12 if (s_i // 2) % 2 == 1 else 0)
        note(song.ctx, bass.buf, bass.kind, bass.tb, song.at(b, s_i), m, 1.6 * song.step, song.rng.uniform(0.7, 1.0))


def _sustain(song: Song, bass: BassLine, b: int, root: int, iv: tuple) -> None:
    """One held note per bar (cello an octave up)."""
    m = root + 12 if bass.kind == "cello" else root
    note(song.ctx, bass.buf, bass.kind, bass.tb, song.bar_start(b), m, song.bar * 0.98, song.rng.uniform(0.6, 0.9))


def _pattern(song: Song, bass: BassLine, b: int, root: int, iv: tuple) -> None:
    """The track's onset pattern on the root, with some fifths (reggae: fifths, octaves and thirds)."""
    rng, how, pattern = song.rng, bass.how, bass.pattern
    for j, s_i in enumerate(pattern):
        nxt = pattern[j + 1] if j + 1 < len(pattern) else song.steps_per_bar
        m = root
        if how == "reggae" and j % 3 == 2:
            m = root + choose(rng, [7, 12, iv[1]])
        elif how == "root" and j % 4 == 3 and rng.random() < 0.4:
            m = root + 7
        length = (nxt - s_i) * song.step * (0.98 if how == "808" else 0.85 if how == "reggae" else 0.9)
        note(song.ctx, bass.buf, bass.kind, bass.tb, song.at(b, s_i), m, length, rng.uniform(0.7, 1.0))


BASS_FIGURES: dict[str, Callable[[Song, BassLine, int, int, tuple], None]] = {
    "walking": _walking, "boogie": _boogie, "boomchick": _boomchick, "octave": _octave, "sustain": _sustain,
    "root": _pattern, "808": _pattern, "reggae": _pattern,
}
"""Bass figure -> renderer of one bar."""


def bass_part(song: Song) -> np.ndarray | None:
    """The bass stem, or None for a track without bass.

    The figure comes from the style (a cello always sustains, and the figures
    that need a straight grid fall back to the root pattern on a triplet grid).
    """
    kind = song.slots["bass"]
    if kind is None:
        return None
    rng, style = song.rng, song.style
    how = choose(rng, list(style.bass_styles))
    if kind == "cello":
        how = "sustain"
    elif how == "sustain":
        how = "root"
    if song.triplet and how in ("octave", "808", "reggae"):
        how = "root"
    low = 28 if kind == "sub808" else 33
    buf = song.ctx.buffer()
    pattern = list(choose(rng, list(style.bass_patterns)))
    if song.triplet:
        pattern = list(song.rules.triplet_bass[0] if rng.random() < 0.5 else song.rules.triplet_bass[1])
    pattern = [s for s in pattern if s < song.steps_per_bar] or [0]
    bass = BassLine(kind, song.timbres["bass"], buf, low, how, pattern)
    for b, sec in enumerate(song.bars):
        if sec in ("intro", "outro") and rng.random() < song.rules.bass_rest:
            continue
        pc, quality = song.chord_at(b)
        BASS_FIGURES[how](song, bass, b, low + (pc - low) % 12, QUALITY[quality])
    return buf
