"""Musical material: chords, progressions, drum patterns, song forms and the melody walk.

Chords are ``(root, quality)`` pairs, the root in semitones above the tonic;
progressions are lists of chords, one per bar (or per ``chord_bars`` bars).
Drum patterns map a drum voice to its velocities per step: 16 steps for a
straight 4/4 bar, 12 for a triplet (12/8) bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

QUALITY: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "5": (0, 7),
    "9": (0, 4, 7, 10, 14),
    "min9": (0, 3, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "min7b5": (0, 3, 6, 10),
    "dim": (0, 3, 6),
}
"""Chord quality -> intervals (semitones above the root)."""

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MIXOLYDIAN = (0, 2, 4, 5, 7, 9, 10)
NATURAL_MINOR = (0, 2, 3, 5, 7, 8, 10)
HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)
BLUES = (0, 3, 5, 6, 7, 10)

_I, _ii, _iii, _IV, _V, _vi = (0, "maj"), (2, "min"), (4, "min"), (5, "maj"), (7, "maj"), (9, "min")
_i, _iv, _v, _bIII, _bVI, _bVII = (0, "min"), (5, "min"), (7, "min"), (3, "maj"), (8, "maj"), (10, "maj")
_I7, _IV7, _V7, _bVII7, _bVI7, _VI7 = (0, "7"), (5, "7"), (7, "7"), (10, "7"), (8, "7"), (9, "7")
_i7, _ii7, _iii7, _iv7, _v7, _vi7 = (0, "min7"), (2, "min7"), (4, "min7"), (5, "min7"), (7, "min7"), (9, "min7")
_Imaj7, _IVmaj7, _bVImaj7, _bIImaj = (0, "maj7"), (5, "maj7"), (8, "maj7"), (1, "maj")
_i9, _ii9, _ii7b5 = (0, "min9"), (2, "min9"), (2, "min7b5")
_V_OF_MINOR = (7, "maj")

HBLM_PROGRESSIONS = {
    "Rock": [
        [_I, _bVII, _IV, _I], [_I, _IV, _V, _IV], [_i, _bVI, _bVII, _i], [_I, _V, _vi, _IV],
        [_i, _iv, _bVII, _bVI], [_i, _bVII, _bVI, _bVII], [_I, _bIII, _IV, _I], [_vi, _IV, _I, _V],
    ],
    "Pop": [
        [_I, _V, _vi, _IV], [_vi, _IV, _I, _V], [_I, _vi, _IV, _V], [_IV, _V, _iii, _vi],
        [_I, _iii, _vi, _IV], [_vi, _V, _IV, _V], [_i, _bVI, _bIII, _bVII],
    ],
    "Folk": [
        [_I, _I, _IV, _I], [_I, _V, _I, _I], [_i, _bVII, _i, _i], [_i, _iv, _i, _v],
        [_I, _IV, _I, _V], [_i, _i, _bVII, _i], [_I, _bVII, _I, _I], [_I, _IV, _V, _I],
    ],
    "Acoustic": [
        [_I, _iii, _IV, _V], [_I, _V, _vi, _IV], [_vi, _IV, _I, _V], [_I, _IV, _vi, _V],
        [_I, _vi, _ii, _V], [_IV, _I, _V, _vi], [_i, _bVII, _bVI, _bVII],
    ],
}

GTZAN_PROGRESSIONS = {
    "blues": [
        [_I7, _I7, _I7, _I7, _IV7, _IV7, _I7, _I7, _V7, _IV7, _I7, _V7],
        [_I7, _IV7, _I7, _I7, _IV7, _IV7, _I7, _I7, _V7, _IV7, _I7, _V7],
        [_i7, _i7, _i7, _i7, _iv7, _iv7, _i7, _i7, _bVI7, _V7, _i7, _V7],
        [_I7, _I7, _IV7, _I7, _V7, _IV7, _I7, _I7],
    ],
    "classical": [
        [_I, _IV, _V, _I], [_I, _vi, _IV, _V], [_i, _iv, _V_OF_MINOR, _i], [_I, _V, _vi, _iii, _IV, _I, _IV, _V],
        [_i, _bVI, _iv, _V_OF_MINOR], [_I, _ii, _V, _I], [_i, _bVII, _bVI, _V_OF_MINOR], [_I, _IV, _ii, _V7],
    ],
    "country": [
        [_I, _IV, _I, _V], [_I, _I, _IV, _V], [_I, _IV, _V, _I], [_I, _V, _vi, _IV],
        [_I, _I, _V, _V, _IV, _IV, _I, _I], [_I, _IV, _I, _V7],
    ],
    "disco": [
        [_i7, _iv7], [_ii7, _V7], [_vi7, _ii7, _V7, _Imaj7], [_Imaj7, _ii7], [_i7, _bVII, _bVImaj7, _V7],
        [_vi, _IV, _I, _V], [_i9, _iv7, _i9, _bVII7],
    ],
    "hiphop": [
        [_i7, _bVImaj7], [_i, _iv], [_i7, _i7, _bVII, _bVI], [_i9, _iv7], [_ii9, _V7, _Imaj7, _vi7],
        [_i, _bVI, _bIII, _bVII], [_i7, _v7],
    ],
    "jazz": [
        [_ii7, _V7, _Imaj7, _Imaj7], [_Imaj7, _vi7, _ii7, _V7], [_ii7, _V7, _iii7, _VI7], [_ii7b5, _V7, _i7, _i7],
        [_I7, _IV7, _I7, _V7], [_Imaj7, _IVmaj7, _iii7, _VI7, _ii7, _V7, _Imaj7, _V7], [_i9, _iv7, _bVII7, _bVImaj7],
    ],
    "metal": [
        [_i, _bVI, _bVII, _i], [_i, _i, _bIImaj, _i], [_i, _bVII, _bVI, _V_OF_MINOR], [_i, _iv, _bVI, _bVII],
        [_i, _i, _bVI, _bVII], [_i, _bIII, _bVII, _iv],
    ],
    "pop": HBLM_PROGRESSIONS["Pop"],
    "reggae": [
        [_I, _IV], [_I, _V], [_i, _iv], [_ii, _V], [_I, _IV, _V, _IV], [_i, _bVII], [_I, _vi, _IV, _V],
    ],
    "rock": HBLM_PROGRESSIONS["Rock"],
}

_H8 = [0.9, 0, 0.55, 0, 0.8, 0, 0.55, 0, 0.9, 0, 0.55, 0, 0.8, 0, 0.55, 0]
_BACKBEAT = [0, 0, 0, 0, 1, 0, 0, 0] * 2
_ONE_AND_THREE = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
_THREE = [0] * 8 + [1] + [0] * 7

PATTERNS: dict[tuple[str, int], list[dict[str, list[float]]]] = {
    ("rock", 16): [
        {"kick": _ONE_AND_THREE, "snare": _BACKBEAT, "hat": _H8},
        {"kick": [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0], "snare": _BACKBEAT, "hat": _H8},
        {"kick": [1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0], "snare": _BACKBEAT, "hat": _H8},
        {"kick": [1, 0, 1, 0] * 4, "snare": _BACKBEAT, "hat": [0.8, 0, 0.6, 0] * 4},
    ],
    ("rock", 12): [
        {"kick": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "snare": [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
         "hat": [0.8, 0.4, 0.5] * 4},
    ],
    ("pop", 16): [
        {"kick": [1, 0, 0, 0] * 4, "snare": _BACKBEAT, "hat": [0, 0, 0.8, 0] * 4},
        {"kick": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0], "snare": _BACKBEAT,
         "hat": [0.7, 0.35, 0.5, 0.35] * 4},
        {"kick": [1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0], "snare": _BACKBEAT,
         "hat": [0.6, 0, 0.6, 0.3] * 4},
    ],
    ("pop", 12): [
        {"kick": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "snare": [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
         "hat": [0.6, 0.3, 0.4] * 4},
    ],
    ("hand", 16): [
        {"low": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0],
         "high": [0, 0, 0.7, 0, 0.9, 0, 0, 0.5, 0.8, 0, 0, 0, 0.9, 0, 0.6, 0]},
        {"low": [1, 0, 0, 0.6, 0, 0, 0, 0, 1, 0, 0, 0.6, 0, 0, 0, 0],
         "high": [0, 0, 0.8, 0, 0.8, 0, 0.6, 0, 0, 0, 0.8, 0, 0.8, 0, 0.6, 0.4]},
        {"low": _ONE_AND_THREE, "high": [0.5, 0, 0.8, 0.4] * 4},
    ],
    ("hand", 12): [
        {"low": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "high": [0, 0, 0.8, 0.6, 0, 0.8, 0, 0, 0.8, 0.6, 0, 0.7]},
        {"low": [1, 0, 0, 0.5, 0, 0, 1, 0, 0, 0, 0, 0], "high": [0, 0.6, 0.8, 0, 0.7, 0.6, 0, 0.6, 0.8, 0, 0.7, 0.5]},
    ],
    ("light", 16): [
        {"low": [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0], "slap": _BACKBEAT, "shaker": [0.6, 0.3] * 8},
        {"low": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "slap": _BACKBEAT, "shaker": [0.7, 0, 0.5, 0] * 4},
    ],
    ("light", 12): [
        {"low": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "slap": [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
         "shaker": [0.6, 0.3, 0.4] * 4},
    ],
    ("metal", 16): [
        {"kick": [1.0, 0.8] * 8, "snare": _BACKBEAT, "hat": [0.9, 0, 0.6, 0] * 4},
        {"kick": [1, 0, 0.8, 0.8] * 4, "snare": _BACKBEAT, "crash": [0.5, 0, 0, 0] * 4},
        {"kick": [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0], "snare": _THREE, "hat": _H8},
        {"kick": [1, 0] * 8, "snare": [0, 1] * 8, "hat": [1, 0] * 8},
    ],
    ("metal", 12): [
        {"kick": [1, 0.8, 0.8] * 4, "snare": [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0], "hat": [0.8, 0, 0] * 4},
    ],
    ("disco", 16): [
        {"kick": [1, 0, 0, 0] * 4, "snare": _BACKBEAT, "ohat": [0, 0, 1, 0] * 4, "hat": [0.6, 0.3, 0, 0.3] * 4},
        {"kick": [1, 0, 0, 0] * 4, "snare": _BACKBEAT, "hat": [0.7, 0.4] * 8},
        {"kick": [1, 0, 0, 0] * 4, "snare": [0, 0, 0, 0, 1, 0, 0, 0.4] * 2, "ohat": [0, 0, 0.9, 0] * 4},
    ],
    ("disco", 12): [
        {"kick": [1, 0, 0] * 4, "snare": [0, 0, 0, 1, 0, 0] * 2, "ohat": [0, 0, 0.8] * 4},
    ],
    ("boom", 16): [
        {"kick": [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0], "snare": _BACKBEAT, "hat": [0.8, 0, 0.5, 0] * 4},
        {"kick": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "snare": _BACKBEAT,
         "hat": [0.7, 0.35, 0.5, 0.35] * 4},
        {"kick": [1, 0, 0, 0.7, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "snare": _THREE, "hat": [0.7, 0.4] * 8},
        {"kick": [1, 0, 0, 0, 0, 0, 0.8, 0, 0, 1, 0, 0, 0, 0, 0, 0], "snare": _BACKBEAT, "hat": [0.8, 0, 0.5, 0] * 4},
    ],
    ("boom", 12): [
        {"kick": [1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0], "snare": [0, 0, 0, 1, 0, 0] * 2, "hat": [0.8, 0, 0.5] * 4},
    ],
    ("jazz", 16): [
        {"ride": [1, 0, 0, 0, 1, 0, 0, 0.6, 1, 0, 0, 0, 1, 0, 0, 0.6], "hat": [0, 0, 0, 0, 0.6, 0, 0, 0] * 2,
         "kick": [0.3, 0, 0, 0] * 4},
        {"ride": [1, 0, 0.5, 0] * 4, "hat": [0, 0, 0, 0, 0.6, 0, 0, 0] * 2, "brush": [0.3, 0.2] * 8},
    ],
    ("jazz", 12): [
        {"ride": [1, 0, 0, 1, 0, 0.6, 1, 0, 0, 1, 0, 0.6], "hat": [0, 0, 0, 0.6, 0, 0] * 2, "kick": [0.3, 0, 0] * 4},
        {"ride": [1, 0, 0, 1, 0, 0.6] * 2, "hat": [0, 0, 0, 0.6, 0, 0] * 2, "brush": [0.4, 0, 0.2] * 4},
        {"ride": [1, 0, 0.5] * 4, "hat": [0, 0, 0, 0.6, 0, 0] * 2, "kick": [0.3, 0, 0, 0, 0, 0] * 2},
    ],
    ("reggae", 16): [
        {"kick": _THREE, "rim": _THREE, "hat": [0.6, 0, 0.4, 0] * 4},
        {"kick": [1, 0, 0, 0] * 4, "rim": _THREE, "hat": [0.3, 0, 0.7, 0] * 4},
        {"kick": _ONE_AND_THREE, "rim": _BACKBEAT, "hat": [0.5, 0.3, 0.6, 0.3] * 4},
    ],
    ("reggae", 12): [
        {"kick": [0] * 6 + [1] + [0] * 5, "rim": [0] * 6 + [1] + [0] * 5, "hat": [0.6, 0, 0.4] * 4},
    ],
    ("country", 16): [
        {"kick": _ONE_AND_THREE, "brush": [0.3, 0.2, 0.9, 0.2] * 4},
        {"kick": _ONE_AND_THREE, "snare": _BACKBEAT, "hat": [0.7, 0, 0.4, 0] * 4},
        {"kick": _ONE_AND_THREE, "rim": _BACKBEAT, "brush": [0.5, 0.2] * 8},
    ],
    ("country", 12): [
        {"kick": [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "brush": [0.6, 0, 0.3, 0.9, 0, 0.3] * 2},
    ],
}
"""(kit, steps per bar) -> drum patterns to choose from."""

STRUM_PATTERNS = [
    [(0, 1.0, 1), (4, 0.8, 1), (6, 0.6, -1), (10, 0.6, -1), (12, 0.8, 1), (14, 0.6, -1)],
    [(0, 1.0, 1), (4, 0.9, 1), (8, 1.0, 1), (12, 0.9, 1)],
    [(0, 1.0, 1), (6, 0.7, 1), (8, 0.8, -1), (12, 0.9, 1), (14, 0.6, -1)],
    [(0, 1.0, 1), (8, 1.0, 1)],
]
"""Strums of a straight bar: (step, velocity, direction: 1 down, -1 up)."""

TRIPLET_STRUM = [(0, 1.0, 1), (3, 0.6, -1), (6, 0.9, 1), (9, 0.6, -1)]

PICK_PATTERNS = (
    [0, 2, 1, 3, 2, 4, 3, 1], [0, 2, 3, 4, 0, 2, 3, 4], [0, 3, 2, 3, 1, 3, 2, 3], [0, 1, 2, 3, 4, 3, 2, 1],
)
"""Arpeggio orders (indices into a chord voicing)."""

FORMS = [
    ["intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"],
    ["intro", "verse", "verse", "chorus", "bridge", "chorus", "outro"],
    ["verse", "chorus", "verse", "chorus", "chorus", "outro"],
    ["intro", "chorus", "verse", "chorus", "bridge", "verse", "chorus"],
]
SECTION_BARS = {"intro": (2, 4), "verse": (4, 8), "chorus": (4, 8), "bridge": (2, 4), "outro": (2, 4)}
"""Section -> (min, max) bars; sections have an even number of bars so that phrases span two."""


_T = TypeVar("_T")


def choose(rng: np.random.Generator, options: Sequence[_T]) -> _T:
    """One option, uniformly."""
    return options[int(rng.integers(len(options)))]


def mutate(pattern: dict, rng: np.random.Generator, steps_per_beat: int, p_add: float, p_del: float) -> dict:
    """A variant of a drum pattern: ghost notes added, off-beat hits removed (beats are kept)."""
    out = {}
    for voice, vels in pattern.items():
        v = np.array(vels, dtype=float)
        on_beat = np.arange(len(v)) % steps_per_beat == 0
        add = (v == 0) & (rng.random(len(v)) < p_add)
        v[add] = rng.uniform(0.2, 0.55, add.sum())
        delete = (v > 0) & ~on_beat & (rng.random(len(v)) < p_del)
        v[delete] = 0.0
        out[voice] = v
    return out


def _extension(rng: np.random.Generator, quality: str, extensions: dict | None) -> str:
    """The richer chord a triad turns into (see :func:`colour_chords`)."""
    if extensions is None:
        if rng.random() < 0.6:
            return {"maj": "maj7", "min": "min7"}[quality]
        return "7" if quality == "maj" else quality
    drawn = {base: choose(rng, list(options)) for base, options in extensions.items()}
    return drawn[quality]


def colour_chords(
    rng: np.random.Generator, progression: list[list], seventh: float, extensions: dict | None, sus: float
) -> None:
    """Turn some triads of a progression (in place) into seventh, ninth or suspended chords.

    Each major or minor triad becomes richer with probability ``seventh``:
    with ``extensions`` (options per triad quality, one drawn for each quality)
    or, without, into its diatonic seventh (probability 0.6) or else a dominant
    seventh on a major triad.  A triad left alone is suspended with probability
    ``sus`` (no draw when 0).
    """
    for chord in progression:
        if chord[1] not in ("maj", "min"):
            continue
        if rng.random() < seventh:
            chord[1] = _extension(rng, chord[1], extensions)
        elif sus > 0 and rng.random() < sus:
            chord[1] = choose(rng, ["sus2", "sus4"])


def song_form(rng: np.random.Generator, n_bars: int) -> list[str]:
    """Section name of every bar: a random form, repeated, entered at a random early bar."""
    form = list(choose(rng, FORMS))
    bars: list[str] = []
    while len(bars) < n_bars + 16:
        for sec in form:
            lo, hi = SECTION_BARS[sec]
            bars += [sec] * (int(rng.integers(lo // 2, hi // 2 + 1)) * 2)
    offset = int(rng.integers(0, 9)) if rng.random() < 0.5 else 0
    return bars[offset : offset + n_bars]


def walk(rng: np.random.Generator, notes: np.ndarray, count: int, steps: Sequence[int], probs: Sequence[float]) -> list[int]:
    """A random walk over ``notes`` (scale tones) from the middle of the range, clipped at its ends."""
    idx = int(np.argmin(np.abs(notes - (notes[0] + notes[-1]) / 2)))
    out = []
    for _ in range(count):
        idx = int(np.clip(idx + rng.choice(steps, p=probs), 0, len(notes) - 1))
        out.append(int(notes[idx]))
    return out
