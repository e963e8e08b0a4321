"""The singing voice: vowel formants, language-dependent singing habits and the rendering of one sung note.

The sung line is the weak audio cue for the language of an HBLM-like track:
Bangla and English singers differ slightly in vowels, vibrato, portamento,
ornaments, consonants and melodic steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dsp import RenderContext, hz, lookup, make_table
from .styles import Rules

VOWELS = {  # F1, F2, F3 (Hz) of an adult male voice
    "i": (280, 2250, 2900), "I": (400, 1920, 2550), "e": (420, 2050, 2650), "ae": (660, 1720, 2410),
    "a": (760, 1320, 2500), "V": (620, 1200, 2550), "O": (580, 920, 2450), "o": (460, 860, 2400),
    "u": (320, 820, 2300), "@": (500, 1500, 2500),
}
VOWEL_NAMES = tuple(VOWELS)
VOWEL_WEIGHTS = {
    "Bangla": np.array([0.12, 0.03, 0.13, 0.05, 0.24, 0.04, 0.14, 0.15, 0.07, 0.03]),
    "English": np.array([0.11, 0.14, 0.08, 0.11, 0.07, 0.12, 0.05, 0.07, 0.08, 0.17]),
}
SINGING = {  # vibrato rate (Hz), vibrato depth (cents), glide (s), ornament prob, consonant prob, step probs
    "Bangla": dict(rate=(5.2, 6.8), depth=(25, 65), glide=(0.04, 0.11), ornament=0.18, consonant=0.35,
                   steps=(-3, -2, -1, 0, 1, 2, 3), step_p=(0.03, 0.09, 0.3, 0.2, 0.28, 0.07, 0.03)),
    "English": dict(rate=(4.6, 6.2), depth=(15, 55), glide=(0.015, 0.06), ornament=0.05, consonant=0.55,
                    steps=(-4, -3, -2, -1, 0, 1, 2, 3, 4), step_p=(0.04, 0.07, 0.12, 0.2, 0.17, 0.2, 0.11, 0.06, 0.03)),
}


@dataclass(frozen=True)
class Singer:
    """One track's singer: voice colour, vibrato and glide drawn once, plus the language's habits."""

    tilt: float  # spectral tilt of the glottal source
    bw: float  # formant bandwidth factor
    rate: float  # vibrato rate (Hz)
    depth: float  # vibrato depth (cents)
    glide: float  # portamento time constant (s)
    tract: float  # formant frequency factor (vocal tract length)
    center: int  # middle of the singer's range (MIDI)
    habits: dict  # the language's entry of SINGING
    vowel_weights: np.ndarray  # probabilities of the vowels
    rap: bool


def draw_singer(rng: np.random.Generator, language: str, *, female: float, tilt: float, rap: bool) -> Singer:
    """Draw a singer of a language (``female``: probability; ``tilt``: brightening of the voice)."""
    u = rng.uniform
    habits = SINGING[language]
    is_female = rng.random() < female
    return Singer(
        tilt=u(1.0, 1.6) - tilt,
        bw=u(0.8, 1.4),
        rate=u(*habits["rate"]),
        depth=u(*habits["depth"]) * (0.2 if rap else 1.0),
        glide=u(*habits["glide"]),
        tract=(1.14 if is_female else 1.0) * u(0.94, 1.06),
        center=int(rng.integers(62, 68) if is_female else rng.integers(50, 57)),
        habits=habits,
        vowel_weights=VOWEL_WEIGHTS[language] / VOWEL_WEIGHTS[language].sum(),
        rap=rap,
    )


def vowel_table(ctx: RenderContext, vowel: str, midi: int, singer: Singer) -> np.ndarray:
    """Wavetable of a sung vowel at one pitch: harmonics weighted by three formant resonances (cached)."""
    key = ("vowel", vowel, midi)
    table = ctx.cache.get(key)
    if table is None:
        f0 = hz(midi)
        nh = max(1, int(min(5500.0, 0.45 * ctx.sr) / f0))
        fk = f0 * np.arange(1, nh + 1)
        env = np.zeros(nh)
        for fr, bw, g in zip(VOWELS[vowel], (80.0, 110.0, 160.0), (1.0, 0.7, 0.35)):
            fr = fr * singer.tract
            env += g / (1.0 + ((fk - fr) / (bw * singer.bw)) ** 2)
        amps = env * np.arange(1, nh + 1, dtype=float) ** -singer.tilt + 0.02
        table = ctx.cache[key] = make_table(amps)
    return table


def sung_note(ctx: RenderContext, singer: Singer, rules: Rules, midi: int, prev: float, dur: float) -> np.ndarray:
    """One sung (or rapped) syllable: a glide from the previous pitch, vibrato, a vowel and maybe a consonant.

    ``dur`` is the note's duration (s) after articulation; rapped syllables fall
    in pitch like speech and start with a consonant more often.
    """
    rng, u, sr = ctx.rng, ctx.rng.uniform, ctx.sr
    t = ctx.t[: int((dur + 0.06) * sr)]
    cents = 100.0 * (prev - midi) * np.exp(-t / singer.glide)
    if singer.rap:
        cents = cents - 150.0 * t / max(dur, 0.05)  # spoken syllables fall
    vib_on = np.clip((t - 0.15) / 0.2, 0.0, 1.0)
    cents = cents + singer.depth * vib_on * np.sin(2 * np.pi * singer.rate * t)
    if rules.ornaments and dur > 0.3 and rng.random() < singer.habits["ornament"]:
        cents = cents + 200.0 * np.exp(-(((t - 0.06) / 0.025) ** 2))
    f = hz(midi) * 2.0 ** (cents / 1200.0)
    ph = np.cumsum(f) / sr
    vowel = VOWEL_NAMES[int(rng.choice(len(VOWEL_NAMES), p=singer.vowel_weights))]
    x = lookup(vowel_table(ctx, vowel, midi, singer), ph)
    if rules.vocal_tremolo:
        x *= 1.0 + rules.vocal_tremolo * np.sin(2 * np.pi * 3.0 * t)
    x = ctx.fade(x, u(*rules.vocal_attack), 0.04 if singer.rap else 0.06)
    if rng.random() < (0.9 if singer.rap else singer.habits["consonant"]):
        nc = int(u(*rules.consonant_length) * sr)
        cons = ctx.highpass(ctx.noise(nc), u(2500, 5000)) * np.exp(-np.arange(nc) / (0.3 * nc))
        x[: min(nc, len(x))] += rules.consonant_gain * cons[: len(x)]
    return x
