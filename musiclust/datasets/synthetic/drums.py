"""Drum kits (one synthesised sample per voice, tuned per track) and the drum part of a song."""

from __future__ import annotations

import numpy as np

from .dsp import RenderContext
from .material import PATTERNS, choose, mutate
from .plan import Song

BAND_KITS = ("rock", "pop", "hand", "light")
"""The kits of the HBLM-like genres; the GTZAN-like corpus adds open hat, brush and rim to them."""

_LEVELS = {"intro": 0.5, "verse": 0.8, "chorus": 1.0, "bridge": 0.6, "outro": 0.5}
_SPARSE_SECTIONS = ("intro", "outro", "bridge")
_HATS = ("hat", "shaker", "ohat")


def membrane(
    ctx: RenderContext, f_hi: float, f_lo: float, sweep: float, decay: float, length: float, click: float = 0.0,
    partials: tuple[tuple[float, float], ...] = ((1.0, 1.0),),
) -> np.ndarray:
    """A struck membrane: a pitch sweep from ``f_hi`` down to ``f_lo``, decaying partials and a noise click."""
    n = int(length * ctx.sr)
    t = ctx.t[:n]
    f = f_lo + (f_hi - f_lo) * np.exp(-t / sweep)
    ph = np.cumsum(f) / ctx.sr
    x = np.zeros(n)
    for ratio, amp in partials:
        x += amp * np.sin(2 * np.pi * ratio * ph) * np.exp(-t / (decay / ratio ** 0.5))
    if click > 0:
        x += click * ctx.highpass(ctx.noise(n), 2000.0) * np.exp(-t / 0.004)
    return x


def noisy(ctx: RenderContext, decay: float, lo: float, hi: float, length: float, attack: float = 0.0005) -> np.ndarray:
    """Band-passed, exponentially decaying noise (snares, hats, shakers, brushes)."""
    n = int(length * ctx.sr)
    x = ctx.bandpass(ctx.noise(n), lo, hi) * np.exp(-ctx.t[:n] / decay)
    return ctx.fade(x, attack, 0.005)


def cymbal(ctx: RenderContext, decay: float, length: float, bell: float = 0.0) -> np.ndarray:
    """Ride / open hat: bright noise plus a few inharmonic partials."""
    u = ctx.rng.uniform
    n = int(length * ctx.sr)
    t = ctx.t[:n]
    x = noisy(ctx, decay, u(3000, 5000), 0.45 * ctx.sr, length)
    if bell > 0:
        f0 = u(300, 600)
        for ratio in (1.0, 1.48, 2.14, 2.92, 3.7):
            x += bell / ratio * np.sin(2 * np.pi * f0 * ratio * t + u(0, 6.3)) * np.exp(-t / (0.6 * decay))
    return x


def _clap(ctx: RenderContext) -> np.ndarray:
    """A clap (three noise bursts) with a little snare tone under it."""
    u = ctx.rng.uniform
    n = int(0.3 * ctx.sr)
    clap = np.zeros(n)
    for j, off in enumerate((0.0, 0.011, 0.023)):
        burst = noisy(ctx, 0.012 if j < 2 else u(0.06, 0.15), u(900, 1400), u(2500, 5000), 0.25)
        s = int(off * ctx.sr)
        clap[s : s + len(burst)] += burst[: n - s]
    clap += u(0.0, 0.6) * membrane(ctx, u(180, 230), 170, 0.02, 0.08, 0.3)
    return clap


def _band_kit(ctx: RenderContext, kit: str) -> dict[str, np.ndarray]:
    """Rock and pop kits (kick, snare or clap, hat, crash, tom), hand drums, and the light cajon-like kit."""
    u = ctx.rng.uniform
    out: dict[str, np.ndarray] = {}
    if kit == "rock":
        out["kick"] = membrane(ctx, u(90, 160), u(45, 65), u(0.02, 0.05), u(0.12, 0.3), 0.5, click=u(0.1, 0.5))
        out["snare"] = membrane(ctx, u(170, 240), u(150, 200), 0.03, u(0.05, 0.12), 0.4) + u(0.6, 1.4) * noisy(
            ctx, u(0.08, 0.2), u(1500, 2500), 9000, 0.4)
        out["hat"] = noisy(ctx, u(0.02, 0.06), u(6000, 8000), 11000, 0.2)
    elif kit == "pop":
        out["kick"] = membrane(ctx, u(110, 200), u(38, 55), u(0.03, 0.08), u(0.25, 0.6), 0.9, click=u(0.0, 0.3))
        out["snare"] = _clap(ctx)
        out["hat"] = noisy(ctx, u(0.01, 0.04), u(7000, 9000), 11000, 0.15)
    if kit in ("rock", "pop"):
        out["crash"] = 0.6 * noisy(ctx, u(0.6, 1.2), u(4000, 6000), 11000, 2.5, attack=0.002)
        out["tom"] = membrane(ctx, u(120, 180), u(90, 130), 0.05, u(0.15, 0.3), 0.5)
    elif kit == "hand":
        f_low = u(65, 110)
        out["low"] = membrane(ctx, f_low * 1.4, f_low, u(0.03, 0.08), u(0.15, 0.35), 0.6, click=u(0.05, 0.3))
        f_high = u(280, 650)
        out["high"] = membrane(ctx, f_high * 1.02, f_high, 0.05, u(0.08, 0.3), 0.5, click=u(0.1, 0.4),
                               partials=((1.0, 1.0), (2.0, u(0.2, 0.6)), (3.0, u(0.1, 0.4))))
        out["shaker"] = 0.5 * noisy(ctx, u(0.03, 0.07), u(4000, 6000), 10000, 0.15, attack=0.01)
        out["tom"] = out["high"]
    elif kit == "light":
        out["low"] = membrane(ctx, u(90, 130), u(60, 85), 0.02, u(0.08, 0.2), 0.4, click=u(0.1, 0.3))
        out["slap"] = membrane(ctx, u(200, 320), 180, 0.02, 0.05, 0.3) + u(0.4, 1.0) * noisy(
            ctx, u(0.04, 0.1), u(800, 1500), 6000, 0.3)
        out["shaker"] = noisy(ctx, u(0.03, 0.08), u(3500, 6000), 10000, 0.15, attack=0.008)
        out["tom"] = out["low"]
    return out


def _studio_kit(ctx: RenderContext, kit: str) -> dict[str, np.ndarray]:
    """Metal, disco, boom-bap, jazz, reggae and country kits, with every voice the patterns use."""
    u = ctx.rng.uniform
    out: dict[str, np.ndarray] = {}
    if kit == "metal":
        out["kick"] = membrane(ctx, u(100, 160), u(50, 65), u(0.01, 0.03), u(0.06, 0.15), 0.3, click=u(0.6, 1.2))
        out["snare"] = membrane(ctx, u(200, 260), u(170, 210), 0.02, u(0.05, 0.1), 0.3) + u(0.8, 1.6) * noisy(
            ctx, u(0.1, 0.2), u(1500, 2500), 10000, 0.3)
        out["hat"] = noisy(ctx, u(0.03, 0.08), u(6000, 8000), 11000, 0.2)
    elif kit == "disco":
        out["kick"] = membrane(ctx, u(100, 150), u(45, 60), u(0.02, 0.05), u(0.15, 0.3), 0.5, click=u(0.1, 0.4))
        out["snare"] = membrane(ctx, u(180, 240), 170, 0.03, u(0.05, 0.1), 0.3) + u(0.6, 1.2) * noisy(
            ctx, u(0.06, 0.15), u(1200, 2000), 8000, 0.3)
        out["hat"] = noisy(ctx, u(0.02, 0.05), u(7000, 9000), 11000, 0.15)
    elif kit == "boom":
        out["kick"] = membrane(ctx, u(110, 200), u(38, 55), u(0.03, 0.09), u(0.3, 0.9), 1.2, click=u(0.0, 0.4))
        out["snare"] = membrane(ctx, u(170, 230), 160, 0.02, u(0.05, 0.1), 0.3) + u(0.8, 1.6) * noisy(
            ctx, u(0.06, 0.18), u(1200, 2500), u(6000, 10000), 0.3)
        out["hat"] = noisy(ctx, u(0.01, 0.05), u(6000, 9000), 11000, 0.15)
    elif kit == "jazz":
        out["kick"] = membrane(ctx, u(80, 120), u(50, 70), 0.03, u(0.15, 0.3), 0.5, click=0.1)
        out["snare"] = membrane(ctx, u(190, 250), 180, 0.02, 0.08, 0.4) + noisy(ctx, 0.15, 1500, 8000, 0.4)
        out["brush"] = noisy(ctx, u(0.08, 0.2), u(1500, 3000), 9000, 0.4, attack=0.02)
        out["hat"] = noisy(ctx, u(0.03, 0.06), u(5000, 7000), 11000, 0.15)
        out["ride"] = cymbal(ctx, u(0.6, 1.4), 2.0, bell=u(0.1, 0.5))
    elif kit == "reggae":
        out["kick"] = membrane(ctx, u(90, 140), u(45, 60), 0.03, u(0.2, 0.4), 0.6, click=u(0.1, 0.3))
        out["snare"] = membrane(ctx, u(200, 300), 190, 0.02, 0.06, 0.3) + noisy(ctx, 0.1, 1500, 8000, 0.3)
        out["hat"] = noisy(ctx, u(0.02, 0.06), u(6000, 8000), 11000, 0.15)
    elif kit == "country":
        out["kick"] = membrane(ctx, u(90, 130), u(55, 75), 0.02, u(0.1, 0.25), 0.4, click=0.2)
        out["snare"] = membrane(ctx, u(190, 250), 180, 0.02, 0.08, 0.3) + noisy(ctx, 0.12, 1500, 8000, 0.3)
        out["brush"] = noisy(ctx, u(0.04, 0.1), u(1500, 3000), 9000, 0.25, attack=0.008)
        out["hat"] = noisy(ctx, u(0.02, 0.06), u(6000, 8000), 11000, 0.15)
    else:
        raise ValueError(kit)
    # every kit gets the other voices; they are drawn even where the kit already has its own
    extras = {
        "ohat": cymbal(ctx, u(0.15, 0.35), 0.5),
        "rim": membrane(ctx, u(1500, 2200), 1400, 0.01, 0.02, 0.1, click=0.5),
        "brush": noisy(ctx, u(0.05, 0.12), u(1500, 3000), 9000, 0.3, attack=0.01),
        "ride": cymbal(ctx, u(0.5, 1.0), 1.5, bell=0.2),
    }
    for name, x in extras.items():
        out.setdefault(name, x)
    out["crash"] = 0.6 * cymbal(ctx, u(0.6, 1.2), 2.5)
    out["tom"] = membrane(ctx, u(120, 180), u(90, 130), 0.05, u(0.15, 0.3), 0.5)
    return out


def drum_kit(ctx: RenderContext, kit: str, *, full: bool) -> dict[str, np.ndarray]:
    """One sample per drum voice, each normalised to peak 1.

    Parameters
    ----------
    ctx : RenderContext
        The track's rendering context (the tuning is drawn from its generator).
    kit : str
        Kit name: one of :data:`BAND_KITS` or ``"metal"``, ``"disco"``,
        ``"boom"``, ``"jazz"``, ``"reggae"``, ``"country"``.
    full : bool
        Give the band kits an open hat, a brush and a rim too (the GTZAN-like
        corpus, whose patterns may ask for them).

    Returns
    -------
    dict of str to numpy.ndarray
        Voice name -> sample.
    """
    if kit in BAND_KITS:
        out = _band_kit(ctx, kit)
        if full:
            u = ctx.rng.uniform
            out["ohat"] = cymbal(ctx, u(0.15, 0.3), 0.5)
            out["brush"] = noisy(ctx, u(0.05, 0.12), u(1500, 3000), 9000, 0.3, attack=0.01)
            out["rim"] = membrane(ctx, 1800, 1500, 0.01, 0.02, 0.1, click=0.5)
    else:
        out = _studio_kit(ctx, kit)
    return {name: x / max(1e-9, np.abs(x).max()) for name, x in out.items()}


def _fill(song: Song, drums: np.ndarray, kit: dict[str, np.ndarray], b: int, level: float) -> None:
    """A fill over the second half of bar ``b``: toms and the kit's snare-like drum."""
    rng, u, spb = song.rng, song.rng.uniform, song.steps_per_bar
    other = next((v for v in song.rules.fill_voices if v in kit), "tom")
    for s_i in range(spb // 2, spb):
        if rng.random() < 0.7:
            hit = kit["tom"] if rng.random() < 0.5 else kit[other]
            song.ctx.add(drums, song.at(b, s_i), hit * u(0.4, 0.9) * level)


def drum_part(song: Song) -> np.ndarray | None:
    """The drum stem: a per-track pattern with variations, section dynamics, fills and crashes.

    Returns None for a track without drums.
    """
    kit_name = song.slots["drums"]
    if kit_name is None:
        return None
    ctx, rng, rules = song.ctx, song.rng, song.rules
    u, spb = rng.uniform, song.steps_per_bar
    drums = ctx.buffer()
    kit = drum_kit(ctx, kit_name, full=rules.full_kits)
    base = mutate(choose(rng, PATTERNS[(kit_name, spb)]), rng, song.steps_per_beat, *rules.mutation)
    jitter = u(*song.style.jitter)
    drop_hat = rng.random() < rules.hat_rest
    for b, sec in enumerate(song.bars):
        level = _LEVELS[sec]
        if sec in _SPARSE_SECTIONS and rng.random() < rules.drum_rest:
            continue
        pat = base if rng.random() < 0.75 else mutate(base, rng, song.steps_per_beat, 0.05, 0.1)
        fill = song.last_of_section(b) and rng.random() < rules.fill
        for voice, vels in pat.items():
            if sec == "verse" and drop_hat and voice in _HATS:
                continue
            sample = kit[voice]
            for s_i, v in enumerate(vels):
                if v <= 0 or (fill and s_i >= spb // 2):
                    continue
                ctx.add(drums, song.hit_at(b, s_i) + rng.normal(0, jitter), sample * v * level * u(0.8, 1.1))
        if fill:
            _fill(song, drums, kit, b, level)
        if song.first_of_section(b) and sec == "chorus" and "crash" in kit:
            ctx.add(drums, song.bar_start(b), kit["crash"] * u(0.6, 1.0))
    return drums
