"""The README's results are the committed metrics, not numbers typed by hand."""

import subprocess
import sys


def test_readme_results_are_generated_from_metrics(repo):
    proc = subprocess.run([sys.executable, str(repo / "scripts" / "readme_results.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_check_fails_on_a_hand_edit(repo, tmp_path):
    # the script works on its own folder's README: run a copy on an edited README
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "readme_results.py").write_text((repo / "scripts" / "readme_results.py").read_text())
    text = (repo / "README.md").read_text(encoding="utf-8")
    edited = text.replace("| `conv_bvae` |", "| `conv_bvae` | 0.99 |", 1)
    assert edited != text
    (tmp_path / "README.md").write_text(edited, encoding="utf-8")
    for name in ("metrics", "plots", "benchmarks", "experiments", "musiclust", "params.yaml"):
        (tmp_path / name).symlink_to(repo / name)
    proc = subprocess.run([sys.executable, str(tmp_path / "scripts" / "readme_results.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "differ" in proc.stderr
