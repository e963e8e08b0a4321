"""Audio features of a corpus in one pass: each track is decoded once (its central crop only),
each chunk's STFT taken once, and read into log-mel chunks and the 43 clip statistics, under one
skip policy for both.

Tracks are independent, so :func:`track_features` can run in worker processes or on a Dask
cluster (:mod:`musiclust.parallel`); the results are written in track order, so the outputs
do not depend on which worker made which track.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .audio import AudioError, MelConfig, central_crop, load_crop, mel_spectra, scaled_log_mel, track_chunks
from .clipstats import ClipFrames, clip_statistics, shares_spectrogram
from .io import NpyAppender
from .parallel import ordered_map, worker_count

STATUS_COLUMNS = ["track_id", "status", "reason", "n_chunks", "duration_s"]


@dataclass
class CorpusFeatures:
    chunks: pd.DataFrame        # row i describes mels[i]: track_id, chunk, start_s
    status: pd.DataFrame        # one row per track: STATUS_COLUMNS (ok / skipped and why)
    clip_ids: list[str]         # the tracks with status ok, sorted
    clip_stats: np.ndarray      # (len(clip_ids), 43) float32


@dataclass(frozen=True)
class TrackFeatures:
    """What one track adds to the corpus features; a skipped track adds its status row only."""

    status: tuple               # one row of STATUS_COLUMNS
    chunks: list[tuple]         # (track_id, chunk, start_s) for each row of ``mels``
    mels: np.ndarray            # (n_chunks, n_mels, frames) in the stored dtype; no rows when skipped
    clip_stats: np.ndarray | None  # (43,) float32; None when skipped


def track_features(track_id: str, path, cfg: MelConfig, shown=None) -> TrackFeatures:
    """Log-mel chunks and clip statistics of one track's central crop, or why it is skipped.

    A track that does not decode, holds no usable samples, or is shorter than
    ``cfg.min_seconds`` (at least one chunk) is skipped with its reason, for every representation
    alike; a track shorter than ``crop_seconds`` but long enough gives fewer chunks. A top-level
    function of plain values, so that worker processes can run it.

    Parameters
    ----------
    track_id : str
    path : path-like
        The file to decode.
    cfg : MelConfig
    shown : path-like, optional
        How skip reasons name the file, when ``path`` was made absolute for a worker elsewhere:
        the reasons then stay the same whichever machine read the file. Default: ``path``.

    Returns
    -------
    TrackFeatures
        The mels are in ``cfg.dtype``, computed in batches of ``cfg.batch_size`` chunks. The clip
        statistics are those of the crop, read from the same STFT of each chunk
        (:class:`clipstats.ClipFrames`; the tail after the last whole chunk gets its own): the bits
        of :func:`clipstats.clip_statistics` of the crop with ``cfg.chunk_samples`` and
        ``cfg.batch_size``.
    """
    stored = np.dtype(cfg.dtype).newbyteorder("<")
    no_mels = np.zeros((0, cfg.n_mels, cfg.frames), dtype=stored)
    try:
        decoded = load_crop(path, cfg.sample_rate, cfg.crop_seconds)
    except AudioError as exc:
        reason = str(exc) if shown is None else str(exc).replace(str(path), str(shown))
        return TrackFeatures((track_id, "skipped", reason, 0, 0.0), [], no_mels, None)
    shortest = max(cfg.min_seconds, cfg.chunk_seconds)
    pieces, starts = track_chunks(decoded.samples, cfg, decoded.start)
    if decoded.duration_s < shortest or len(pieces) == 0:
        reason = f"{decoded.duration_s:.2f} s is shorter than the minimum {shortest:g} s"
        return TrackFeatures((track_id, "skipped", reason, 0, decoded.duration_s), [], no_mels, None)
    crop = central_crop(decoded.samples, cfg.crop_samples)[0]  # what track_chunks cut into pieces
    shared = shares_spectrogram(cfg)
    frames, mels = ClipFrames(cfg.sample_rate), []
    for b in range(0, len(pieces), cfg.batch_size):
        power, mel_power = mel_spectra(pieces[b : b + cfg.batch_size], cfg)
        mels.append(scaled_log_mel(mel_power, cfg))
        if shared:
            frames.add(power, mel_power, cfg.chunk_samples)
    # At other STFT settings than the clip statistics' own, they take their own.
    clip_stats = (frames.statistics(crop) if shared else
                  clip_statistics(crop, cfg.sample_rate, chunk_samples=cfg.chunk_samples, batch_size=cfg.batch_size))
    return TrackFeatures((track_id, "ok", decoded.note, len(pieces), decoded.duration_s),
                         [(track_id, i, float(s)) for i, s in enumerate(starts)],
                         np.concatenate(mels).astype(stored), clip_stats)


def _track_jobs(tracks: pd.DataFrame, root: Path, cfg: MelConfig, *, absolute: bool):
    """The :func:`track_features` arguments of each track, in ``track_id`` order."""
    for track in tracks.sort_values("track_id").itertuples(index=False):
        path = root / track.path
        # A worker may start in another folder: it gets the absolute path, the reasons keep root's form.
        yield (track.track_id, path.absolute(), cfg, path) if absolute else (track.track_id, path, cfg, None)


def corpus_features(tracks: pd.DataFrame, root, cfg: MelConfig, mels_path, *, progress: bool = True,
                    workers: int = 1, scheduler: str | None = None) -> CorpusFeatures:
    """Log-mel chunks of every track streamed into ``mels_path`` (N, n_mels, frames), and the
    clip statistics of the same central crop.

    Skips follow :func:`track_features`; fails only when no track is usable. Tracks are written
    in ``track_id`` order as their results arrive, with at most twice as many tracks as workers
    in flight, so every output is the same bytes for every ``workers`` and ``scheduler`` (the
    clip statistics' BLAS runs on one thread everywhere, see :func:`clipstats.clip_statistics`).

    Parameters
    ----------
    tracks : pandas.DataFrame
        Columns ``track_id`` and ``path`` (relative to ``root``).
    root : path-like
    cfg : MelConfig
    mels_path : path-like
        Where the ``.npy`` array appears once every track is done.
    progress : bool
        Show a progress bar.
    workers : int >= 0
        1: one track after another in this process. N > 1: N local worker processes with one
        thread each, never more than there are tracks (one track runs in this process), forked
        from a fork server that imported this module (torch, librosa) once
        (:func:`musiclust.parallel.worker_context`; a script calling this needs
        ``if __name__ == "__main__":``). 0: one per core. With ``scheduler="local"``, the number of
        Dask workers.
    scheduler : str, optional
        None: no Dask. ``"local"``: a Dask ``LocalCluster`` on this machine. Otherwise a Dask
        scheduler address such as ``"tcp://host:8786"``: its workers must have this package
        installed and must read the audio at the same absolute path (a shared file system).

    Raises
    ------
    ConfigError
        (a ``ValueError``) For a bad ``workers`` or ``scheduler``, before any file is written.
    AudioError
        When no track gives a usable chunk.
    """
    in_process = worker_count(workers, len(tracks)) == 1 and scheduler is None  # checks workers now
    jobs = _track_jobs(tracks, Path(root), cfg, absolute=not in_process)
    # checks its arguments now; the fork server imports this module (torch, librosa) and not
    # librosa's resampler, whose second of imports a corpus at the target rate never needs
    results = ordered_map(track_features, jobs, workers=workers, scheduler=scheduler, total=len(tracks))
    chunk_rows, status_rows, clip_ids, clip_rows = [], [], [], []
    with closing(results), NpyAppender(mels_path, (cfg.n_mels, cfg.frames), cfg.dtype) as writer:
        for result in tqdm(results, total=len(tracks), desc="features", unit="track", disable=not progress):
            status_rows.append(result.status)
            if result.clip_stats is None:
                continue
            writer.append(result.mels)
            chunk_rows += result.chunks
            clip_ids.append(result.status[0])
            clip_rows.append(result.clip_stats)
        if not chunk_rows:
            raise AudioError("no track gave a usable chunk: "
                             + "; ".join(f"{r[0]}: {r[2]}" for r in status_rows[:5]))
    chunks = pd.DataFrame(chunk_rows, columns=["track_id", "chunk", "start_s"])
    chunks["chunk"] = chunks["chunk"].astype("int32")
    return CorpusFeatures(chunks, pd.DataFrame(status_rows, columns=STATUS_COLUMNS), clip_ids,
                          np.stack(clip_rows).astype(np.float32))
