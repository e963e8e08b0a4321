"""Reading an experiment's committed outputs (DVC keeps each as a git ref under refs/exps/)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


def committed_text(rev: str, path: str) -> str:
    """The file at ``path`` as committed in ``rev``."""
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def committed_json(rev: str, path: str) -> dict:
    return json.loads(committed_text(rev, path))
