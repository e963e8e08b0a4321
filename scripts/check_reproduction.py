"""Check that a `dvc repro` in this checkout brought back the committed results.

    python scripts/check_reproduction.py                    # after `dvc repro`; `make check` runs both
    python scripts/check_reproduction.py --profile cross_machine   # force a profile of tolerances.yaml

(a) `dvc status` must be clean and `dvc.lock` equal to the one committed at HEAD (the same
code, params and output hashes); (b) every metric under metrics/ must equal the one committed at
HEAD within `tolerances.yaml`, with no metric missing or added; (c) `dvc metrics diff --md HEAD`
is printed. Exits 1 naming every difference. The profile is chosen from the run-environment
records (metrics/<dataset>/environment.json, committed and reproduced) and the training device:
`same_arithmetic` (exact) when nothing in them can change a byte, else `cross_machine` (each
score within its committed 95% interval, counts exact, the same stages and commands); the
script says which it chose and why.
"""

from __future__ import annotations

import argparse
import json
import math
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


RECORD = "environment.json"  # a run-environment record: read to choose the profile, not compared as a metric


def split_records(metrics: dict[str, dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    """(metrics, run-environment records), each by path."""
    records = {f: v for f, v in metrics.items() if Path(f).name == RECORD}
    return {f: v for f, v in metrics.items() if f not in records}, records


def choose_profile(committed: dict[str, dict], current: dict[str, dict], device: str) -> tuple[str, list[str]]:
    """``same_arithmetic`` when no record gives a reason for other bytes, else ``cross_machine``;
    with the reasons, one line each, naming the record."""
    from musiclust.environment import same_arithmetic

    reasons = [f"{f}: not committed" for f in sorted(set(current) - set(committed))]
    reasons += [f"{f}: not reproduced" for f in sorted(set(committed) - set(current))]
    for name in sorted(set(committed) & set(current)):
        accelerators = current[name].get("torch", {}).get("accelerators", [])
        training = device if device != "auto" else ("cuda" if any(a != "mps" for a in accelerators)
                                                    else "mps" if accelerators else "cpu")
        reasons += [f"{name}: {why}" for why in same_arithmetic(committed[name], current[name], training)]
    if not committed and not current:
        reasons.append("no run-environment record")
    return ("cross_machine" if reasons else "same_arithmetic"), reasons


def record_differences(committed: dict[str, dict], current: dict[str, dict]) -> list[str]:
    """What the records say differs (kernels, threads, CPU, ...): the explanation to read."""
    lines = []
    for name in sorted(set(committed) & set(current)):
        old, new = dict(leaves(committed[name])), dict(leaves(current[name]))
        lines += [f"{name}: {'.'.join(map(str, key))}: {old.get(key)!r} -> {new.get(key)!r}"
                  for key in sorted(set(old) | set(new), key=str) if old.get(key) != new.get(key)]
    return lines


ROUNDING = 1e-6  # scores are written rounded to 6 decimals
LEVEL_SIZE = {"chunk": "chunks", "track": "tracks_used", "track_vote": "tracks_used"}  # data.json's count


def exact_tolerance(file: str, old, new, tolerances: dict) -> float | None:
    """The tolerance of a number compared on its own: integers and the exact files, and every
    number under a numeric ``scores`` tolerance; None: the number is judged as a score."""
    if isinstance(old, int) and isinstance(new, int):
        return tolerances["counts"]
    if Path(file).name in tolerances.get("exact_files", []):
        return 0
    return None if tolerances["scores"] == "interval" else tolerances["scores"]


# the evaluate stage's files scored over every song; the others are the held-out (test) songs'
WHOLE_CORPUS_FILES = ("disentanglement", "latents", "probes", "data")


def items_scored(file: str, key: tuple, committed: dict[str, dict]) -> float:
    """How many items (chunks or tracks) a score at ``key`` of ``file`` counts: one item changing
    cluster moves a score by about 1/N of its size, the resolution of any comparison."""
    data = committed.get(str(Path(file).parent / "data.json"), {})
    level = next((LEVEL_SIZE[k] for k in key if k in LEVEL_SIZE), "tracks_used")
    items = float(data.get(level) or data.get("tracks_used") or float("inf"))
    split = data.get("split")
    if split and Path(file).stem not in WHOLE_CORPUS_FILES:  # scored on the held-out songs only
        items *= split[data.get("scored_split", "test")] / max(sum(split.values()), 1)
    return max(items, 1.0)


def interval_tolerances(scores: list[tuple], alpha: float) -> list[float]:
    """For ``(old, half_width, items)`` of each compared score: the largest difference that a
    reproduction on other arithmetic may show before it is a change, family-wise at ``alpha``.
    The committed 95% half-width is ~1.96 standard errors of its mean (fewer runs make it wider,
    so this is lenient); a mean of as many runs on other arithmetic differs from it by at most
    z * sqrt(2) standard errors, z Bonferroni-corrected for every score compared; the standard
    error is at least one item's share of the score (a zero-width interval of runs that agreed)."""
    from scipy.stats import norm

    z = float(norm.ppf(1 - alpha / (2 * max(len(scores), 1))))
    return [z * math.sqrt(2) * max(half / 1.96, max(1.0, abs(old)) / items) + ROUNDING
            for old, half, items in scores]


def compare(committed: dict[str, dict], current: dict[str, dict], tolerances: dict,
            skipped: list | None = None) -> list[str]:
    """Every difference beyond tolerance, one line each, naming the file and the metric; the
    numbers not compared are appended to ``skipped``. Under the ``interval`` profile each score
    (a number with a ``<name>_ci95`` beside it) is judged by :func:`interval_tolerances`."""
    problems = [f"{f}: missing after dvc repro" for f in sorted(set(committed) - set(current))]
    problems += [f"{f}: not committed" for f in sorted(set(current) - set(committed))]
    scores = []  # (where, old, new, half-width, items)
    for name in sorted(set(committed) & set(current)):
        old, new = dict(leaves(committed[name])), dict(leaves(current[name]))
        if Path(name).name in tolerances.get("not_compared", []):
            if skipped is not None:
                skipped += [f"{name}: {'.'.join(map(str, key))}" for key in sorted(old)]
            continue
        for key in sorted(set(old) | set(new)):
            where = f"{name}: {'.'.join(map(str, key))}"
            if key and key[-1] in tolerances.get("not_compared_keys", []) and key in old and key in new:
                if skipped is not None:
                    skipped.append(where)
                continue
            if key not in new or key not in old:
                problems.append(f"{where}: {'missing' if key not in new else 'new'}")
            elif isinstance(old[key], bool) or not isinstance(old[key], (int, float)):
                if old[key] != new[key] and tolerances["scores"] != "interval":  # names may differ elsewhere
                    problems.append(f"{where}: {old[key]!r} -> {new[key]!r}")
            else:
                allowed = exact_tolerance(name, old[key], new[key], tolerances)
                half = old.get(key[:-1] + (f"{key[-1]}_ci95",))
                if allowed is not None:
                    if abs(new[key] - old[key]) > allowed:
                        problems.append(f"{where}: {old[key]} -> {new[key]} (tolerance {allowed:g})")
                elif isinstance(half, (int, float)) and not isinstance(half, bool):
                    scores.append((where, old[key], new[key], float(half), items_scored(name, key, committed)))
                elif skipped is not None:
                    skipped.append(where)
    allowed = interval_tolerances([(o, h, n) for _, o, _, h, n in scores], tolerances.get("family_alpha", 0.05))
    problems += [f"{where}: {o} -> {n} (tolerance {a:g})"
                 for (where, o, n, _, _), a in zip(scores, allowed) if abs(n - o) > a]
    return sorted(problems)


def lock_differences(committed: dict, current: dict, mode: str = "exact") -> list[str]:
    """The stages whose dvc.lock entries differ: everything (``exact``: commands, dependency and
    output hashes, the run-environment records' hashes excepted) or only the stage list and
    commands (``stages``)."""
    old, new = committed.get("stages", {}), current.get("stages", {})

    def entry(stages: dict, name: str):
        value = stages.get(name)
        if value is None or mode != "exact":
            return None if value is None else value.get("cmd")
        outs = [out for out in value.get("outs", []) if Path(out.get("path", "")).name != RECORD]
        return {**value, "outs": outs}

    return [f"dvc.lock: stage {name} {'missing' if name not in new else 'new' if name not in old else 'differs'}"
            for name in sorted(set(old) | set(new)) if entry(old, name) != entry(new, name)]


def training_device(root: Path) -> str:
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8")) or {}
    return str((params.get("compute") or {}).get("device", "auto")).split(":")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="auto", help="a profile of tolerances.yaml, or auto (the default): "
                                                          "chosen from the run-environment records")
    profiles = yaml.safe_load((ROOT / "tolerances.yaml").read_text(encoding="utf-8"))
    profile = parser.parse_args().profile
    if profile != "auto" and profile not in profiles:
        raise SystemExit(f"tolerances.yaml has no profile {profile!r} (have: auto, {', '.join(profiles)})")
    committed, committed_records = split_records(committed_metrics(ROOT))
    current, current_records = split_records(current_metrics(ROOT))
    chosen, reasons = choose_profile(committed_records, current_records, training_device(ROOT))
    if profile == "auto":
        profile = chosen
    print(f"profile {profile}: " + ("the same arithmetic as the committed run (any kernel choice gives the "
                                    "same bytes): exact comparison" if not reasons else
                                    "the committed run's arithmetic differs: " + "; ".join(reasons)))
    for line in record_differences(committed_records, current_records):
        print(f"  record differs: {line}")
    tolerances = profiles[profile]
    status = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    problems = [] if json.loads(status or "{}") == {} else [f"dvc status is not clean: {status}"]
    committed_lock = subprocess.run(["git", "show", "HEAD:dvc.lock"], cwd=ROOT, capture_output=True, text=True,
                                    check=True).stdout
    problems += lock_differences(yaml.safe_load(committed_lock),
                                 yaml.safe_load((ROOT / "dvc.lock").read_text(encoding="utf-8")), tolerances["lock"])
    skipped: list[str] = []
    problems += compare(committed, current, tolerances, skipped)
    diff = subprocess.run([sys.executable, "-m", "dvc", "metrics", "diff", "--md", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout
    rows = [line for line in diff.strip().splitlines() if line.startswith("|")][2:]  # below the header
    print(diff.strip() if rows else "dvc metrics diff HEAD: no change in the headline metrics")
    if skipped:
        print(f"{len(skipped)} numbers without an interval not compared (losses, intervals, chance levels)")
    for line in problems:
        print(f"NOT REPRODUCED {line}", file=sys.stderr)
    print(f"reproduction check ({profile}): {'FAILED, ' + str(len(problems)) + ' problem(s)' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
