"""Speed and memory of the feature and training code, as ratios measured in one run.

    python scripts/benchmark.py --out benchmarks/benchmark.json               # the README's table
    python scripts/benchmark.py --out benchmarks/benchmark.json --pipeline    # and a timed dvc repro
    python scripts/benchmark.py --out benchmarks/benchmark.json --only features  # one section again, the rest kept
    python scripts/benchmark.py --out benchmarks/benchmark.json --only scaling --scale-tracks 100,1000,5000
    python scripts/benchmark.py --out benchmarks/benchmark.json --only cluster_change
    python scripts/benchmark.py --out benchmarks/benchmark.json --only kernel_caps    # what the AVX2 cap costs

1. log-mel: the study's per-chunk librosa loop vs the batched torch transform
   (same numbers to 1e-4), on the same chunks;
2. memory: peak RSS of the features stage's computation (mel chunks and clip statistics) for a
   corpus and for one four times larger (streaming through a memory map: it should not grow);
3. conv beta-VAE: one real 1,000-chunk training epoch with 1 and 2 torch threads,
   on an idle machine and with the other core held by a busy process; and where that epoch's time
   goes (reading, forward, backward, optimiser step), with channels-last tensors, batch 64 and
   torch.compile tried against it (conv_profile);
4. features: the wall time of the study's recipe (librosa, each file decoded whole, twice, three
   STFTs of each crop) vs ours (one decode of the crop, one STFT of each chunk) with 1 and 2 worker
   processes, and of decoding the crops alone, on a synthetic corpus; against the targets: ours
   within 1.5x the decode-only floor and at least 3x as fast as the study's recipe; and ours with
   1 and 2 workers alone on a larger one (--feature-worker-tracks, 1,000 tracks), each of ours in
   a fresh process, worker start-up included;
5. with --pipeline: the wall time of `dvc repro` of the default pipeline in a fresh
   clone of HEAD (this virtualenv, nothing cached), and each stage's share of it; with --gpu also
   each stage's GPU utilisation and peak GPU memory, sampled by nvidia-smi;
6. cluster_change (also with --pipeline): in a clone of HEAD with the committed outputs checked
   out of this repository's DVC cache (made first where it lacks them, as in a fresh clone),
   the wall time of `dvc repro` after one scoring
   parameter changed (evaluate.null_draws + 1), and the stages that ran;
7. scaling (with --scaling): the whole default pipeline in a fresh clone of HEAD on one synthetic
   GTZAN-layout corpus of each size of --scale-tracks (3-s tracks, every model 1 epoch and 1 seed):
   its wall time and the peak memory of each stage's process, sampled from /proc;
8. ci (with --only ci): `make test-fast`, `make test` and `make check` in a fresh clone of HEAD,
   each beside its target (2 min, 8 min, 25 min).

With --only, the named sections run alone and replace theirs in the --out file; the file's
other sections stay as they were.

The JSON output is committed; scripts/readme_results.py writes the README's
benchmark table and timings from it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]

if TYPE_CHECKING:
    from musiclust.audio import MelConfig


def bench_mel(n_chunks: int) -> dict:
    from musiclust.audio import MelConfig, log_mel, log_mel_librosa

    cfg = MelConfig()
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal((n_chunks, cfg.chunk_samples))).astype(np.float32)
    log_mel(x[:2], cfg)  # warm-up
    t0 = time.perf_counter()
    ref = np.stack([log_mel_librosa(c, cfg) for c in x])
    t_librosa = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = np.concatenate([log_mel(x[i : i + 64], cfg) for i in range(0, n_chunks, 64)])
    t_torch = time.perf_counter() - t0
    return {"chunks": n_chunks, "librosa_s": t_librosa, "torch_s": t_torch,
            "speedup": t_librosa / t_torch, "max_abs_diff": float(np.abs(got - ref).max())}


# Run with ``python -c`` in the repository's root, whose folder is then first on the import
# path: the child measures this checkout's musiclust, installed or not.
_MEM_CHILD = r"""
import resource, sys
import numpy as np, pandas as pd, soundfile as sf
from pathlib import Path
from musiclust.audio import MelConfig
from musiclust.features import corpus_features
root, n = Path(sys.argv[1]), int(sys.argv[2])
tracks = pd.DataFrame({"track_id": [f"t{i:04d}" for i in range(n)], "path": ["tone.wav"] * n})
corpus_features(tracks, root, MelConfig(), root / f"mels_{n}.npy", progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_memory(n_small: int) -> dict:
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(0)
        sf.write(Path(tmp) / "tone.wav", 0.1 * rng.standard_normal(22050 * 30), 22050)
        rss = {}
        for n in (n_small, 4 * n_small):
            out = subprocess.run([sys.executable, "-c", _MEM_CHILD, tmp, str(n)], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
            rss[n] = int(out.strip().splitlines()[-1]) / 1024  # KiB → MiB
            size = (Path(tmp) / f"mels_{n}.npy").stat().st_size / 2**20
            rss[f"array_{n}_mib"] = size
    return {"tracks_small": n_small, "tracks_large": 4 * n_small,
            "peak_rss_small_mib": rss[n_small], "peak_rss_large_mib": rss[4 * n_small],
            "array_small_mib": rss[f"array_{n_small}_mib"],
            "array_large_mib": rss[f"array_{4 * n_small}_mib"],
            "rss_ratio": rss[4 * n_small] / rss[n_small]}


def synthetic_corpus(folder: Path, tracks: int) -> pd.DataFrame:
    """Generate a synthetic corpus into ``folder`` and list its first ``tracks`` tracks.

    The corpus is the pipeline's ``hblm_synth``: the HBLM-100 layout and study design, FLAC,
    30 to 45 s at 22,050 Hz (:class:`musiclust.datasets.SyntheticParams`' defaults), scaled to
    the smallest design that holds ``tracks`` tracks.

    Parameters
    ----------
    folder : Path
        An empty or missing folder.
    tracks : int >= 1

    Returns
    -------
    pandas.DataFrame
        ``tracks`` rows in ``track_id`` order, ``path`` relative to ``folder``
        (:func:`musiclust.datasets.read_tracks`).
    """
    from musiclust.datasets import SyntheticParams, read_tracks, synthesise
    from musiclust.datasets.synthetic import group_counts

    # Each cell's count is rounded: the smallest scale whose design holds enough tracks.
    scale = next(k / 100 for k in range(tracks, tracks + 100) if sum(group_counts(scale=k / 100).values()) >= tracks)
    layout = synthesise(SyntheticParams(scale=scale), folder, progress=False)
    return read_tracks(layout, folder).head(tracks).reset_index(drop=True)


def study_track_features(path: Path, cfg: MelConfig) -> tuple[np.ndarray, np.ndarray]:
    """One track through the study's recipe: the log-mel chunks and the 43 clip statistics.

    The study decoded each file whole and once per feature kind, and took one STFT per feature:

    1. ``librosa.load(path, sr=cfg.sample_rate)`` of the whole file; its central
       ``cfg.crop_seconds``, cut into whole ``cfg.chunk_seconds`` chunks; per chunk,
       ``librosa.feature.melspectrogram`` and ``power_to_db`` (:func:`musiclust.audio.log_mel_librosa`);
    2. a second ``librosa.load`` of the whole file; the 43 statistics of its central crop, the same
       crop as ours, by librosa's ``mfcc``, ``spectral_centroid`` and ``zero_crossing_rate``
       (:func:`musiclust.clipstats.clip_statistics_librosa`): two more STFTs of the crop.

    Parameters
    ----------
    path : Path
    cfg : MelConfig

    Returns
    -------
    mels : np.ndarray, float32, shape (n_chunks, n_mels, frames)
    clip_stats : np.ndarray, float32, shape (43,)
    """
    import librosa

    from musiclust.audio import central_crop, chunk, log_mel_librosa
    from musiclust.clipstats import clip_statistics_librosa

    y, _ = librosa.load(path, sr=cfg.sample_rate)
    cropped, _ = central_crop(y, cfg.crop_samples)
    mels = np.stack([log_mel_librosa(piece, cfg) for piece in chunk(cropped, cfg.chunk_samples)])
    y, _ = librosa.load(path, sr=cfg.sample_rate)
    return mels, clip_statistics_librosa(central_crop(y, cfg.crop_samples)[0], cfg.sample_rate)


# What the features computation aims at, on one worker: within 1.5 times the time of decoding the
# crops alone, and at least 3 times as fast as the study's recipe.
FEATURES_TARGETS = {"ours_1_over_decode_only_at_most": 1.5, "study_over_ours_1_at_least": 3.0}


# Run with ``python -c`` in the repository's root, as _MEM_CHILD: one fresh process per timing, as each
# run of the features stage is, so that 2 workers pay for starting their fork server every time.
_FEATURES_CHILD = r"""
import sys, time
import numpy as np, pandas as pd
from pathlib import Path
from musiclust.audio import MelConfig
from musiclust.features import corpus_features, track_features
root, listed, workers, out = Path(sys.argv[1]), pd.read_parquet(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
cfg = MelConfig()
track_features(listed["track_id"][0], root / listed["path"][0], cfg)  # imports and first-call caches
t0 = time.perf_counter()
features = corpus_features(listed, root, cfg, out.with_suffix(".npy"), progress=False, workers=workers)
seconds = time.perf_counter() - t0
np.save(out.with_suffix(".clip_stats.npy"), features.clip_stats)
print(seconds)
"""


def _features_seconds(listed: pd.DataFrame, root: Path, workers: int, out: Path) -> float:
    """Seconds of :func:`musiclust.features.corpus_features` on ``workers`` workers, in a fresh process.

    The child first sends one track through :func:`musiclust.features.track_features` (imports
    and first-call caches do not count) and then times the corpus; with 2 workers the time
    includes starting their fork server and the workers, as every run of the stage does. It
    writes the mels to ``out.npy`` and the clip statistics to ``out.clip_stats.npy``.
    """
    listing = out.with_suffix(".tracks.parquet")
    listed.to_parquet(listing)
    child = subprocess.run([sys.executable, "-c", _FEATURES_CHILD, str(root.absolute()), str(listing), str(workers),
                            str(out.absolute())], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(child.stdout.strip().splitlines()[-1])


def bench_feature_workers(tracks: int) -> dict:
    """Seconds to compute the features of a synthetic corpus with 1 and with 2 worker processes.

    Each timing runs in a fresh process (:func:`_features_seconds`): the 2-worker time includes
    starting the fork server (which imports torch and librosa once) and the workers.

    Parameters
    ----------
    tracks : int >= 1

    Returns
    -------
    dict
        ``tracks``, ``chunks``, ``one_worker_s``, ``two_workers_s``, ``speedup_2_workers_over_1``,
        and ``same_bytes``: whether both wrote the same mels and clip statistics.
    """
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        listed = synthetic_corpus(root, tracks)
        seconds = {workers: _features_seconds(listed, root, workers, Path(tmp) / f"ours_{workers}") for workers in (1, 2)}
        outputs = {workers: [(Path(tmp) / f"ours_{workers}{suffix}").read_bytes() for suffix in (".npy", ".clip_stats.npy")]
                   for workers in (1, 2)}
        chunks = len(np.load(Path(tmp) / "ours_1.npy", mmap_mode="r"))
    return {"tracks": len(listed), "chunks": chunks, "one_worker_s": seconds[1], "two_workers_s": seconds[2],
            "speedup_2_workers_over_1": seconds[1] / seconds[2], "same_bytes": outputs[1] == outputs[2]}


def bench_features(tracks: int, worker_tracks: int = 0) -> dict:
    """Seconds to compute the corpus features: the study's recipe, ours on 1 and 2 workers, and decoding alone.

    Each is timed once on the same synthetic corpus (:func:`synthetic_corpus`), after one
    track through each recipe in the timing process, so that imports and first-call caches do
    not count. Ours runs in a fresh process per worker count (:func:`_features_seconds`): with
    2 workers the time includes starting the fork server and the workers, as a user pays on
    every run.

    Parameters
    ----------
    tracks : int >= 1
    worker_tracks : int >= 0
        Also time ours on 1 and 2 workers on a corpus of this many tracks
        (:func:`bench_feature_workers`, under ``"workers"``); 0: not.

    Returns
    -------
    dict
        ``study_s`` (:func:`study_track_features` of every track), ``ours_1_worker_s`` and
        ``ours_2_workers_s`` (:func:`musiclust.features.corpus_features`, mels written to a
        ``.npy`` file), ``decode_only_s`` (:func:`musiclust.audio.load_crop` of every track), their
        ratios, the tracks and chunks; ``targets`` (:data:`FEATURES_TARGETS`) and ``meets_targets``
        (each ratio against its target); how far the study's mels are from ours
        (``max_abs_diff_mels``), and its clip statistics (``clip_stats_gaps``:
        :func:`musiclust.clipstats.librosa_gaps`, within :data:`musiclust.clipstats.LIBROSA_TOLERANCE`).
    """
    from musiclust.audio import MelConfig, load_crop
    from musiclust.clipstats import librosa_gaps

    cfg = MelConfig()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        listed = synthetic_corpus(root, tracks)
        paths = [root / path for path in listed["path"]]
        study_track_features(paths[0], cfg)
        t0 = time.perf_counter()
        study = [study_track_features(path, cfg) for path in paths]
        study_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for path in paths:
            load_crop(path, cfg.sample_rate, cfg.crop_seconds)
        decode_s = time.perf_counter() - t0
        ours_s = {workers: _features_seconds(listed, root, workers, Path(tmp) / f"ours_{workers}") for workers in (1, 2)}
        mels = np.load(Path(tmp) / "ours_1.npy")
        clip_stats = np.load(Path(tmp) / "ours_1.clip_stats.npy")
    study_mels = np.concatenate([track_mels for track_mels, _ in study])
    study_stats = np.stack([stats for _, stats in study])
    if study_mels.shape != mels.shape:
        raise RuntimeError(f"the study's recipe gave {study_mels.shape} mels, ours {mels.shape}")
    ratios = {"study_over_ours_1": study_s / ours_s[1], "ours_1_over_decode_only": ours_s[1] / decode_s}
    result = {"tracks": len(paths), "chunks": len(mels), "study_s": study_s, "ours_1_worker_s": ours_s[1],
              "ours_2_workers_s": ours_s[2], "decode_only_s": decode_s, **ratios,
              "speedup_2_workers_over_1": ours_s[1] / ours_s[2],
              "targets": FEATURES_TARGETS,
              "meets_targets": {
                  "ours_1_over_decode_only": ratios["ours_1_over_decode_only"]
                  <= FEATURES_TARGETS["ours_1_over_decode_only_at_most"],
                  "study_over_ours_1": ratios["study_over_ours_1"] >= FEATURES_TARGETS["study_over_ours_1_at_least"]},
              "max_abs_diff_mels": float(np.abs(study_mels - mels).max()),
              "clip_stats_gaps": librosa_gaps(clip_stats, study_stats)}
    if worker_tracks:
        result["workers"] = bench_feature_workers(worker_tracks)
    return result


def _chunks_on_disk(folder: Path, n_chunks: int) -> np.ndarray:
    """Seeded chunks written as .npy and read back as a memory map, as the train stage reads mels.npy."""
    path = folder / "mels.npy"
    np.save(path, np.random.default_rng(0).random((n_chunks, 128, 128), dtype=np.float32))
    return np.load(path, mmap_mode="r")


def _epoch_seconds(threads: int, data: np.ndarray) -> float:
    """One epoch of the pipeline's training loop (musiclust.train.train) on the conv beta-VAE."""
    import torch

    from musiclust.models.conv_bvae import ConvBetaVAE
    from musiclust.train import train

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ConvBetaVAE()
    t0 = time.perf_counter()
    train(model, data, epochs=1, batch_size=32, lr=1e-3, seed=0, device=torch.device("cpu"), progress=False)
    return time.perf_counter() - t0


def _bare_epoch_seconds(threads: int, data: np.ndarray) -> float:
    """The same epoch as a bare loop: shuffled sorted reads, loss, backward, Adam step; nothing else."""
    import torch

    from musiclust.models.conv_bvae import ConvBetaVAE

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ConvBetaVAE()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0)).numpy()
    t0 = time.perf_counter()
    for start in range(0, len(data), 32):
        x = torch.from_numpy(np.asarray(data[np.sort(order[start : start + 32])], dtype=np.float32))
        loss = model.loss(x)["total"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return time.perf_counter() - t0


def bench_conv(n_chunks: int) -> dict:
    """Seconds for one real training epoch on memory-mapped chunks, 1 vs 2 threads, idle and with the
    other core busy; and the training loop's speed against a bare loop of the same model and batch."""
    out = {"chunks": n_chunks}
    with tempfile.TemporaryDirectory() as tmp:
        data = _chunks_on_disk(Path(tmp), n_chunks)
        for threads in (1, 2):
            out[f"idle_{threads}_threads_s"] = _epoch_seconds(threads, data)
        out["bare_loop_2_threads_s"] = _bare_epoch_seconds(2, data)
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            for threads in (1, 2):
                out[f"busy_{threads}_threads_s"] = _epoch_seconds(threads, data)
        finally:
            busy.kill()
            busy.wait()
    out["idle_speedup_2_over_1"] = out["idle_1_threads_s"] / out["idle_2_threads_s"]
    out["busy_speedup_2_over_1"] = out["busy_1_threads_s"] / out["busy_2_threads_s"]
    out["loop_speed_over_bare"] = out["bare_loop_2_threads_s"] / out["idle_2_threads_s"]
    return out


def _profiled_epoch(data: np.ndarray, *, channels_last: bool = False, batch_size: int = 32,
                    compiled: bool = False) -> dict:
    """One epoch of the bare loop (:func:`_bare_epoch_seconds`), 2 threads, each step's phases timed:
    reading the batch, the forward pass with the loss, the backward pass and the Adam step; seconds
    summed over the epoch (a compiled model's first step, its compilation, is left out and given alone)."""
    import torch

    from musiclust.models.conv_bvae import ConvBetaVAE

    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = ConvBetaVAE()
    if channels_last:  # the weights so, and with them every activation after the first convolution
        model = model.to(memory_format=torch.channels_last)
    loss_of = torch.compile(model.loss) if compiled else model.loss
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0)).numpy()
    phases = dict.fromkeys(("read", "forward", "backward", "step"), 0.0)
    first_step_s = None
    for start in range(0, len(data), batch_size):
        t0 = time.perf_counter()
        x = torch.from_numpy(np.asarray(data[np.sort(order[start : start + batch_size])], dtype=np.float32))
        t1 = time.perf_counter()
        loss = loss_of(x)["total"]
        t2 = time.perf_counter()
        optimiser.zero_grad()
        loss.backward()
        t3 = time.perf_counter()
        optimiser.step()
        t4 = time.perf_counter()
        if compiled and first_step_s is None:
            first_step_s = t4 - t0
            continue
        for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[name] += seconds
    out = {f"{name}_s": seconds for name, seconds in phases.items()}
    out["epoch_s"] = sum(phases.values())
    if compiled:
        out["first_step_s"] = first_step_s
    return out


def bench_conv_profile(n_chunks: int) -> dict:
    """Where one conv beta-VAE epoch's time goes (:func:`_profiled_epoch`: read, forward, backward,
    optimiser step), as the pipeline trains (fp32, batch 32, contiguous NCHW tensors), and the same
    epoch with each change tried: channels-last tensors, batch 64 (fewer, larger steps: other
    training), and ``torch.compile`` (its compilation timed apart); each variant's speed over the
    default's in ``speedup_over_default``."""
    variants = {"default": {}, "channels_last": {"channels_last": True}, "batch_64": {"batch_size": 64},
                "compiled": {"compiled": True}}
    out: dict = {"chunks": n_chunks}
    with tempfile.TemporaryDirectory() as tmp:
        data = _chunks_on_disk(Path(tmp), n_chunks)
        for name, settings in variants.items():
            try:
                out[name] = _profiled_epoch(data, **settings)
            except Exception as err:  # a variant this machine cannot run (a compiler missing): said, not fatal
                out[name] = {"error": f"{type(err).__name__}: {err}"[:300]}
    base = out["default"]["epoch_s"]
    out["speedup_over_default"] = {name: base / out[name]["epoch_s"] for name in variants if "epoch_s" in out[name]}
    return out


_KERNEL_PROBE = """
import json, sys, time
import numpy as np
import torch
import musiclust
from musiclust.models.conv_bvae import ConvBetaVAE
from musiclust.text import embed_texts, load_sentence_model
from musiclust.train import train
chunks, texts = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(2)
data = np.random.default_rng(0).random((chunks, 128, 128), dtype=np.float32)
torch.manual_seed(0)
t0 = time.perf_counter()
train(ConvBetaVAE(), data, epochs=1, batch_size=32, lr=1e-3, seed=0, device=torch.device("cpu"), progress=False)
epoch = time.perf_counter() - t0
model = load_sentence_model("sentence-transformers/all-MiniLM-L6-v2")
lyrics = [" ".join(["the rain falls on the river and the night is long"] * (5 + i % 20)) for i in range(texts)]
embed_texts(model, lyrics[:4], progress=False)
t0 = time.perf_counter()
embed_texts(model, lyrics, progress=False)
print(json.dumps({"epoch_s": epoch, "lyrics_s": time.perf_counter() - t0,
                  "capability": torch.backends.cpu.get_cpu_capability()}))
"""


def bench_kernel_caps(n_chunks: int, n_texts: int = 200) -> dict:
    """What capping torch and oneDNN at their AVX2 kernels (the package's default, for the same bytes
    on any CPU with AVX2) costs: one conv beta-VAE training epoch (2 threads) and the lyric
    embedding of ``n_texts`` texts, capped and with the CPU's best kernels, each in a fresh process."""
    from numpy._core._multiarray_umath import __cpu_features__

    best = {"DNNL_MAX_CPU_ISA": "ALL", "ATEN_CPU_CAPABILITY": "avx512" if __cpu_features__.get("AVX512_SKX")
            else "avx2"}
    out = {"chunks": n_chunks, "texts": n_texts}
    for name, env in (("capped", {"DNNL_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}), ("best", best)):
        proc = subprocess.run([sys.executable, "-c", _KERNEL_PROBE, str(n_chunks), str(n_texts)],
                              env={**_pipeline_env(), **env}, capture_output=True, text=True, check=True)
        for key, value in json.loads(proc.stdout.strip().splitlines()[-1]).items():
            out[f"{name}_{key}"] = value
    out["epoch_capped_over_best"] = out["capped_epoch_s"] / out["best_epoch_s"]
    out["lyrics_capped_over_best"] = out["capped_lyrics_s"] / out["best_lyrics_s"]
    return out


def _pipeline_env() -> dict:
    """The environment of a `dvc repro` in a clone: this interpreter's folder first on PATH, models offline."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def bench_pipeline(gpu: bool = False) -> dict:
    """Wall time of `dvc repro` in a fresh clone of HEAD, with this interpreter's environment, each
    stage's share of it (:func:`timed_repro`; with ``gpu``, also the GPU's load per stage), and
    whether it brought back HEAD's committed results (``scripts/check_reproduction.py``)."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = _pipeline_env()
        timed = timed_repro(clone, env, GpuSampler() if gpu else None)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dvc", "repro", "-q"], cwd=clone, env=env, check=True)
        noop = time.perf_counter() - t0
        check = subprocess.run([sys.executable, "scripts/check_reproduction.py"], cwd=clone, env=env,
                               capture_output=True, text=True)
        if check.returncode:
            print(check.stdout[-4000:], check.stderr[-4000:], file=sys.stderr)
        return {**timed, "noop_repro_s": noop, "reproduced_head": check.returncode == 0}


def stage_windows(starts: list[tuple[str, float]], end: float) -> dict[str, tuple[float, float]]:
    """Each stage's ``(start, end)`` from the times its `Running stage` line appeared: a stage runs
    until the next one starts, the last until ``end`` (DVC runs one stage at a time)."""
    ends = [t for _, t in starts[1:]] + [end]
    return {name: (t0, t1) for (name, t0), t1 in zip(starts, ends)}


def stage_kinds(seconds: dict[str, float]) -> dict[str, float]:
    """Stage instances' seconds summed by stage (``train@hblm_synth-pca`` -> ``train``), sorted by name."""
    out: dict[str, float] = {}
    for name, value in seconds.items():
        kind = name.split("@", 1)[0]
        out[kind] = out.get(kind, 0.0) + value
    return dict(sorted(out.items()))


class GpuSampler:
    """The GPU's utilisation (%) and memory in use (MiB), read by ``nvidia-smi`` every
    ``interval_ms`` in a background process, each sample stamped with this process's clock."""

    QUERY = ("nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits")

    def __init__(self, interval_ms: int = 200):
        self.interval_ms = interval_ms
        self.samples: list[tuple[float, float, float]] = []
        self._proc: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> GpuSampler:
        if shutil.which("nvidia-smi") is None:
            return self  # no NVIDIA driver here: no samples
        self._proc = subprocess.Popen([*self.QUERY, f"-lms={self.interval_ms}"], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def _read(self) -> None:
        for line in self._proc.stdout:
            parsed = parse_gpu_sample(line)
            if parsed is not None:
                self.samples.append((time.perf_counter(), *parsed))

    def stop(self) -> list[tuple[float, float, float]]:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait()
            self._thread.join()
        return self.samples


def parse_gpu_sample(line: str) -> tuple[float, float] | None:
    """``(utilisation %, memory MiB)`` of the first GPU from one line of :attr:`GpuSampler.QUERY`'s
    output (``"87, 10543"``); None for anything else (a header, ``[N/A]``)."""
    try:
        busy, memory = (float(part) for part in line.strip().split(",")[:2])
    except ValueError:
        return None
    return busy, memory


def gpu_by_stage(samples: list[tuple[float, float, float]], windows: dict[str, tuple[float, float]]) -> dict:
    """Per stage with samples in its window: ``gpu_busy_pct`` (mean utilisation), ``gpu_memory_peak_mib``
    (the most memory in use: every process's, as nvidia-smi counts it) and ``samples``."""
    out = {}
    for name, (t0, t1) in windows.items():
        inside = [(busy, memory) for t, busy, memory in samples if t0 <= t < t1]
        if inside:
            out[name] = {"gpu_busy_pct": float(np.mean([busy for busy, _ in inside])),
                         "gpu_memory_peak_mib": float(max(memory for _, memory in inside)), "samples": len(inside)}
    return out


_LOCK_UPDATED = re.compile(r"^Updating lock file")


def streamed(cmd: list[str], cwd: Path, env: dict) -> dict:
    """Run ``cmd``, reading its output (stdout and stderr together) as it comes: ``returncode``,
    ``seconds``, ``starts`` (``[(stage, t)]`` of each `Running stage` line), ``locks`` (the times of
    DVC's `Updating lock file` lines, one after each stage), ``end`` and ``tail`` (its last lines);
    times on this process's ``time.perf_counter`` clock."""
    starts: list[tuple[str, float]] = []
    locks: list[float] = []
    tail: list[str] = []
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    for line in proc.stdout:
        now = time.perf_counter()
        found = _RUNNING_STAGE.match(line)
        if found:
            starts.append((found.group(1), now))
        elif _LOCK_UPDATED.match(line):
            locks.append(now)
        tail = (tail + [line])[-60:]
    proc.wait()
    end = time.perf_counter()
    return {"returncode": proc.returncode, "seconds": end - t0, "starts": starts, "locks": locks, "end": end,
            "tail": "".join(tail)}


def stage_times(run: dict) -> dict:
    """``dvc_repro_s`` (to the last stage's lock update, or the end), ``stage_s`` (each stage instance,
    from its `Running stage` line to the next stage's, the last one to its lock update) and
    ``stage_kind_s`` (:func:`stage_kinds`) of a :func:`streamed` run, with the ``windows``."""
    starts = run["starts"]
    last_end = max((t for t in run["locks"] if starts and t >= starts[-1][1]), default=run["end"])
    windows = stage_windows(starts, last_end)
    seconds = {name: t1 - t0 for name, (t0, t1) in windows.items()}
    return {"dvc_repro_s": last_end - (run["end"] - run["seconds"]), "stage_s": seconds,
            "stage_kind_s": stage_kinds(seconds), "windows": windows}


def timed_repro(clone: Path, env: dict, gpu: GpuSampler | None = None) -> dict:
    """`dvc repro` in ``clone``, its output read as it comes: ``dvc_repro_s`` (the whole), ``stage_s``
    (each stage instance, from its `Running stage` line to the next) and ``stage_kind_s``
    (:func:`stage_kinds`); with ``gpu`` sampling, ``gpu`` (:func:`gpu_by_stage`) and ``gpu_sampled``.

    Raises
    ------
    RuntimeError
        Where `dvc repro` fails (the end of its output in the message).
    """
    if gpu is not None:
        gpu.start()
    run = streamed([sys.executable, "-m", "dvc", "repro"], clone, env)
    samples = gpu.stop() if gpu is not None else []
    if run["returncode"]:
        raise RuntimeError(f"dvc repro failed ({run['returncode']}):\n{run['tail'][-4000:]}")
    times = stage_times(run)
    windows = times.pop("windows")
    out = {**times, "dvc_repro_s": run["seconds"]}
    if gpu is not None:
        out.update(gpu=gpu_by_stage(samples, windows), gpu_sampled=bool(samples))
    return out


_RUNNING_STAGE = re.compile(r"^Running stage '([^']+)':", re.MULTILINE)
_UNCHANGED_STAGE = re.compile(r"^Stage '([^']+)' didn't change, skipping", re.MULTILINE)


def stages_run(log: str) -> list[str]:
    """The stages a `dvc repro` log says it ran (``Running stage 'cluster@hblm_synth':``), sorted.

    Parameters
    ----------
    log : str
        The output of `dvc repro` without ``-q`` (the stages' own output may be interleaved).

    Returns
    -------
    list of str
        Each stage's name once, sorted.
    """
    return sorted(set(_RUNNING_STAGE.findall(log)))


def stages_unchanged(log: str) -> list[str]:
    """The stages a `dvc repro` log reports unchanged and skipped, sorted."""
    return sorted(set(_UNCHANGED_STAGE.findall(log)))


def _dvc(args: list[str], clone: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dvc", *args], cwd=clone, env=env, capture_output=True, text=True)


def bench_cluster_change() -> dict:
    """Wall time of `dvc repro` of the default pipeline after one scoring parameter changed.

    A clone of HEAD gets HEAD's outputs from this repository's DVC cache (nothing is trained);
    then ``evaluate.null_draws`` goes up by one and `dvc repro` runs what depends on it. The clone
    keeps reading this repository's cache (an output missing from the cache would count as
    changed and be made again), so the repro runs with ``--no-commit``, which writes nothing
    into it, and ``--no-run-cache``, so that the changed stages run even where some earlier run
    left their results in the run cache.

    Returns
    -------
    dict
        ``changed`` (``"evaluate.null_draws 200 -> 201"``), ``stages_run`` (sorted names),
        ``stages_unchanged`` (how many DVC skipped), ``stages_total`` (``dvc stage list``) and
        ``repro_s``.

    Where this repository's cache lacks HEAD's outputs (a fresh clone), the clone first makes
    them with an untimed `dvc repro`, which fills this repository's cache.

    Raises
    ------
    RuntimeError
        Where a `dvc repro` fails.
    """
    env = _pipeline_env()
    cache = ROOT / ".dvc" / "cache"
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        _dvc(["cache", "dir", "--local", str(cache)], clone, env).check_returncode()
        checkout = _dvc(["checkout", "-q"], clone, env)
        if checkout.returncode or _dvc(["status", "-q"], clone, env).returncode:
            # A fresh clone's cache lacks HEAD's outputs: make them first (untimed, into that cache).
            made = _dvc(["repro", "-q"], clone, env)
            if made.returncode:
                raise RuntimeError(f"dvc repro of HEAD failed:\n{made.stdout[-2000:]}\n{made.stderr[-2000:]}")
        null_draws = int(subprocess.run(
            [sys.executable, "-c", "from musiclust.evaluate import EvaluateParams; from stages.params import load_section; "
             "print(load_section('evaluate', EvaluateParams).null_draws)"],
            cwd=clone, env=env, capture_output=True, text=True, check=True).stdout.split()[-1])
        params = yaml.safe_load((clone / "params.yaml").read_text(encoding="utf-8"))
        params["evaluate"]["null_draws"] = null_draws + 1
        (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True),
                                           encoding="utf-8")
        listed = _dvc(["stage", "list", "--name-only"], clone, env)
        listed.check_returncode()
        t0 = time.perf_counter()
        repro = _dvc(["repro", "--no-commit", "--no-run-cache"], clone, env)
        seconds = time.perf_counter() - t0
        if repro.returncode:
            raise RuntimeError(f"dvc repro after the change failed:\n{repro.stdout[-2000:]}\n{repro.stderr[-2000:]}")
    log = repro.stdout + repro.stderr
    return {"changed": f"evaluate.null_draws {null_draws} -> {null_draws + 1}", "stages_run": stages_run(log),
            "stages_unchanged": len(stages_unchanged(log)), "stages_total": len(listed.stdout.split()),
            "repro_s": seconds}


#: what a developer can wait for, on this 2-core machine (seconds)
CI_TARGETS = {"test-fast": 120, "test": 480, "check": 1500}


def bench_ci() -> dict:
    """The README's commands, as CI runs them, in a fresh clone of HEAD with this virtualenv linked
    in (its set-up not timed): ``<target>_s`` for `make test-fast`, `make test` and `make check`
    (a whole `dvc repro` from an empty cache, then the reproduction check; its stages' times in
    ``check_repro``, :func:`stage_times`), each beside its target in :data:`CI_TARGETS`
    (``targets_s``, ``meets_targets``).

    A command that fails is timed all the same, ``<target>_passed`` false (its output's end printed),
    and does not meet its target.
    """
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        (clone / ".venv").symlink_to(ROOT / ".venv")
        for target in CI_TARGETS:
            # -o: the linked virtualenv's stamp counts as made (the clone's files are newer than it)
            run = streamed(["make", "-o", ".venv/.installed", target], clone, _pipeline_env())
            out[f"{target}_s"] = run["seconds"]
            out[f"{target}_passed"] = run["returncode"] == 0
            if run["returncode"]:  # timed all the same; the failure is printed and recorded
                print(f"make {target} failed:\n{run['tail'][-4000:]}", file=sys.stderr)
            if target == "check":  # its `dvc repro`, stage by stage
                times = stage_times(run)
                times.pop("windows")
                out["check_repro"] = times
    out["targets_s"] = dict(CI_TARGETS)
    out["meets_targets"] = {target: out[f"{target}_passed"] and out[f"{target}_s"] <= limit
                            for target, limit in CI_TARGETS.items()}
    return out


SCALE_DATASET = "scale"
MODEL_SECTIONS = ("models", "stats_models", "joint_models")
MIN_TSNE_MAX_POINTS = 100  # ReportParams.validate's minimum
SCALE_MAX_ROWS = 100       # cluster.max_quadratic_rows (its minimum) and models.pca.max_fit_chunks


def scaling_params(params: dict, tracks: int) -> dict:
    """``params.yaml``'s settings for the scaling run of one corpus size.

    The run is one synthetic corpus in the GTZAN layout (``datasets.gtzan_synth``'s keys) of
    ``tracks`` 3-s tracks, one 3-s chunk each, no unreadable file; every model trains 1 epoch
    on 1 seed; the quadratic clustering steps, the PCA fit (where the key exists) and the t-SNE
    figures (where the key exists) see bounded samples. Everything else is left as it is.

    Parameters
    ----------
    params : dict
        ``params.yaml`` as read (not modified).
    tracks : int
        A multiple of 10 (10 genres), at least the largest PCA ``n_components`` (PCA needs as
        many chunks as components).

    Returns
    -------
    dict
        The new settings.

    Raises
    ------
    ValueError
        Where ``tracks`` is not such a number.
    """
    import copy

    pca_components = max((entry.get("n_components", 0) for entry in params["models"].values()
                          if entry.get("kind") == "pca"), default=0)
    if tracks < 10 or tracks % 10 or tracks < pca_components:
        raise ValueError(f"{tracks} tracks: the scaling corpus needs a multiple of 10 tracks (10 genres), "
                         f"at least {max(10, pca_components)} (one chunk each, PCA's n_components)")
    out = copy.deepcopy(params)
    out["run"] = [SCALE_DATASET]
    out["datasets"][SCALE_DATASET] = {"format": "synthetic", "synthetic": {
        "layout": "gtzan", "tracks_per_genre": tracks // 10, "plant_unreadable": False, "seed": 0,
        "sample_rate": 22050, "min_seconds": 3.0, "max_seconds": 3.0, "audio_format": "wav"}}
    for section in MODEL_SECTIONS:
        for entry in (out.get(section) or {}).values():
            if "epochs" in entry:  # PCA has none, and the validator refuses unknown keys
                entry["epochs"] = 1
            entry["seeds"] = [0]
    out["cluster"]["max_quadratic_rows"] = SCALE_MAX_ROWS
    pca = out["models"].get("pca") or {}
    if "max_fit_chunks" in pca:
        pca["max_fit_chunks"] = SCALE_MAX_ROWS
    if "tsne_max_points" in out.get("report", {}):
        out["report"]["tsne_max_points"] = MIN_TSNE_MAX_POINTS
    return out


def scaling_settings(params: dict) -> str:
    """One sentence naming what :func:`scaling_params` changed in ``params`` (its output)."""
    bounded = [f"cluster.max_quadratic_rows {params['cluster']['max_quadratic_rows']}"]
    if "max_fit_chunks" in (params["models"].get("pca") or {}):
        bounded.append(f"models.pca.max_fit_chunks {params['models']['pca']['max_fit_chunks']}")
    if "tsne_max_points" in params.get("report", {}):
        bounded.append(f"report.tsne_max_points {params['report']['tsne_max_points']}")
    return ("synthetic corpus in the GTZAN layout (10 genres, no unreadable file), 3-s tracks (one 3-s chunk each), "
            f"every model 1 epoch and 1 seed, {', '.join(bounded)}; everything else as in params.yaml")


# Per stage module, the argument that tells its instances apart (its last path component).
_INSTANCE_ARG = {"train": "--name", "train_joint": "--name", "encode": "--model", "encode_joint": "--model"}


def stage_instance(argv: list[str]) -> str | None:
    """The stage instance a process runs, from its arguments: ``train:pca``, ``encode:conv_bvae``,
    ``cluster``; None where it is not ``python -m stages.<module>`` (e.g. the shell around one).

    Parameters
    ----------
    argv : list of str
        The process's arguments (``/proc/<pid>/cmdline`` split at NUL bytes).

    Returns
    -------
    str or None
    """
    module = next((argv[i + 1] for i in range(len(argv) - 1)
                   if argv[i] == "-m" and argv[i + 1].startswith("stages.")), None)
    if module is None:
        return None
    name = module.removeprefix("stages.")
    flag = _INSTANCE_ARG.get(name)
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == flag and i + 1 < len(argv) else (
            arg.split("=", 1)[1] if flag and arg.startswith(f"{flag}=") else None)
        if value:
            return f"{name}:{Path(value).name}"
    return name


def descendants(ppids: dict[int, int], root: int) -> set[int]:
    """The processes below ``root`` in the tree given by ``ppids`` ({pid: parent pid}), not ``root`` itself."""
    children: dict[int, list[int]] = {}
    for pid, ppid in ppids.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _status_kib(status: str, field: str) -> int:
    """``field`` of a ``/proc/<pid>/status`` text in kB; 0 where absent (a process exiting)."""
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def stage_peaks(snapshot: dict[int, tuple[int, list[str], str]], root: int,
                peaks: dict[str, dict[str, int]] | None = None) -> dict[str, dict[str, int]]:
    """Fold one sample of the process table into each stage instance's peak memory.

    Parameters
    ----------
    snapshot : dict
        ``{pid: (parent pid, argv, /proc/<pid>/status text)}``; argv and status may be empty
        for processes not read.
    root : int
        The `dvc repro` process: only its descendants count.
    peaks : dict, optional
        The peaks so far, ``{instance: {"hwm_kib": ..., "anon_kib": ...}}``; updated in place.

    Returns
    -------
    dict
        ``peaks``, with the maximum of each instance's ``VmHWM`` (its peak resident set) and of
        its sampled ``RssAnon`` (anonymous resident memory: not the pages of files read in place).
    """
    peaks = {} if peaks is None else peaks
    below = descendants({pid: ppid for pid, (ppid, _, _) in snapshot.items()}, root)
    for pid in below:
        _, argv, status = snapshot[pid]
        instance = stage_instance(argv)
        if instance is None or not status:
            continue
        peak = peaks.setdefault(instance, {"hwm_kib": 0, "anon_kib": 0})
        peak["hwm_kib"] = max(peak["hwm_kib"], _status_kib(status, "VmHWM"))
        peak["anon_kib"] = max(peak["anon_kib"], _status_kib(status, "RssAnon"))
    return peaks


def _parent_pid(stat: str) -> int:
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return int(stat[stat.rindex(")") + 2:].split()[1])


def read_processes(root: int, proc: Path = Path("/proc")) -> dict[int, tuple[int, list[str], str]]:
    """The process table as :func:`stage_peaks` reads it: every process's parent; the arguments
    and status of ``root``'s descendants only. Processes that end while being read are left out."""
    ppids = {}
    for entry in os.scandir(proc):
        if entry.name.isdigit():
            try:
                ppids[int(entry.name)] = _parent_pid((proc / entry.name / "stat").read_text())
            except (OSError, ValueError, IndexError):
                continue
    below = descendants(ppids, root)
    snapshot = {pid: (ppid, [], "") for pid, ppid in ppids.items() if pid not in below}
    for pid in below:
        try:
            argv = (proc / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
            status = (proc / str(pid) / "status").read_text() if stage_instance(argv) else ""
        except OSError:
            continue
        snapshot[pid] = (ppids[pid], argv, status)
    return snapshot


class StageMemorySampler:
    """A thread that samples the stage processes below ``root`` every ``interval`` seconds
    (:func:`read_processes`, :func:`stage_peaks`) until :meth:`stop`."""

    def __init__(self, root: int, interval: float = 0.05):
        self.root, self.interval, self.peaks = root, interval, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            stage_peaks(read_processes(self.root), self.root, self.peaks)
            if self._stop.wait(self.interval):
                return

    def start(self) -> StageMemorySampler:
        self._thread.start()
        return self

    def stop(self) -> dict[str, dict[str, int]]:
        """Stop sampling; the peaks, ``{instance: {"hwm_kib", "anon_kib"}}``."""
        self._stop.set()
        self._thread.join()
        return self.peaks


def scaling_run(tracks: int, folder: Path) -> dict:
    """The whole default pipeline on ``tracks`` tracks (:func:`scaling_params`) in a fresh clone of
    HEAD under ``folder``: its wall time and each stage instance's peak memory.

    Parameters
    ----------
    tracks : int
    folder : Path
        Where the clone goes (``clone_<tracks>``).

    Returns
    -------
    dict
        ``tracks``, ``chunks``, ``repro_s``, ``settings`` (:func:`scaling_settings`) and ``stages``:
        ``{instance: {"peak_rss_mib", "peak_anon_mib"}}``.
    """
    clone = folder / f"clone_{tracks}"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    params = scaling_params(yaml.safe_load((clone / "params.yaml").read_text(encoding="utf-8")), tracks)
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True), encoding="utf-8")
    t0 = time.perf_counter()
    repro = subprocess.Popen([sys.executable, "-m", "dvc", "repro", "-q"], cwd=clone, env=_pipeline_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = StageMemorySampler(repro.pid).start()
    try:
        stdout, stderr = repro.communicate()
    finally:
        peaks = sampler.stop()
    seconds = time.perf_counter() - t0
    if repro.returncode:
        raise RuntimeError(f"dvc repro at {tracks} tracks failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    chunks = len(pd.read_parquet(clone / "data" / "features" / SCALE_DATASET / "chunks.parquet"))
    stages = {name: {"peak_rss_mib": peak["hwm_kib"] / 1024, "peak_anon_mib": peak["anon_kib"] / 1024}
              for name, peak in sorted(peaks.items())}
    return {"tracks": tracks, "chunks": chunks, "repro_s": seconds, "settings": scaling_settings(params),
            "stages": stages}


def scaling_summary(sizes: list[dict]) -> dict:
    """How time and memory grow across the sizes of :func:`bench_scaling` (ascending ``tracks``).

    Parameters
    ----------
    sizes : list of dict
        Each with ``tracks``, ``repro_s`` and ``stages`` (:func:`scaling_run`).

    Returns
    -------
    dict
        With two sizes or more, between the last two: ``slope_s_per_1000_tracks``,
        ``time_ratio_last_over_middle`` and ``tracks_ratio_last_over_middle``. Where a size has
        exactly 10 times the first's tracks: ``ratio_10x_tracks`` (the two sizes), per stage
        instance present at both ``rss_ratio_10x`` and ``anon_ratio_10x`` (peak at the larger over
        peak at the first), and the worst stage of each, ``max_rss_ratio_10x`` and
        ``max_anon_ratio_10x`` (``{"stage", "ratio"}``).
    """
    out: dict = {}
    if len(sizes) >= 2:
        middle, last = sizes[-2], sizes[-1]
        out["slope_s_per_1000_tracks"] = (last["repro_s"] - middle["repro_s"]) / (last["tracks"] - middle["tracks"]) * 1000
        out["time_ratio_last_over_middle"] = last["repro_s"] / middle["repro_s"]
        out["tracks_ratio_last_over_middle"] = last["tracks"] / middle["tracks"]
    first = sizes[0]
    tenfold = next((size for size in sizes[1:] if size["tracks"] == 10 * first["tracks"]), None)
    if tenfold is None:
        return out
    out["ratio_10x_tracks"] = [first["tracks"], tenfold["tracks"]]
    for kind, field in (("rss", "peak_rss_mib"), ("anon", "peak_anon_mib")):
        ratios = {name: tenfold["stages"][name][field] / first["stages"][name][field]
                  for name in sorted(first["stages"].keys() & tenfold["stages"].keys())
                  if first["stages"][name][field] > 0}
        out[f"{kind}_ratio_10x"] = ratios
        if ratios:
            worst = max(ratios, key=ratios.get)
            out[f"max_{kind}_ratio_10x"] = {"stage": worst, "ratio": ratios[worst]}
    return out


def bench_scaling(sizes: list[int]) -> dict:
    """The whole default pipeline at each corpus size (:func:`scaling_run`), and how it grows
    (:func:`scaling_summary`).

    Parameters
    ----------
    sizes : list of int
        Ascending track counts, each a multiple of 10.

    Returns
    -------
    dict
        ``sizes`` (each :func:`scaling_run`'s result without its settings), ``settings`` (one
        sentence) and :func:`scaling_summary`'s keys.
    """
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for tracks in sizes:
            results.append(scaling_run(tracks, Path(tmp)))
            shutil.rmtree(Path(tmp) / f"clone_{tracks}")  # one corpus on disk at a time
    settings = results[0].pop("settings")
    for result in results[1:]:
        result.pop("settings")
    return {"sizes": results, "settings": settings, **scaling_summary(results)}


def machine() -> dict:
    import platform

    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    out = {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "gpu": torch.cuda.is_available()}
    if out["gpu"]:
        out["gpu_name"] = torch.cuda.get_device_name(0)
    return out


SECTIONS = ("mel", "memory", "conv_bvae", "conv_profile", "features", "kernel_caps", "pipeline", "cluster_change",
            "scaling", "ci")
# the pipeline runs take minutes: only when asked
DEFAULT_SECTIONS = ("mel", "memory", "conv_bvae", "conv_profile", "features", "kernel_caps")


def _runners(args: argparse.Namespace) -> dict[str, Callable[[], dict]]:
    """Each section's measurement with this run's sizes (looked up when called, so a test can replace one)."""
    return {"mel": lambda: bench_mel(args.chunks), "memory": lambda: bench_memory(args.tracks),
            "conv_bvae": lambda: bench_conv(args.epoch_chunks),
            "conv_profile": lambda: bench_conv_profile(args.epoch_chunks),
            "features": lambda: bench_features(args.feature_tracks, args.feature_worker_tracks),
            "kernel_caps": lambda: bench_kernel_caps(args.epoch_chunks),
            "pipeline": lambda: bench_pipeline(args.gpu), "cluster_change": bench_cluster_change,
            "scaling": lambda: bench_scaling(args.scale_tracks), "ci": bench_ci}


def _sections(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The sections to run: those of --only, or all but the pipeline runs; --pipeline adds the pipeline
    and the clustering change, --scaling the scaling runs."""
    if args.only is None:
        chosen = list(DEFAULT_SECTIONS)
    else:
        chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown or not chosen:
        problem = f"unknown section(s) {', '.join(unknown)}" if unknown else "no section named"
        parser.error(f"--only: {problem}; known: {', '.join(SECTIONS)}")
    return list(dict.fromkeys(chosen + ["pipeline", "cluster_change"] * args.pipeline + ["scaling"] * args.scaling))


def _track_counts(text: str) -> list[int]:
    """--scale-tracks: ascending comma-separated track counts, each a multiple of 10."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not comma-separated integers: {text!r}") from None
    if not counts or counts != sorted(set(counts)) or any(n < 10 or n % 10 for n in counts):
        raise argparse.ArgumentTypeError(f"need ascending distinct multiples of 10 (10 genres), got {text!r}")
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=200, help="chunks for the log-mel comparison")
    parser.add_argument("--tracks", type=int, default=25, help="tracks of the smaller memory run")
    parser.add_argument("--epoch-chunks", type=int, default=1000, help="chunks of the timed training epoch")
    parser.add_argument("--feature-tracks", type=int, default=100, help="tracks of the features timing")
    parser.add_argument("--feature-worker-tracks", type=int, default=1000,
                        help="tracks of the features timing on 1 vs 2 workers alone (0: not run)")
    parser.add_argument("--pipeline", action="store_true",
                        help="also time dvc repro in a fresh clone, and after a clustering-only change")
    parser.add_argument("--gpu", action="store_true",
                        help="pipeline: also sample the GPU's load and memory per stage (nvidia-smi)")
    parser.add_argument("--scaling", action="store_true",
                        help="also time the whole pipeline at each size of --scale-tracks, with each stage's peak memory")
    parser.add_argument("--scale-tracks", type=_track_counts, default=[100, 1000, 5000], metavar="N,N,...",
                        help="corpus sizes of the scaling runs (default 100,1000,5000)")
    parser.add_argument("--only", metavar="SECTIONS",
                        help=f"run only these comma-separated sections ({', '.join(SECTIONS)}); "
                             "the --out file's other sections are kept")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    sections = _sections(parser, args)
    results = {}
    if args.only is not None and args.out is not None and args.out.exists():
        results = json.loads(args.out.read_text())
    kept = results.get("machine")
    results["machine"] = machine()
    if kept is not None and kept != results["machine"]:
        # The kept sections were measured elsewhere: the file now mixes machines.
        print(f"warning: {args.out} was measured on {kept}; the sections run now on {results['machine']}", file=sys.stderr)
    runners = _runners(args)
    for name in sections:
        results[name] = runners[name]()
    text = json.dumps(results, indent=2, sort_keys=True) + "\n"
    if args.out:
        from musiclust.io import atomic_path

        with atomic_path(args.out) as tmp:
            tmp.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
