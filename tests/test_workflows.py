"""The CI workflow a user can adopt is valid, checked offline by check-jsonschema's vendored
GitHub-workflow schema (the schema GitHub's own editor tooling uses)."""

import subprocess
import sys
from pathlib import Path

import pytest

WORKFLOWS = sorted((Path(__file__).resolve().parents[1] / ".github" / "workflows").glob("*.yml"))


def lint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, files)], capture_output=True, text=True)


def test_there_is_a_workflow_running_the_tests_and_the_reproduction_check():
    text = "\n".join(w.read_text() for w in WORKFLOWS)
    assert "make test" in text and "make check" in text and "dvc metrics diff --md" in text


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
@pytest.mark.slow
def test_workflow_is_valid(workflow):
    proc = lint(workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_linter_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: make test\n")
    proc = lint(broken)
    assert proc.returncode != 0 and "broken.yml" in proc.stdout + proc.stderr
