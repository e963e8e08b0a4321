"""Speed and memory of the feature and training code, as ratios measured in one run.

    python scripts/benchmark.py --out benchmarks/benchmark.json               # the README's table
    python scripts/benchmark.py --out benchmarks/benchmark.json --pipeline    # and a timed dvc repro

1. log-mel: the study's per-chunk librosa loop vs the batched torch transform
   (same numbers to 1e-4), on the same chunks;
2. memory: peak RSS of the features stage's computation (mel chunks and clip statistics) for a
   corpus and for one four times larger (streaming through a memory map: it should not grow);
3. conv beta-VAE: one real 1,000-chunk training epoch with 1 and 2 torch threads,
   on an idle machine and with the other core held by a busy process;
4. with --pipeline: the wall time of `dvc repro` of the default pipeline in a fresh
   clone of HEAD (this virtualenv, nothing cached).

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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


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


def _epoch_seconds(threads: int, n_chunks: int) -> float:
    import torch

    from musiclust.models.conv_bvae import ConvBetaVAE
    from musiclust.train import train

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    data = np.random.default_rng(0).random((n_chunks, 128, 128), dtype=np.float32)
    model = ConvBetaVAE()
    t0 = time.perf_counter()
    train(model, data, epochs=1, batch_size=32, lr=1e-3, seed=0, device=torch.device("cpu"), progress=False)
    return time.perf_counter() - t0


def bench_conv(n_chunks: int) -> dict:
    """Seconds for one real training epoch, 1 vs 2 threads, idle and with the other core busy."""
    out = {"chunks": n_chunks}
    for threads in (1, 2):
        out[f"idle_{threads}_threads_s"] = _epoch_seconds(threads, n_chunks)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        for threads in (1, 2):
            out[f"busy_{threads}_threads_s"] = _epoch_seconds(threads, n_chunks)
    finally:
        busy.kill()
        busy.wait()
    out["idle_speedup_2_over_1"] = out["idle_1_threads_s"] / out["idle_2_threads_s"]
    out["busy_speedup_2_over_1"] = out["busy_1_threads_s"] / out["busy_2_threads_s"]
    return out


def bench_pipeline() -> dict:
    """Wall time of `dvc repro` in a fresh clone of HEAD, with this interpreter's environment."""
    import os

    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dvc", "repro", "-q"], cwd=clone, env=env, check=True)
        return {"dvc_repro_s": time.perf_counter() - t0}


def machine() -> dict:
    import platform

    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "gpu": torch.cuda.is_available()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=200, help="chunks for the log-mel comparison")
    parser.add_argument("--tracks", type=int, default=25, help="tracks of the smaller memory run")
    parser.add_argument("--epoch-chunks", type=int, default=1000, help="chunks of the timed training epoch")
    parser.add_argument("--pipeline", action="store_true", help="also time dvc repro in a fresh clone")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    results = {"machine": machine(), "mel": bench_mel(args.chunks), "memory": bench_memory(args.tracks),
               "conv_bvae": bench_conv(args.epoch_chunks)}
    if args.pipeline:
        results["pipeline"] = bench_pipeline()
    text = json.dumps(results, indent=2, sort_keys=True) + "\n"
    if args.out:
        from musiclust.io import atomic_path

        with atomic_path(args.out) as tmp:
            tmp.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
