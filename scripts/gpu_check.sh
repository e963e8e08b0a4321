#!/usr/bin/env bash
# Training and encoding speed of the conv beta-VAE on this machine's GPU against its CPU, as JSON on stdout.
# Needs only python3 with torch and numpy (see scripts/gpu_check.py):
#   scripts/gpu_check.sh > gpu_check.json        scripts/gpu_check.sh --quick    (CPU only, tiny)
# With --pipeline: the whole default pipeline (`dvc repro` in a fresh clone of HEAD, nothing cached) on
# this machine, each stage's wall time, GPU load and peak GPU memory (nvidia-smi, every 200 ms), into
# benchmarks/gpu_pipeline.json (docs/benchmarks.md shows it). Needs the project's virtualenv (`make venv`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--pipeline" ]; then
    shift
    export PATH="$PWD/.venv/bin:$PATH" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
    exec python scripts/benchmark.py --only pipeline --gpu --out "${1:-benchmarks/gpu_pipeline.json}"
fi
# The repository on the import path, so that musiclust needs no install here.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec python3 scripts/gpu_check.py "$@"
