"""`make repro` and `make check` refuse a params.yaml with YAML aliases before DVC expands them."""

import resource
import time

import pytest
from conftest import load_script


@pytest.fixture(scope="module")
def guard(repo):
    return load_script("params_guard")


def _bomb(levels: int = 9) -> str:
    """A billion laughs: each level names the one before ten times (10**9 leaves at 9 levels): 10 anchors, 90 aliases."""
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\nrun: [hblm_synth]\n"


def test_an_alias_bomb_is_refused_at_its_first_anchor_without_expanding_it(guard, tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text(_bomb(), encoding="utf-8")
    before, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
    assert guard.main([str(path)]) == 2
    assert time.perf_counter() - t0 < 2 and resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000
    err = capsys.readouterr().err
    assert f"{path}: line 1: YAML anchor or alias '&a0'" in err and "(100 anchor(s) or alias(es) in all)" in err


def test_the_repository_s_params_and_plain_yaml_pass_and_bad_yaml_is_one_line(guard, repo, tmp_path, capsys):
    assert guard.main([str(repo / "params.yaml")]) == 0
    broken = tmp_path / "params.yaml"
    broken.write_text("run: [a\nmodels: {", encoding="utf-8")
    assert guard.main([str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{broken}: cannot be read as YAML") and "\n" not in err


def test_make_repro_and_make_check_run_the_guard_before_dvc(repo):
    text = (repo / "Makefile").read_text(encoding="utf-8")
    for target in ("repro", "check"):
        recipe = text.split(f"\n{target}: ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
        assert recipe[0].strip() == "python scripts/params_guard.py params.yaml" and recipe[1].strip() == "dvc repro"
