"""Audio decoding, central cropping, chunking and batched log-mel spectrograms.

The recipe is the study's: mono at 22,050 Hz, the central 30 s, 3 s chunks,
128-band mel spectrogram (n_fft 2048, hop 512), power to dB relative to the
chunk's maximum (top 80 dB), padded or cropped to 128 frames, min-max scaled
to [0, 1] per chunk. The mel transform runs batched on torch and equals
librosa's to within 1e-4 after scaling.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import librosa
import numpy as np
import soundfile as sf
import torch
import torchaudio

from .config import InputError
from .linalg import one_torch_thread
from .mel_config import MelConfig  # noqa: F401 (the recipe's settings, torch-free for the report)


class AudioError(InputError, RuntimeError):
    """A file could not be decoded into usable audio; the message names the file."""


# Float files hold samples nominally in [-1, 1]; a peak a little above is clipping headroom
# (scaled back), one far above is not audio (a corrupt or crafted file: skipped).
MAX_PEAK = 1e3


@dataclass(frozen=True)
class Decoded:
    """Decoded mono audio: the samples, where they start in the track, and the track's length."""

    samples: np.ndarray     # float32, mono, at the requested rate
    start: int              # where ``samples`` begin in the track, in samples at the requested rate
    duration_s: float       # the whole track's duration
    note: str = ""          # a conversion applied (e.g. a peak above 1 scaled down)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc).strip() else f"{type(exc).__name__} (no decoder could read it)"


def _read_native(path, crop_seconds: float | None) -> tuple[np.ndarray, int, int, int]:
    """The central ``crop_seconds`` (all when None) of ``path`` at its own rate, read by seeking.

    Returns (samples (frames, channels) float32, native rate, first frame, total frames).
    """
    info = sf.info(str(path))
    total, native = int(info.frames), int(info.samplerate)
    wanted = total if crop_seconds is None else min(total, int(round(crop_seconds * native)))
    start = (total - wanted) // 2
    samples, _ = sf.read(str(path), start=start, frames=wanted, dtype="float32", always_2d=True)
    return samples, native, start, total


def load_crop(path, sample_rate: int, crop_seconds: float | None = None) -> Decoded:
    """Decode only the central ``crop_seconds`` of ``path`` (all of it when None or longer),
    to mono float32 at ``sample_rate``: channels averaged, resampled when the rate differs.

    Seekable formats (WAV, FLAC, OGG, MP3 through libsndfile) are read from the crop's first
    frame, so a two-hour file costs no more than its crop; other formats go through librosa's
    fallback decoder with an offset. A decoding failure, an empty file, NaN or infinity, or
    samples far outside [-1, 1] raise :class:`AudioError` naming the file and the reason.
    """
    try:
        with warnings.catch_warnings():
            # librosa warns before falling back to audioread; a failure is reported below
            warnings.simplefilter("ignore", (UserWarning, FutureWarning))
            try:
                frames, native, start, total = _read_native(path, crop_seconds)
                y = frames.mean(axis=1, dtype=np.float32) if frames.shape[1] > 1 else frames[:, 0]
                if native != sample_rate and y.size:
                    y = librosa.resample(y, orig_sr=native, target_sr=sample_rate)
                first, duration_s = int(round(start * sample_rate / native)), total / native
            except sf.LibsndfileError:
                duration_s = float(librosa.get_duration(path=str(path)))
                offset_s = max(0.0, (duration_s - crop_seconds) / 2) if crop_seconds else 0.0
                y, _ = librosa.load(path, sr=sample_rate, mono=True, offset=offset_s, duration=crop_seconds)
                first = int(round(offset_s * sample_rate))
    except Exception as exc:  # decoders raise many types; the caller records a skip
        raise AudioError(f"{path}: cannot decode audio ({_describe(exc)})") from exc
    return _checked(path, np.asarray(y, dtype=np.float32), first, duration_s)


def _checked(path, y: np.ndarray, first: int, duration_s: float) -> Decoded:
    if y.size == 0:
        raise AudioError(f"{path}: decoded to zero samples")
    if not np.all(np.isfinite(y)):
        raise AudioError(f"{path}: decoded audio contains NaN or infinity")
    peak = float(np.abs(y).max(initial=0.0))
    if peak > MAX_PEAK:
        raise AudioError(f"{path}: samples reach {peak:.3g}, far outside [-1, 1]: not audio")
    if peak > 1.0:
        y = (y.astype(np.float64) / peak).astype(np.float32)
        return Decoded(y, first, duration_s, f"peak {peak:.3g} above 1: scaled to 1")
    return Decoded(y, first, duration_s)


def load_audio(path, sample_rate: int) -> np.ndarray:
    """Decode the whole of ``path`` to mono float32 at ``sample_rate`` (see :func:`load_crop`)."""
    return load_crop(path, sample_rate).samples


def central_crop(y: np.ndarray, n_samples: int) -> tuple[np.ndarray, int]:
    """Keep the central ``n_samples`` of ``y`` (all of it when shorter).

    Returns
    -------
    cropped : np.ndarray, shape (min(len(y), n_samples),)
    offset : int
        Index in ``y`` of the first kept sample.
    """
    if len(y) <= n_samples:
        return y, 0
    offset = (len(y) - n_samples) // 2
    return y[offset : offset + n_samples], offset


def chunk(y: np.ndarray, chunk_samples: int) -> np.ndarray:
    """Cut ``y`` into whole, non-overlapping chunks; a trailing partial chunk is dropped.

    Returns
    -------
    chunks : np.ndarray, shape (len(y) // chunk_samples, chunk_samples)
    """
    n = len(y) // chunk_samples
    return y[: n * chunk_samples].reshape(n, chunk_samples)


@lru_cache(maxsize=4)
def _mel_transform(sample_rate: int, n_fft: int, hop_length: int, n_mels: int) -> torchaudio.transforms.MelSpectrogram:
    # pad_mode="constant", norm/mel_scale="slaney" reproduce librosa's defaults.
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=sample_rate,
        n_fft=n_fft,
        hop_length=hop_length,
        n_mels=n_mels,
        power=2.0,
        center=True,
        pad_mode="constant",
        norm="slaney",
        mel_scale="slaney",
    )


@lru_cache(maxsize=4)
def full_scale_power(sample_rate: int, n_fft: int, hop_length: int, n_mels: int) -> float:
    """The largest mel power of a full-scale (amplitude 1) 1 kHz sine at these settings: the fixed
    reference of ``level: absolute`` (0 dB), independent of any data."""
    t = np.arange(4 * n_fft, dtype=np.float64) / sample_rate
    sine = torch.from_numpy(np.sin(2 * np.pi * 1000.0 * t).astype(np.float32))[None]
    with torch.no_grad(), one_torch_thread():
        power = _mel_transform(sample_rate, n_fft, hop_length, n_mels)(sine).double()
    return float(power[..., 2:-2].amax())  # frames away from the zero-padded edges


def mel_spectra(chunks: np.ndarray | torch.Tensor, cfg: MelConfig = MelConfig()) -> tuple[torch.Tensor, torch.Tensor]:
    """The STFT of each chunk, once: its power spectrogram and its mel power, which the log-mel
    images (:func:`scaled_log_mel`) and the clip statistics (:class:`musiclust.clipstats.ClipFrames`)
    share.

    Parameters
    ----------
    chunks : array, shape (B, samples)
    cfg : MelConfig

    Returns
    -------
    power : torch.Tensor, float32, shape (B, n_fft // 2 + 1, T)
        ``|STFT|^2`` (periodic Hann window of ``n_fft``, hop ``hop_length``, frames centred on
        ``t * hop_length`` with zero padding: ``T = 1 + samples // hop_length``).
    mel_power : torch.Tensor, float32, shape (B, n_mels, T)
        ``power`` through the Slaney mel filters: torchaudio's ``MelSpectrogram`` to the bit.
    """
    x = torch.as_tensor(np.asarray(chunks, dtype=np.float32))
    if x.ndim != 2:
        raise ValueError(f"chunks must have shape (B, samples), got {tuple(x.shape)}")
    transform = _mel_transform(cfg.sample_rate, cfg.n_fft, cfg.hop_length, cfg.n_mels)
    with torch.no_grad(), one_torch_thread():  # one thread: the same bits on any core count
        power = transform.spectrogram(x)
        return power, transform.mel_scale(power)  # what transform(x) computes, its STFT kept


def log_mel(chunks: np.ndarray | torch.Tensor, cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Batched log-mel images in [0, 1]: :func:`scaled_log_mel` of :func:`mel_spectra`.

    Parameters
    ----------
    chunks : array, shape (B, chunk_samples)
    cfg : MelConfig

    Returns
    -------
    mels : np.ndarray, float32, shape (B, n_mels, frames)
    """
    return scaled_log_mel(mel_spectra(chunks, cfg)[1], cfg)


def scaled_log_mel(mel_power: torch.Tensor, cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Log-mel images in [0, 1] from the mel power of :func:`mel_spectra`.

    Parameters
    ----------
    mel_power : torch.Tensor, float32, shape (B, n_mels, T)
    cfg : MelConfig

    Returns
    -------
    mels : np.ndarray, float32, shape (B, n_mels, frames)
        ``cfg.level`` chunk (the study's): dB relative to each chunk's maximum, floored at
        ``-top_db``, padded with the floor or cropped to ``frames``, then min-max scaled per
        chunk; a silent chunk gives zeros. ``absolute``: dB relative to a full-scale sine
        (:func:`full_scale_power`), ``[-top_db, 0]`` mapped to ``[0, 1]`` for every chunk alike
        (louder clipped to 1, quieter to 0), so a quiet chunk stays darker than a loud one.
    """
    with torch.no_grad(), one_torch_thread():  # one thread: the same bits on any core count
        power = mel_power.double()  # (B, n_mels, T)
        amin = 1e-10
        db = 10.0 * torch.log10(power.clamp_min(amin))
        if cfg.level == "absolute":
            db = db - 10.0 * math.log10(full_scale_power(cfg.sample_rate, cfg.n_fft, cfg.hop_length, cfg.n_mels))
            scaled = ((db + cfg.top_db) / cfg.top_db).clamp(0.0, 1.0)
            t = scaled.shape[-1]
            if t < cfg.frames:  # the floor: silence
                scaled = torch.cat([scaled, scaled.new_zeros(scaled.shape[0], scaled.shape[1], cfg.frames - t)], dim=-1)
            return scaled[..., : cfg.frames].float().numpy()
        ref = power.amax(dim=(1, 2), keepdim=True).clamp_min(amin)
        db = db - 10.0 * torch.log10(ref)
        db = torch.maximum(db, db.amax(dim=(1, 2), keepdim=True) - cfg.top_db)
        t = db.shape[-1]
        if t < cfg.frames:
            floor = db.amin(dim=(1, 2), keepdim=True).expand(-1, db.shape[1], cfg.frames - t)
            db = torch.cat([db, floor], dim=-1)
        db = db[..., : cfg.frames]
        lo = db.amin(dim=(1, 2), keepdim=True)
        span = db.amax(dim=(1, 2), keepdim=True) - lo
        # A silent chunk has zero span: give zeros instead of 0/0.
        scaled = torch.where(span > 0, (db - lo) / span.clamp_min(1e-12), torch.zeros_like(db))
    return scaled.float().numpy()


def log_mel_librosa(chunk_audio: np.ndarray, cfg: MelConfig = MelConfig()) -> np.ndarray:
    """The study's per-chunk librosa recipe, kept as the reference for :func:`log_mel`.

    Returns
    -------
    mel : np.ndarray, float32, shape (n_mels, frames)
    """
    s = librosa.feature.melspectrogram(
        y=chunk_audio, sr=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
        n_mels=cfg.n_mels,
    )
    db = librosa.power_to_db(s, ref=np.max, top_db=cfg.top_db)
    if db.shape[1] < cfg.frames:
        db = np.pad(db, ((0, 0), (0, cfg.frames - db.shape[1])), constant_values=db.min())
    db = db[:, : cfg.frames]
    span = db.max() - db.min()
    if span <= 0:
        return np.zeros_like(db, dtype=np.float32)
    return ((db - db.min()) / span).astype(np.float32)


def track_chunks(y: np.ndarray, cfg: MelConfig, first: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Central crop then chunking of one decoded track (``y`` begins ``first`` samples into the track).

    Returns
    -------
    chunks : np.ndarray, shape (n_chunks, chunk_samples)
    start_s : np.ndarray, shape (n_chunks,)
        Start of each chunk in seconds from the beginning of the track.
    """
    cropped, offset = central_crop(y, cfg.crop_samples)
    chunks = chunk(cropped, cfg.chunk_samples)
    starts = (first + offset + np.arange(len(chunks)) * cfg.chunk_samples) / cfg.sample_rate
    return chunks, starts
