"""dvc.yaml agrees with the code: every stage's cmd names exactly the data it declares, its deps
cover every repository module it imports, and the stages stay thin."""

from __future__ import annotations

import ast
import shlex
from functools import lru_cache
from pathlib import Path

import pytest

from musiclust.models import KINDS

REPO = Path(__file__).resolve().parents[1]
NOT_PATHS = {"--dataset", "--section", "--name"}  # values, not paths
UNTRACKED = {"--downloads"}  # the resumable download cache: git-ignored, kept between runs, not an output


def stage_params() -> list:
    return [pytest.param(*stage, id=stage[0]) for stage in stages()]


@lru_cache(maxsize=1)
def stages() -> tuple:
    from dvc.repo import Repo

    with Repo(str(REPO)) as repo:
        return tuple((s.addressing, s.cmd, tuple(d.def_path for d in s.deps), tuple(o.def_path for o in s.outs))
                     for s in repo.index.stages)


def _is_code(path: str) -> bool:
    return path.startswith(("stages/", "musiclust/")) or path == "params.yaml"


def cmd_paths(cmd: str) -> tuple[str, set[str]]:
    """The stage module of ``python -m stages.<name> --flag value ...`` and the path values."""
    words = shlex.split(cmd)
    assert words[:2] == ["python", "-m"], cmd
    paths = {value for flag, value in zip(words[3::2], words[4::2]) if flag not in NOT_PATHS | UNTRACKED}
    return words[2], paths


@pytest.mark.parametrize("name, cmd, deps, outs", stage_params())
def test_cmd_names_exactly_the_declared_data(name, cmd, deps, outs):
    _, paths = cmd_paths(cmd)
    declared = {p for p in deps + outs if not _is_code(p)}

    def named(path: str) -> bool:  # the path itself, or a folder the cmd names (a stage writing several files)
        return any(path == p or path.startswith(p.rstrip("/") + "/") for p in paths)

    missing = sorted(p for p in declared if not named(p))
    assert not missing, f"{name}: declared, not in the cmd: {missing}"
    unused = sorted(p for p in paths if not any(d == p or d.startswith(p.rstrip("/") + "/") for d in declared))
    assert not unused, f"{name}: in the cmd, not declared: {unused}"


def _module_file(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """Repository modules ``path`` imports anywhere in its body, relative imports resolved."""
    package = ".".join(path.relative_to(REPO).parent.parts)  # what a relative import is relative to
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from . import plots`
    return {m for m in found if m.split(".")[0] in ("musiclust", "stages")}


def import_closure(module: str) -> set[str]:
    """Every repository file that running ``python -m module`` imports (packages' __init__ included)."""
    todo, files = [module], set()
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            path = _module_file(".".join(parts[:i]))
            if path is not None and path not in files:
                files.add(path)
                todo.extend(_imports(path))
    return {p.relative_to(REPO).as_posix() for p in files}


def test_the_import_closure_sees_function_level_and_relative_imports():
    closure = import_closure("stages.report")
    assert {"stages/report.py", "stages/__init__.py", "stages/params.py", "musiclust/report.py",
            "musiclust/plots/__init__.py", "musiclust/plots/style.py"} <= closure
    # the report draws from files: no model code (and no torch) in it
    assert not any(p.startswith("musiclust/models") for p in closure) and "musiclust/audio.py" not in closure
    assert {"musiclust/models/__init__.py", "musiclust/models/vae.py", "musiclust/models/joint.py"} <= \
        import_closure("stages.train")
    # musiclust.datasets.synthetic is imported inside a function of musiclust.datasets
    assert any(p.startswith("musiclust/datasets/synthetic") for p in import_closure("stages.fetch"))


@pytest.mark.parametrize("name, cmd, deps, outs", stage_params())
def test_deps_cover_the_code_each_stage_runs(name, cmd, deps, outs):
    module, _ = cmd_paths(cmd)
    code = [d for d in deps if _is_code(d) and d != "params.yaml"]
    uncovered = sorted(f for f in import_closure(module)
                       if not any(f == d or f.startswith(d.rstrip("/") + "/") for d in code))
    assert not uncovered, f"{name} runs {uncovered} but dvc.yaml does not list them in its deps"


@pytest.mark.parametrize("path", sorted((REPO / "stages").glob("*.py")), ids=lambda p: p.name)
def test_stages_are_thin_and_know_no_model_kind(path):
    text = path.read_text(encoding="utf-8")
    if path.name in ("__init__.py", "params.py"):  # the argument and params helpers, not stages
        return
    assert len(text.splitlines()) <= 60, f"{path.name}: a stage is parsing, params, one library call, writing"
    kinds = [kind for kind in KINDS if kind in text]
    assert not kinds, f"{path.name} names model kinds {kinds}: that belongs in the model registry"


def test_the_library_never_reads_params_yaml():
    readers = [p.relative_to(REPO).as_posix() for p in (REPO / "musiclust").rglob("*.py")
               if "params.yaml" in p.read_text(encoding="utf-8")]
    assert not readers


def test_dvc_lock_holds_only_the_stages_of_dvc_yaml():
    """A stage removed from dvc.yaml leaves its entry in dvc.lock (DVC does not prune it): a stale
    entry names code and outputs that no longer exist."""
    import yaml

    locked = set(yaml.safe_load((REPO / "dvc.lock").read_text(encoding="utf-8"))["stages"])
    assert locked - {name for name, *_ in stages()} == set()
