#!/usr/bin/env bash
# Training and encoding speed of the conv beta-VAE on this machine's GPU against its CPU, as JSON on stdout.
# Needs only python3 with torch and numpy (see scripts/gpu_check.py):
#   scripts/gpu_check.sh > gpu_check.json        scripts/gpu_check.sh --quick    (CPU only, tiny)
set -euo pipefail
cd "$(dirname "$0")/.."
# The repository on the import path, so that musiclust needs no install here.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec python3 scripts/gpu_check.py "$@"
