"""Check that a `dvc repro` in this checkout brought back the committed results.

    python scripts/check_reproduction.py                       # after `dvc repro`; `make check` runs both
    python scripts/check_reproduction.py --profile other_cpu   # on a machine with another CPU

(a) `dvc status` must be clean and `dvc.lock` equal to the one committed at HEAD (the same
code, params and output hashes: on the machine that made it, outputs come back byte for byte);
(b) every metric under metrics/ must equal the one committed at HEAD within `tolerances.yaml`
(integers exactly, other numbers within an absolute tolerance), with no metric missing or
added; (c) `dvc metrics diff --md HEAD` is printed. Exits 1 naming every difference. The
`other_cpu` profile of tolerances.yaml relaxes (a) to the same stages and commands and (b) to
ranges, for machines whose arithmetic differs from the one that committed the results.
"""

from __future__ import annotations

import argparse
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


BOUNDED = {"nmi", "ari", "accuracy", "purity", "silhouette", "noise_fraction", "mig", "sap", "dci_disentanglement",
           "dci_completeness", "dci_informativeness", "explained_variance", "model_nmi", "model_ari",
           "baseline_nmi", "baseline_ari"}


def _metric_name(key: tuple) -> str:
    name = str(key[-1])
    for suffix in ("_ci95", "_null_mean", "_null_p95"):
        name = name.removesuffix(suffix)
    return name


def allowed_difference(file: str, key: tuple, old, new, tolerances: dict) -> float:
    """The largest difference tolerated between a committed and a reproduced number."""
    if "counts" in tolerances:  # same machine
        exact = isinstance(old, int) and isinstance(new, int)
        return tolerances["counts"] if exact else tolerances["scores"]
    if Path(file).name in tolerances.get("exact_files", []):
        return 0
    if _metric_name(key) in BOUNDED:
        return tolerances["bounded"]
    return tolerances["relative"] * abs(old)


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
                if old[key] != new[key] and "counts" in tolerances:  # names may differ on another CPU
                    problems.append(f"{where}: {old[key]!r} -> {new[key]!r}")
            else:
                allowed = allowed_difference(name, key, old[key], new[key], tolerances)
                if abs(new[key] - old[key]) > allowed:
                    problems.append(f"{where}: {old[key]} -> {new[key]} (tolerance {allowed:g})")
    return problems


def lock_differences(committed: dict, current: dict, mode: str = "exact") -> list[str]:
    """The stages whose dvc.lock entries differ: everything (``exact``: commands, dependency and
    output hashes) or only the stage list and commands (``stages``)."""
    old, new = committed.get("stages", {}), current.get("stages", {})

    def entry(stages: dict, name: str):
        value = stages.get(name)
        return value if mode == "exact" or value is None else value.get("cmd")

    return [f"dvc.lock: stage {name} {'missing' if name not in new else 'new' if name not in old else 'differs'}"
            for name in sorted(set(old) | set(new)) if entry(old, name) != entry(new, name)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="same_machine", help="a profile of tolerances.yaml")
    profiles = yaml.safe_load((ROOT / "tolerances.yaml").read_text(encoding="utf-8"))
    profile = parser.parse_args().profile
    if profile not in profiles:
        raise SystemExit(f"tolerances.yaml has no profile {profile!r} (have: {', '.join(profiles)})")
    tolerances = profiles[profile]
    status = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    problems = [] if json.loads(status or "{}") == {} else [f"dvc status is not clean: {status}"]
    committed_lock = subprocess.run(["git", "show", "HEAD:dvc.lock"], cwd=ROOT, capture_output=True, text=True,
                                    check=True).stdout
    problems += lock_differences(yaml.safe_load(committed_lock),
                                 yaml.safe_load((ROOT / "dvc.lock").read_text(encoding="utf-8")), tolerances["lock"])
    problems += compare(committed_metrics(ROOT), current_metrics(ROOT), tolerances)
    diff = subprocess.run([sys.executable, "-m", "dvc", "metrics", "diff", "--md", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout
    rows = [line for line in diff.strip().splitlines() if line.startswith("|")][2:]  # below the header
    print(diff.strip() if rows else "dvc metrics diff HEAD: no change in the headline metrics")
    for line in problems:
        print(f"NOT REPRODUCED {line}", file=sys.stderr)
    print(f"reproduction check ({profile}): {'FAILED, ' + str(len(problems)) + ' problem(s)' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
