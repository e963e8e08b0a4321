"""Speed and memory of the feature and training code, as ratios measured in one run.

    python scripts/benchmark.py            # prints a Markdown table

1. log-mel: the study's per-chunk librosa loop vs the batched torch transform
   (same numbers to 1e-4), on the same chunks;
2. memory: peak RSS of the spectrogram computation for a corpus and for one
   four times larger (streaming through a memory map: it should not grow);
3. conv beta-VAE: seconds per 1,000-chunk epoch with 1 and 2 torch threads.
"""

from __future__ import annotations

import argparse
import json
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
from musiclust.audio import MelConfig, spectrogram_corpus
root, n = Path(sys.argv[1]), int(sys.argv[2])
tracks = pd.DataFrame({"track_id": [f"t{i:04d}" for i in range(n)], "path": ["tone.wav"] * n})
spectrogram_corpus(tracks, root, MelConfig(), root / f"mels_{n}.npy", progress=False)
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


def bench_conv(steps: int) -> dict:
    import torch

    from musiclust.models.conv_bvae import ConvBetaVAE

    out = {}
    x = torch.rand(32, 128, 128)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = ConvBetaVAE()
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        for i in range(steps + 1):
            if i == 1:
                t0 = time.perf_counter()
            loss = model.loss(x)["total"]
            opt.zero_grad()
            loss.backward()
            opt.step()
        per_step = (time.perf_counter() - t0) / steps
        out[f"epoch_s_{threads}_threads"] = per_step * 1000 / 32
    out["thread_speedup"] = out["epoch_s_1_threads"] / out["epoch_s_2_threads"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--tracks", type=int, default=25)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {"mel": bench_mel(args.chunks), "memory": bench_memory(args.tracks),
               "conv_bvae": bench_conv(args.steps)}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    m, r, c = results["mel"], results["memory"], results["conv_bvae"]
    print("| measurement | result |\n|---|---|")
    print(f"| log-mel of {m['chunks']} chunks: librosa loop / batched torch | "
          f"{m['librosa_s']:.2f} s / {m['torch_s']:.2f} s = **{m['speedup']:.1f}x** (max diff {m['max_abs_diff']:.1e}) |")
    print(f"| peak RSS, spectrograms of {r['tracks_small']} vs {r['tracks_large']} tracks "
          f"({r['array_small_mib']:.0f} vs {r['array_large_mib']:.0f} MiB of output) | "
          f"{r['peak_rss_small_mib']:.0f} vs {r['peak_rss_large_mib']:.0f} MiB = **{r['rss_ratio']:.2f}x** |")
    print(f"| conv beta-VAE, one 1,000-chunk epoch, 1 vs 2 threads | "
          f"{c['epoch_s_1_threads']:.1f} s vs {c['epoch_s_2_threads']:.1f} s = **{c['thread_speedup']:.2f}x** |")


if __name__ == "__main__":
    main()
