"""The README's `dvc exp show` view fits a 160-column terminal for the default datasets.

It renders the view over the committed params, dvc.lock and headline metrics in a small
repository of their own (no pipeline runs): the workspace stands in for an experiment that
changed two params and every headline number, and the baseline branch is named as wide as
an experiment's row (``└── <sha> [<name>]``), so the table is as wide as with a real one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.slow  # git and DVC in subprocesses
WIDTH = 160
# DVC names an experiment adjective-noun (5 + 1 + 4 letters); its row reads "└── <7-char sha> [<name>]".
EXPERIMENT_ROW = "└── 0123456 [abcde-fghi]"
CHANGED = (("models", "conv_bvae", "beta"), ("models", "conv_bvae", "kl_capacity"))


def _git(repo: Path, *args: str, env: dict) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _committed_repo(repo: Path, env: dict, branch: str = "main") -> Path:
    """A git + DVC repository on ``branch`` holding one commit of the committed params, lock and
    headline metrics: all that ``dvc exp show`` reads."""
    (repo / "metrics").mkdir(parents=True)
    for rel in ("dvc.yaml", "dvc.lock", "params.yaml"):
        shutil.copy2(REPO / rel, repo / rel)
    shutil.copytree(REPO / "metrics" / "headline", repo / "metrics" / "headline")
    _git(repo, "init", "-q", "-b", branch, env=env)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, env=env, check=True)
    _git(repo, "add", "-A", env=env)
    _git(repo, "commit", "-qm", "baseline", env=env)
    return repo


def _render(repo: Path, view: list[str], env: dict) -> str:
    done = subprocess.run([sys.executable, "-m", "dvc", "exp", "show", "--no-pager", *view], cwd=repo,
                          env={**env, "COLUMNS": "1000"}, capture_output=True, text=True)  # nothing squeezed
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def test_the_readme_view_of_experiments_fits_160_columns(tmp_path, offline_env, exp_show_view):
    branch = "b" * (len(EXPERIMENT_ROW) - 1)  # as wide as an experiment's row, whose tree glyph is one column
    repo = _committed_repo(tmp_path / "view", offline_env, branch)

    params = yaml.safe_load((repo / "params.yaml").read_text())
    for key in CHANGED:
        node = params
        for part in key[:-1]:
            node = node[part]
        node[key[-1]] = float(node[key[-1]]) + 0.5
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    def changed(node):  # every number a new value of full width, as an experiment would give
        if isinstance(node, dict):
            return {key: changed(value) for key, value in node.items()}
        return round(node * 0.9 + 0.012345, 6)

    nmi_columns = set()
    for path in sorted((repo / "metrics" / "headline").glob("*.json")):
        headline = json.loads(path.read_text())
        nmi_columns |= {f"{dataset}.{label}.nmi" for dataset, labels in headline.items() for label in labels}
        path.write_text(json.dumps(changed(headline)))
    assert len(nmi_columns) >= 3  # hblm_synth's language and genre, gtzan_synth's genre

    table = _render(repo, exp_show_view, offline_env)
    lines = [line.rstrip() for line in table.splitlines() if line.strip()]
    header = next(line.split() for line in lines if line.strip().startswith("Experiment"))
    # the view: the experiment, the params it changed and the headline NMIs, nothing else
    assert set(header[1:]) == {".".join(key) for key in CHANGED} | nmi_columns, table
    assert any(line.strip().startswith(branch) for line in lines), table
    assert max(len(line) for line in lines) <= WIDTH, f"the view is {max(map(len, lines))} columns wide:\n{table}"


def test_plain_exp_show_has_a_column_for_every_param_and_dependency(tmp_path, offline_env):
    """Why the README gives a view: DVC's own table here is far wider than any terminal."""
    from dvc.utils.flatten import flatten  # how DVC names a params key's column

    repo = _committed_repo(tmp_path / "plain", offline_env)
    done = subprocess.run([sys.executable, "-m", "dvc", "exp", "show", "--csv"], cwd=repo, env=offline_env,
                          capture_output=True, text=True, check=True)
    columns = done.stdout.splitlines()[0].split(",")
    params = set(flatten(yaml.safe_load((repo / "params.yaml").read_text())))
    dependencies = [c for c in columns if c.startswith(("musiclust/", "stages/", "data/", "models/"))]
    assert params <= set(columns) and len(params) > 80, sorted(params - set(columns))
    assert len(dependencies) > 50 and len(columns) > 150, columns
