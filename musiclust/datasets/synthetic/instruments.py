"""Pitched instruments: per-track timbres and the rendering of their notes.

Three families: plucked strings and keys (a bright and a dull wavetable with
different decays), sustained instruments (one wavetable with vibrato, detuned
chorus, tremolo and breath noise) and distorted guitars (tanh-driven saws
through a cabinet low-pass).  A timbre is a plain dict of parameters drawn once
per track, so that the same instrument sounds different from track to track.
"""

from __future__ import annotations

import numpy as np

from .dsp import RenderContext, hz, lookup, make_table

_HARMONICS = np.arange(1, 61, dtype=float)


def _plucked(rng: np.random.Generator, kind: str, k: np.ndarray) -> dict | None:
    """Timbre of a plucked or struck instrument, or None if ``kind`` is not one."""
    u = rng.uniform
    if kind in ("acoustic_guitar", "fingerpick"):
        body = 1.0 + u(0.3, 1.5) * np.exp(-0.5 * ((k - u(2, 5)) / 1.5) ** 2)
        return dict(kind="pluck", bright=body * k ** -u(0.8, 1.3), dull=k ** -u(1.8, 2.8), decay=u(0.6, 1.4),
                    fast=u(0.08, 0.2), mix=u(0.5, 1.0), nh=40)
    if kind in ("dotara", "ektara"):
        nasal = 1.0 + u(1.0, 3.0) * np.exp(-0.5 * ((k - u(3, 7)) / 2.0) ** 2)
        return dict(kind="pluck", bright=nasal * k ** -u(0.7, 1.1), dull=nasal * k ** -u(1.5, 2.2),
                    decay=u(0.3, 0.8), fast=u(0.1, 0.25), mix=u(0.6, 1.0), nh=40, bend=u(0.0, 60.0))
    if kind == "piano":
        return dict(kind="pluck", bright=k ** -u(1.0, 1.5), dull=k ** -u(2.2, 3.0), decay=u(0.8, 1.8),
                    fast=u(0.15, 0.3), mix=u(0.4, 0.8), nh=30)
    if kind == "synth_pluck":
        p = u(0.9, 1.1)
        return dict(kind="pluck", bright=k ** -p, dull=k ** -(p + 1.0), decay=u(0.15, 0.4), fast=u(0.2, 0.5),
                    mix=u(0.6, 1.2), nh=50)
    if kind == "bass_pluck":
        return dict(kind="pluck", bright=k ** -u(1.3, 2.0), dull=k ** -u(2.5, 3.5), decay=u(0.5, 1.2),
                    fast=u(0.1, 0.3), mix=u(0.3, 0.7), nh=16)
    if kind == "bass_rock":
        return dict(kind="pluck", bright=k ** -u(1.0, 1.5), dull=k ** -u(2.0, 2.8), decay=u(0.6, 1.4),
                    fast=u(0.1, 0.3), mix=u(0.5, 1.0), nh=24, drive=u(1.0, 3.0))
    if kind == "clean_guitar":
        pickup = 1.0 + 0.8 * np.cos(2 * np.pi * k * u(0.08, 0.25))
        return dict(kind="pluck", bright=pickup * k ** -u(0.9, 1.3), dull=k ** -u(2.0, 2.6), decay=u(0.4, 1.0),
                    fast=u(0.1, 0.25), mix=u(0.6, 1.1), nh=40)
    if kind == "banjo":
        return dict(kind="pluck", bright=k ** -u(0.5, 0.8), dull=k ** -u(1.2, 1.6), decay=u(0.25, 0.5),
                    fast=u(0.08, 0.15), mix=1.0, nh=50, bend=u(20.0, 60.0))
    if kind == "harp":
        return dict(kind="pluck", bright=k ** -u(1.5, 2.0), dull=k ** -u(2.5, 3.2), decay=u(1.0, 2.0),
                    fast=0.3, mix=u(0.2, 0.4), nh=20)
    if kind == "rhodes":
        bell = 1.0 + u(1.0, 4.0) * (k == 7)
        return dict(kind="pluck", bright=bell * k ** -2.0, dull=k ** -u(2.5, 3.5), decay=u(1.0, 2.0),
                    fast=u(0.05, 0.15), mix=u(0.3, 0.7), nh=20)
    if kind == "upright":
        return dict(kind="pluck", bright=k ** -u(1.5, 2.2), dull=k ** -u(2.8, 3.5), decay=u(0.3, 0.7),
                    fast=0.2, mix=0.5, nh=12)
    return None


def _bowed_and_blown(rng: np.random.Generator, kind: str, k: np.ndarray) -> dict | None:
    """Timbre of a bowed string, reed, pipe or brass instrument, or None."""
    u = rng.uniform
    if kind == "harmonium":
        even = u(0.3, 0.9)
        amps = k ** -u(0.9, 1.3) * np.where(k % 2 == 0, even, 1.0)
        return dict(kind="sustain", amps=amps, attack=u(0.04, 0.12), release=u(0.08, 0.2), detune=u(3, 8),
                    trem=(u(3.5, 6.0), u(0.05, 0.25)), vib=(5.0, 0.0), nh=40)
    if kind == "strings":
        return dict(kind="sustain", amps=k ** -1.0, lp=u(1200, 3000), attack=u(0.2, 0.5), release=u(0.2, 0.5),
                    detune=u(4, 10), trem=(0.3, 0.0), vib=(u(4.5, 6), u(6, 15)), nh=50)
    if kind == "organ":
        amps = np.zeros(16)
        for h in (1, 2, 3, 4, 6, 8):
            amps[h - 1] = u(0.1, 1.0)
        amps[0] = 1.0
        return dict(kind="sustain", amps=amps, attack=0.01, release=0.05, detune=u(1, 4),
                    trem=(u(5.5, 7.0), u(0.05, 0.2)), vib=(6.5, u(0, 6)), nh=16)
    if kind == "flute":
        amps = np.array([1.0, u(0.05, 0.35), u(0.02, 0.15), u(0.0, 0.05)])
        return dict(kind="sustain", amps=amps, attack=u(0.04, 0.1), release=u(0.05, 0.12), detune=0.0,
                    trem=(u(3, 5), u(0.0, 0.1)), vib=(u(4.5, 6.0), u(10, 30)), nh=4, breath=u(0.05, 0.25))
    if kind == "cello":
        return dict(kind="sustain", amps=k ** -0.9, lp=u(1500, 3000), attack=u(0.1, 0.3), release=u(0.1, 0.3),
                    detune=u(2, 6), trem=(0.3, 0.0), vib=(u(4.5, 6.0), u(8, 20)), nh=40)
    if kind == "fiddle":
        return dict(kind="sustain", amps=k ** -0.8, lp=u(3000, 6000), attack=u(0.03, 0.08), release=u(0.05, 0.15),
                    detune=0.0, trem=(0.3, 0.0), vib=(u(5.0, 6.5), u(15, 35)), nh=40)
    if kind in ("brass", "trumpet"):
        section = kind == "brass"
        return dict(kind="sustain", amps=k ** -u(0.6, 1.0), lp=u(1500, 4000) if section else u(2500, 5000),
                    attack=u(0.03, 0.08), release=0.08, detune=u(2, 8) if section else 0.0, trem=(0.3, 0.0),
                    vib=(5.5, u(0, 10) if section else u(5, 15)), nh=40)
    if kind == "sax":
        amps = k ** -u(0.8, 1.2) * np.where(k % 2 == 0, u(0.5, 1.0), 1.0)
        return dict(kind="sustain", amps=amps, lp=u(1800, 3500), attack=0.03, release=0.06, detune=0.0,
                    trem=(0.3, 0.0), vib=(u(4.5, 6.0), u(10, 30)), nh=40, breath=u(0.05, 0.2))
    if kind == "harmonica":
        amps = k ** -0.7 * np.where(k % 2 == 0, u(0.2, 0.5), 1.0)
        return dict(kind="sustain", amps=amps, lp=u(2500, 4500), attack=0.02, release=0.05, detune=u(0, 6),
                    trem=(u(4.0, 7.0), u(0.1, 0.4)), vib=(5.0, u(10, 40)), nh=40, breath=u(0.05, 0.15))
    return None


def _electronic(rng: np.random.Generator, kind: str, k: np.ndarray) -> dict | None:
    """Timbre of a synthesiser or an amplified guitar, or None."""
    u = rng.uniform
    if kind == "pad":
        fc = u(900, 3500)
        return dict(kind="sustain", amps=k ** -1.0, lp=fc, attack=u(0.15, 0.5), release=u(0.3, 0.7),
                    detune=u(7, 18), trem=(0.3, 0.0), vib=(5.0, 0.0), nh=60)
    if kind == "synth_lead":
        duty = u(0.2, 0.5)
        amps = np.abs(np.sin(np.pi * k * duty)) / k
        return dict(kind="sustain", amps=amps, lp=u(2000, 6000), attack=0.01, release=u(0.05, 0.2),
                    detune=u(4, 12), trem=(0.3, 0.0), vib=(u(5, 6), u(0, 20)), nh=60)
    if kind == "synth_bass":
        return dict(kind="sustain", amps=k ** -1.0 * np.where(k == 1, 2.0, 1.0), lp=u(250, 900), attack=0.005,
                    release=u(0.03, 0.1), detune=u(0, 6), trem=(0.3, 0.0), vib=(5.0, 0.0), nh=40)
    if kind == "sub808":
        return dict(kind="sustain", amps=np.array([1.0, u(0.0, 0.15), u(0.0, 0.05)]), attack=0.005,
                    release=u(0.05, 0.2), detune=0.0, trem=(0.3, 0.0), vib=(5.0, 0.0), nh=3)
    if kind == "dist_guitar":
        return dict(kind="dist", drive=u(4.0, 18.0), cab=u(3000, 6000), detune=u(3, 10), mute=u(0.06, 0.14))
    if kind == "lead_guitar":
        return dict(kind="dist", drive=u(6.0, 20.0), cab=u(2500, 5500), detune=u(0, 4), mute=0.2,
                    vib=(u(5, 6.5), u(15, 40)))
    if kind == "crunch_guitar":
        return dict(kind="dist", drive=u(1.5, 4.0), cab=u(2500, 5000), detune=u(2, 8), mute=u(0.08, 0.16))
    return None


def timbre(rng: np.random.Generator, kind: str) -> dict:
    """Per-track random timbre parameters of an instrument.

    Parameters
    ----------
    rng : numpy.random.Generator
        The track's generator.
    kind : str
        Instrument name (e.g. ``"piano"``, ``"dist_guitar"``, ``"sax"``).

    Returns
    -------
    dict
        ``kind`` (``"pluck"``, ``"sustain"`` or ``"dist"``) and the parameters
        that :func:`note` and :func:`dist_chord` read.

    Raises
    ------
    ValueError
        For an unknown instrument.
    """
    for family in (_plucked, _bowed_and_blown, _electronic):
        params = family(rng, kind, _HARMONICS)
        if params is not None:
            return params
    raise ValueError(kind)


def _pluck_wave(ctx: RenderContext, kind: str, tb: dict, midi: int) -> np.ndarray:
    """The full decaying waveform of one plucked pitch (cached per track)."""
    key = ("pluck", kind, midi)
    wave = ctx.cache.get(key)
    if wave is None:
        f = hz(midi)
        nh = max(1, min(tb["nh"], int(0.45 * ctx.sr / f)))
        bright = make_table(tb["bright"][:nh])
        dull = make_table(tb["dull"][:nh])
        tau = tb["decay"] * (220.0 / f) ** 0.35
        n = int(min(4.0, 5.0 * tau) * ctx.sr) + 1
        t = ctx.t[:n]
        ph = f * t
        if tb.get("bend"):
            # twangy pitch drop of the ektara / dotara / banjo
            ph = ph + f * (tb["bend"] / 1200.0 * np.log(2)) * 0.05 * (1 - np.exp(-t / 0.05))
        wave = tb["mix"] * lookup(bright, ph) * np.exp(-t / (tau * tb["fast"])) + lookup(dull, ph) * np.exp(-t / tau)
        na = max(1, int(0.002 * ctx.sr))
        wave[:na] *= np.linspace(0, 1, na)
        if tb.get("drive"):
            wave = np.tanh(tb["drive"] * wave) / np.tanh(tb["drive"])
        wave /= max(1e-9, np.abs(wave).max())
        ctx.cache[key] = wave
    return wave


def _sustain_wave(ctx: RenderContext, kind: str, tb: dict, midi: int, n: int) -> np.ndarray:
    """At least ``n`` samples of one sustained pitch (cached per track, re-rendered when too short)."""
    key = ("sustain", kind, midi)
    wave = ctx.cache.get(key)
    if wave is None or len(wave) < n:
        f = hz(midi)
        nh = max(1, min(tb["nh"], int(0.45 * ctx.sr / f)))
        amps = np.array(tb["amps"][:nh], dtype=float)
        if "lp" in tb:
            kk = np.arange(1, nh + 1)
            amps = amps / np.sqrt(1.0 + (kk * f / tb["lp"]) ** 4)
        table = make_table(amps)
        m = max(n, int(4.0 * ctx.sr))
        t = ctx.t[:m]
        vib_rate, vib_depth = tb["vib"]
        ph = f * t
        if vib_depth > 0:
            ph = ph + f * vib_depth / 1200.0 * np.log(2) * (1 - np.cos(2 * np.pi * vib_rate * t)) / (2 * np.pi * vib_rate)
        wave = lookup(table, ph)
        if tb["detune"] > 0:
            wave = 0.5 * (wave + lookup(table, ph * 2.0 ** (tb["detune"] / 1200.0) + 0.37))
        trem_rate, trem_depth = tb["trem"]
        if trem_depth > 0:
            wave = wave * (1.0 - trem_depth * (0.5 + 0.5 * np.sin(2 * np.pi * trem_rate * t)))
        if tb.get("breath"):
            breath = ctx.bandpass(ctx.noise(m), 0.8 * f, min(4 * f, 0.4 * ctx.sr))
            wave = wave + tb["breath"] * breath / max(1e-9, np.abs(breath).max())
        wave /= max(1e-9, np.abs(wave).max())
        ctx.cache[key] = wave
    return wave


def note(ctx: RenderContext, buf: np.ndarray, kind: str, tb: dict, t0: float, midi: int, dur: float, vel: float) -> None:
    """Render one note of a plucked or sustained instrument into ``buf``.

    Plucked notes ring for their natural decay and are damped at the end of
    ``dur``; sustained notes last ``dur`` plus the release of the timbre.
    """
    if tb["kind"] == "pluck":
        wave = _pluck_wave(ctx, kind, tb, midi)
        n = min(len(wave), int((dur + 0.08) * ctx.sr))
        x = wave[:n] * vel
        nd = int(dur * ctx.sr)
        if nd < n:  # damp the string at the end of the note
            x = x.copy()
            x[nd:] *= np.linspace(1.0, 0.0, n - nd)
    else:
        n = int((dur + tb["release"]) * ctx.sr)
        wave = _sustain_wave(ctx, kind, tb, midi, n)
        x = ctx.fade(wave[:n] * vel, tb["attack"], tb["release"])
    ctx.add(buf, t0, x)


def dist_chord(
    ctx: RenderContext, buf: np.ndarray, tb: dict, t0: float, notes: tuple, dur: float, vel: float, muted: bool
) -> None:
    """Distorted (tanh) power chord or single lead note through a cabinet low-pass.

    ``muted`` gives the short palm-muted chug; otherwise the chord rings.
    """
    n = int((dur + 0.05) * ctx.sr)
    key = ("dist", notes, n, muted)
    x = ctx.cache.get(key)
    if x is None:
        saw = ctx.cache.get(("sawtable",))
        if saw is None:
            saw = ctx.cache[("sawtable",)] = make_table(1.0 / np.arange(1, 200))
        t = ctx.t[:n]
        x = np.zeros(n)
        for j, m in enumerate(notes):
            f = hz(m)
            det = 2.0 ** (tb["detune"] * (j - 0.5) / 1200.0)
            ph = f * det * t
            if "vib" in tb:
                rate, depth = tb["vib"]
                ph = ph + (f * depth / 1200.0 * np.log(2) * (1 - np.cos(2 * np.pi * rate * t)) / (2 * np.pi * rate)
                           * np.clip(t / 0.3, 0, 1))
            x += lookup(saw, ph)
        env = np.exp(-t / tb["mute"]) if muted else np.exp(-t / 2.5)
        x = np.tanh(tb["drive"] * x * env / len(notes))
        x = ctx.lowpass(ctx.highpass(x, 90.0, 1), tb["cab"], 2)
        x = ctx.fade(x, 0.003, 0.04)
        x /= max(1e-9, np.abs(x).max())
        ctx.cache[key] = x
    ctx.add(buf, t0, x * vel)


def play(ctx: RenderContext, buf: np.ndarray, kind: str, tb: dict, t0: float, midi: int, dur: float, vel: float) -> None:
    """One melody note on any instrument: a single-note distorted lead or a plucked / sustained note."""
    if tb["kind"] == "dist":
        dist_chord(ctx, buf, tb, t0, (midi,), dur, vel, False)
    else:
        note(ctx, buf, kind, tb, t0, midi, dur, vel)
