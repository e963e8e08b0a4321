"""Speed and memory of the feature and training code, as ratios measured in one run.

    python scripts/benchmark.py --out benchmarks/benchmark.json               # the README's table
    python scripts/benchmark.py --out benchmarks/benchmark.json --pipeline    # and a timed dvc repro
    python scripts/benchmark.py --out benchmarks/benchmark.json --only features  # one section again, the rest kept

1. log-mel: the study's per-chunk librosa loop vs the batched torch transform
   (same numbers to 1e-4), on the same chunks;
2. memory: peak RSS of the features stage's computation (mel chunks and clip statistics) for a
   corpus and for one four times larger (streaming through a memory map: it should not grow);
3. conv beta-VAE: one real 1,000-chunk training epoch with 1 and 2 torch threads,
   on an idle machine and with the other core held by a busy process;
4. features: the wall time of the study's recipe (librosa, each file decoded whole, twice)
   vs ours with 1 and 2 worker processes, and of decoding the crops alone, on a synthetic corpus;
5. with --pipeline: the wall time of `dvc repro` of the default pipeline in a fresh
   clone of HEAD (this virtualenv, nothing cached).

With --only, the named sections run alone and replace theirs in the --out file; the file's
other sections stay as they were.

The JSON output is committed; scripts/readme_results.py writes the README's
benchmark table and timings from it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


_MEM_CHILD = r"""
import resource, sys
import numpy as np, pandas as pd, soundfile as sf
from pathlib import Path
sys.path.insert(0, sys.argv[3])
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
            out = subprocess.run([sys.executable, "-c", _MEM_CHILD, tmp, str(n), str(ROOT)],
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

    The study decoded each file whole and once per feature kind:

    1. ``librosa.load(path, sr=cfg.sample_rate)`` of the whole file; its central
       ``cfg.crop_seconds``, cut into whole ``cfg.chunk_seconds`` chunks; per chunk,
       ``librosa.feature.melspectrogram`` and ``power_to_db`` (:func:`musiclust.audio.log_mel_librosa`);
    2. a second ``librosa.load`` of the whole file; the 43 statistics
       (:func:`musiclust.clipstats.clip_statistics`) of its central crop, the same crop as ours,
       so both recipes compute the same numbers and only the decoding and the mel transform differ.

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
    from musiclust.clipstats import clip_statistics

    y, _ = librosa.load(path, sr=cfg.sample_rate)
    cropped, _ = central_crop(y, cfg.crop_samples)
    mels = np.stack([log_mel_librosa(piece, cfg) for piece in chunk(cropped, cfg.chunk_samples)])
    y, _ = librosa.load(path, sr=cfg.sample_rate)
    return mels, clip_statistics(central_crop(y, cfg.crop_samples)[0], cfg.sample_rate)


def bench_features(tracks: int) -> dict:
    """Seconds to compute the corpus features: the study's recipe, ours on 1 and 2 workers, and decoding alone.

    Each is timed once on the same synthetic corpus (:func:`synthetic_corpus`), after one
    track through each recipe in this process, so that imports and first-call caches do not
    count. With 2 workers the time includes starting the worker processes (each imports torch
    and librosa): a user pays for it on every run.

    Parameters
    ----------
    tracks : int >= 1

    Returns
    -------
    dict
        ``study_s`` (:func:`study_track_features` of every track), ``ours_1_worker_s`` and
        ``ours_2_workers_s`` (:func:`musiclust.features.corpus_features`, mels written to a
        ``.npy`` file), ``decode_only_s`` (:func:`musiclust.audio.load_crop` of every track), their
        ratios, the tracks and chunks, and how far the study's mels and clip statistics are from ours.
    """
    from musiclust.audio import MelConfig, load_crop
    from musiclust.features import corpus_features, track_features

    cfg = MelConfig()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        listed = synthetic_corpus(root, tracks)
        paths = [root / path for path in listed["path"]]
        study_track_features(paths[0], cfg)
        track_features(listed["track_id"][0], paths[0], cfg)
        t0 = time.perf_counter()
        study = [study_track_features(path, cfg) for path in paths]
        study_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for path in paths:
            load_crop(path, cfg.sample_rate, cfg.crop_seconds)
        decode_s = time.perf_counter() - t0
        ours, ours_s = {}, {}
        for workers in (1, 2):
            t0 = time.perf_counter()
            ours[workers] = corpus_features(listed, root, cfg, Path(tmp) / f"mels_{workers}.npy", progress=False,
                                            workers=workers)
            ours_s[workers] = time.perf_counter() - t0
        mels = np.load(Path(tmp) / "mels_1.npy")
    study_mels = np.concatenate([track_mels for track_mels, _ in study])
    study_stats = np.stack([stats for _, stats in study])
    if study_mels.shape != mels.shape:
        raise RuntimeError(f"the study's recipe gave {study_mels.shape} mels, ours {mels.shape}")
    return {"tracks": len(paths), "chunks": len(mels), "study_s": study_s, "ours_1_worker_s": ours_s[1],
            "ours_2_workers_s": ours_s[2], "decode_only_s": decode_s,
            "study_over_ours_1": study_s / ours_s[1], "ours_1_over_decode_only": ours_s[1] / decode_s,
            "speedup_2_workers_over_1": ours_s[1] / ours_s[2],
            "max_abs_diff_mels": float(np.abs(study_mels - mels).max()),
            "max_abs_diff_clip_stats": float(np.abs(study_stats - ours[1].clip_stats).max())}


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


def bench_pipeline() -> dict:
    """Wall time of `dvc repro` in a fresh clone of HEAD, with this interpreter's environment, and
    whether it brought back HEAD's committed results (``scripts/check_reproduction.py``)."""
    import os

    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dvc", "repro", "-q"], cwd=clone, env=env, check=True)
        seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dvc", "repro", "-q"], cwd=clone, env=env, check=True)
        noop = time.perf_counter() - t0
        check = subprocess.run([sys.executable, "scripts/check_reproduction.py"], cwd=clone, env=env,
                               capture_output=True, text=True)
        if check.returncode:
            print(check.stdout[-4000:], check.stderr[-4000:], file=sys.stderr)
        return {"dvc_repro_s": seconds, "noop_repro_s": noop, "reproduced_head": check.returncode == 0}


def machine() -> dict:
    import platform

    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "gpu": torch.cuda.is_available()}


SECTIONS = ("mel", "memory", "conv_bvae", "features", "pipeline")
DEFAULT_SECTIONS = ("mel", "memory", "conv_bvae", "features")  # the pipeline takes minutes: only when asked


def _runners(args: argparse.Namespace) -> dict[str, Callable[[], dict]]:
    """Each section's measurement with this run's sizes (looked up when called, so a test can replace one)."""
    return {"mel": lambda: bench_mel(args.chunks), "memory": lambda: bench_memory(args.tracks),
            "conv_bvae": lambda: bench_conv(args.epoch_chunks), "features": lambda: bench_features(args.feature_tracks),
            "pipeline": bench_pipeline}


def _sections(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The sections to run: those of --only, or all but the pipeline; --pipeline adds it."""
    if args.only is None:
        chosen = list(DEFAULT_SECTIONS)
    else:
        chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown or not chosen:
        problem = f"unknown section(s) {', '.join(unknown)}" if unknown else "no section named"
        parser.error(f"--only: {problem}; known: {', '.join(SECTIONS)}")
    return list(dict.fromkeys(chosen + ["pipeline"] * args.pipeline))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=200, help="chunks for the log-mel comparison")
    parser.add_argument("--tracks", type=int, default=25, help="tracks of the smaller memory run")
    parser.add_argument("--epoch-chunks", type=int, default=1000, help="chunks of the timed training epoch")
    parser.add_argument("--feature-tracks", type=int, default=100, help="tracks of the features timing")
    parser.add_argument("--pipeline", action="store_true", help="also time dvc repro in a fresh clone")
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
