"""Signal primitives of the synthesiser: wavetables, filters, the rendering context, mixing and mastering.

Every function that draws random numbers takes them from the track's
generator (``ctx.rng``) in a fixed order, so a track is a pure function of its
seed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.signal import butter, fftconvolve, lfilter

TABLE = 8192
"""Wavetable size (a power of two, so that a phase wraps with a bit mask)."""


def hz(midi: float) -> float:
    """Frequency of a MIDI note number (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((midi - 69.0) / 12.0)


def make_table(amps: np.ndarray) -> np.ndarray:
    """One period of ``sum_k amps[k-1] sin(2 pi k x)`` on :data:`TABLE` points, peak 1.

    Built with an inverse FFT so that a table of many harmonics costs no more
    than one of a few.
    """
    spec = np.zeros(TABLE // 2 + 1, dtype=complex)
    amps = np.asarray(amps, dtype=float)[: TABLE // 2 - 1]
    spec[1 : len(amps) + 1] = -0.5j * amps * TABLE
    table = np.fft.irfft(spec, n=TABLE)
    peak = np.abs(table).max()
    return table / peak if peak > 0 else table


def lookup(table: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Nearest-sample wavetable lookup; ``phase`` in cycles (non-negative)."""
    idx = (phase * TABLE).astype(np.int64)
    idx &= TABLE - 1
    return table[idx]


class RenderContext:
    """Per-track rendering state: the generator, sample rate, time axis and a cache of rendered notes.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness of the track.
    sr : int
        Sampling rate in Hz.
    n : int
        Length of the track in samples; buffers get a 3-s tail for ringing notes
        and reverb.
    """

    def __init__(self, rng: np.random.Generator, sr: int, n: int) -> None:
        self.rng = rng
        self.sr = sr
        self.n = n
        self.tail = int(3.0 * sr)
        self.t = np.arange(n + self.tail + sr) / sr
        self.cache: dict = {}

    def buffer(self) -> np.ndarray:
        """An empty stem: the track plus its tail."""
        return np.zeros(self.n + self.tail)

    def add(self, buf: np.ndarray, t0: float, x: np.ndarray) -> None:
        """Add ``x`` into ``buf`` from time ``t0`` (seconds; cropped at both ends)."""
        s = int(round(t0 * self.sr))
        if s < 0:
            x = x[-s:]
            s = 0
        e = min(len(buf), s + len(x))
        if e > s:
            buf[s:e] += x[: e - s]

    def noise(self, n: int) -> np.ndarray:
        """``n`` samples of white Gaussian noise."""
        return self.rng.standard_normal(n)

    def lowpass(self, x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
        """Butterworth low-pass (cutoff kept below 0.45 of the sample rate)."""
        b, a = butter(order, min(cutoff, 0.45 * self.sr) / (0.5 * self.sr), btype="low")
        return lfilter(b, a, x)

    def highpass(self, x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
        """Butterworth high-pass (cutoff kept below 0.45 of the sample rate)."""
        b, a = butter(order, min(cutoff, 0.45 * self.sr) / (0.5 * self.sr), btype="high")
        return lfilter(b, a, x)

    def bandpass(self, x: np.ndarray, lo: float, hi: float, order: int = 2) -> np.ndarray:
        """Butterworth band-pass; the band is clipped to stay valid at low sample rates."""
        nyq = 0.5 * self.sr
        hi = min(hi, 0.45 * self.sr)
        lo = min(lo, 0.8 * hi)
        b, a = butter(order, [lo / nyq, hi / nyq], btype="band")
        return lfilter(b, a, x)

    def fade(self, x: np.ndarray, attack: float, release: float) -> np.ndarray:
        """Linear fade in and out (in place), to avoid clicks at note boundaries."""
        na = min(len(x), max(1, int(attack * self.sr)))
        nr = min(len(x) - na, max(1, int(release * self.sr)))
        x[:na] *= np.linspace(0.0, 1.0, na)
        if nr > 0:
            x[len(x) - nr :] *= np.linspace(1.0, 0.0, nr)
        return x


def mix_stems(
    ctx: RenderContext, stems: Mapping[str, np.ndarray], slot_db: Mapping[str, float], spread_db: float
) -> np.ndarray:
    """Sum the stems at their typical levels plus a random per-track spread.

    Every stem is normalised to unit RMS first, so that ``slot_db`` alone sets
    the balance; silent stems are left out without a draw.  The result keeps
    half a second of tail for the reverb.
    """
    mix = np.zeros(ctx.n + ctx.tail)
    for slot, buf in stems.items():
        rms = np.sqrt(np.mean(buf**2))
        if rms <= 0:
            continue
        gain_db = slot_db[slot] + ctx.rng.normal(0.0, spread_db)
        mix += buf / rms * 10.0 ** (gain_db / 20.0)
    return mix[: ctx.n + int(0.5 * ctx.sr)]


def reverb(ctx: RenderContext, mix: np.ndarray, rt_range: tuple, wet_range: tuple) -> np.ndarray:
    """A synthetic room: low-passed, exponentially decaying noise as the impulse response."""
    u = ctx.rng.uniform
    rt = u(*rt_range)
    n_ir = int(rt * ctx.sr)
    ir = ctx.rng.standard_normal(n_ir) * np.exp(-ctx.t[:n_ir] * 6.9 / rt)
    ir = ctx.lowpass(ir, u(2000, 8000))
    ir /= np.sqrt(np.sum(ir**2))
    wet = u(*wet_range)
    return (1 - wet) * mix + wet * fftconvolve(mix, ir)[: len(mix)]


def swell(ctx: RenderContext, mix: np.ndarray, depth_db: float) -> np.ndarray:
    """Slow loudness movement: three slow random sines, computed every 256 samples and interpolated."""
    u = ctx.rng.uniform
    coarse = np.arange(0, ctx.n + 256, 256)
    curve = np.zeros(len(coarse))
    for _ in range(3):
        period = u(4.0, 20.0)
        curve += np.sin(2 * np.pi * coarse / ctx.sr / period + u(0, 2 * np.pi))
    return mix * np.interp(np.arange(ctx.n), coarse, 10 ** (depth_db * curve / 3.0 / 20.0))


def tilt(ctx: RenderContext, mix: np.ndarray, sd_db: float) -> np.ndarray:
    """Random low / high shelf gains around a random crossover (a per-track tonal balance)."""
    low = ctx.lowpass(mix, ctx.rng.uniform(200, 2500), 1)
    normal = ctx.rng.normal
    return low * 10 ** (normal(0, sd_db) / 20) + (mix - low) * 10 ** (normal(0, sd_db) / 20)


def noise_floor(ctx: RenderContext, mix: np.ndarray, snr_db: tuple) -> np.ndarray:
    """Add coloured (one-pole filtered) noise at a random signal-to-noise ratio."""
    u = ctx.rng.uniform
    rms = np.sqrt(np.mean(mix**2)) + 1e-12
    noise = lfilter([1.0], [1.0, -u(0.0, 0.97)], ctx.noise(ctx.n))
    noise *= rms / (np.sqrt(np.mean(noise**2)) + 1e-12) * 10 ** (-u(*snr_db) / 20)
    return mix + noise


def limit(ctx: RenderContext, mix: np.ndarray, drive_range: tuple, peak_db: tuple) -> np.ndarray:
    """Saturate (tanh at a random drive) and normalise to a random peak level."""
    u = ctx.rng.uniform
    drive = u(*drive_range)
    mix = mix / (np.abs(mix).max() + 1e-12)
    mix = np.tanh(drive * mix) / np.tanh(drive)
    peak = 10 ** (u(*peak_db) / 20)
    return mix / (np.abs(mix).max() + 1e-12) * peak


def to_output(mix: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` samples as ``float32`` in [-1, 1] (zero-padded if shorter)."""
    out = np.zeros(n, dtype=np.float32)
    out[: len(mix)] = mix[:n]
    return np.clip(out, -1.0, 1.0)
