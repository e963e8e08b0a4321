"""Reading an experiment's committed outputs (DVC keeps each as a git ref under refs/exps/)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The pipeline's version each experiment summary records ("pipeline"): 2 is the calibrated decoder,
# early stopping on a plateau, mean-and-std track pooling and musicnn; a summary without it is of 1.
PIPELINE_VERSION = 2


def experiment_rev(name: str, how_to_run: str) -> str:
    """The ref of the experiment called ``name``; a clear error when there is none or several."""
    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/exps/"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.split()
    matches = [r for r in refs if r.rsplit("/", 1)[-1] == name]
    if not matches:
        raise SystemExit(f"no experiment named {name!r}: {how_to_run}")
    if len(matches) > 1:
        raise SystemExit(f"experiment {name!r}: {len(matches)} refs ({matches}); dvc exp remove the stale ones")
    return matches[0]


def baseline_of(rev: str) -> str:
    """The commit an experiment ran on (its parent): what it is compared with, whatever HEAD is now."""
    return subprocess.run(["git", "rev-parse", f"{rev}^"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def committed_text(rev: str, path: str) -> str:
    """The file at ``path`` as committed in ``rev``."""
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def committed_bytes(rev: str, path: str) -> bytes:
    """The file at ``path`` as committed in ``rev``, as bytes (a Parquet table)."""
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True).stdout


def committed_json(rev: str, path: str) -> dict:
    return json.loads(committed_text(rev, path))


def dvc(*args: str) -> str:
    """``dvc <args>`` in the repository; its standard output."""
    return subprocess.run([sys.executable, "-m", "dvc", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def run_queued(experiments: dict[str, list[str]], poll_s: float = 30.0,
               targets: dict[str, list[str]] | None = None) -> None:
    """Queue each experiment (name -> its ``-S`` settings) not run yet, run the queue one at a
    time and wait for it; a failed experiment stops with its name. ``targets``: name -> the stages
    an experiment runs (default: the whole pipeline)."""
    existing = set(dvc("exp", "list", "--all-commits", "--name-only").split())
    for name, sets in experiments.items():
        if name in existing:
            print(f"{name}: already run (dvc exp remove {name} to run it again)")
            continue
        dvc("exp", "run", "--queue", "--name", name, *[arg for s in sets for arg in ("-S", s)],
            *(targets or {}).get(name, []))
        print(f"queued {name}: {' '.join(sets)}")
    dvc("queue", "start", "--jobs", "1")
    while True:
        status = dvc("queue", "status")
        print(status.strip().splitlines()[-1] if status.strip() else "", flush=True)
        if not any(word in status for word in ("Queued", "Running")):
            break
        time.sleep(poll_s)
    failed = [line for line in status.splitlines() if "Failed" in line]
    if failed:
        raise SystemExit("failed experiments (dvc queue logs <name>):\n" + "\n".join(failed))
