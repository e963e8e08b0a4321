"""Check that a `dvc repro` in this checkout brought back the committed results.

    python scripts/check_reproduction.py     # after `dvc repro`; `make check` runs both

(a) `dvc status` must be clean and `dvc.lock` equal to the one committed at HEAD (the same
code, params and output hashes: on the machine that made it, outputs come back byte for byte);
(b) every metric under metrics/ must equal the one committed at HEAD within `tolerances.yaml`
(integers exactly, other numbers within an absolute tolerance), with no metric missing or
added; (c) `dvc metrics diff --md HEAD` is printed. Exits 1 naming every difference.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def leaves(node, path: tuple = ()):
    """(path, value) of every number or string in a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, path + (key,))
    else:
        yield path, node


def committed_metrics(root: Path, rev: str = "HEAD") -> dict[str, dict]:
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "metrics"], cwd=root, check=True,
                           capture_output=True, text=True).stdout.split()
    return {f: json.loads(subprocess.run(["git", "show", f"{rev}:{f}"], cwd=root, check=True, capture_output=True,
                                         text=True).stdout) for f in files if f.endswith(".json")}


def current_metrics(root: Path) -> dict[str, dict]:
    return {p.relative_to(root).as_posix(): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((root / "metrics").rglob("*.json"))}


def compare(committed: dict[str, dict], current: dict[str, dict], tolerances: dict) -> list[str]:
    """Every difference beyond tolerance, one line each, naming the file and the metric."""
    problems = [f"{f}: missing after dvc repro" for f in sorted(set(committed) - set(current))]
    problems += [f"{f}: not committed" for f in sorted(set(current) - set(committed))]
    for name in sorted(set(committed) & set(current)):
        old, new = dict(leaves(committed[name])), dict(leaves(current[name]))
        for key in sorted(set(old) | set(new)):
            where = f"{name}: {'.'.join(map(str, key))}"
            if key not in new or key not in old:
                problems.append(f"{where}: {'missing' if key not in new else 'new'}")
            elif isinstance(old[key], bool) or not isinstance(old[key], (int, float)):
                if old[key] != new[key]:
                    problems.append(f"{where}: {old[key]!r} -> {new[key]!r}")
            else:
                exact = isinstance(old[key], int) and isinstance(new[key], int)
                allowed = tolerances["counts"] if exact else tolerances["scores"]
                if abs(new[key] - old[key]) > allowed:
                    problems.append(f"{where}: {old[key]} -> {new[key]} (tolerance {allowed})")
    return problems


def lock_differences(committed: dict, current: dict) -> list[str]:
    """The stages whose dvc.lock entries (commands, dependency and output hashes) differ."""
    old, new = committed.get("stages", {}), current.get("stages", {})
    return [f"dvc.lock: stage {name} {'missing' if name not in new else 'new' if name not in old else 'differs'}"
            for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]


def main() -> int:
    tolerances = yaml.safe_load((ROOT / "tolerances.yaml").read_text(encoding="utf-8"))
    status = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    problems = [] if json.loads(status or "{}") == {} else [f"dvc status is not clean: {status}"]
    committed_lock = subprocess.run(["git", "show", "HEAD:dvc.lock"], cwd=ROOT, capture_output=True, text=True,
                                    check=True).stdout
    problems += lock_differences(yaml.safe_load(committed_lock),
                                 yaml.safe_load((ROOT / "dvc.lock").read_text(encoding="utf-8")))
    problems += compare(committed_metrics(ROOT), current_metrics(ROOT), tolerances)
    diff = subprocess.run([sys.executable, "-m", "dvc", "metrics", "diff", "--md", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout
    print(diff.strip() or "dvc metrics diff HEAD: no change")
    for line in problems:
        print(f"NOT REPRODUCED {line}", file=sys.stderr)
    print(f"reproduction check: {'FAILED, ' + str(len(problems)) + ' problem(s)' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
