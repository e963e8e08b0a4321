"""The generated parts of the README and docs/ are the committed metrics, not numbers typed by hand;
the README stays short."""

import json
import re
import subprocess
import sys

import pytest
from conftest import load_script

README_LINES = 200  # a newcomer reads it in five minutes; everything else is in docs/


@pytest.mark.slow
def test_readme_results_are_generated_from_metrics(repo):
    proc = subprocess.run([sys.executable, str(repo / "scripts" / "readme_results.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("rel", "row"), [("README.md", "| `conv_bvae` (the audio latent alone) |"),
                                          ("docs/results.md", "| `conv_bvae` | 3 | 15 |"),
                                          ("docs/benchmarks.md", "| `cluster` |")])
@pytest.mark.slow
def test_the_check_fails_on_a_hand_edit(repo, tmp_path, rel, row):
    # the script works on its own folder's files: run a copy on a copy with one table row edited
    (tmp_path / "scripts").mkdir()
    for script in ("readme_results.py", "_experiments.py"):  # the generator and the experiments' shared constants
        (tmp_path / "scripts" / script).write_text((repo / "scripts" / script).read_text())
    (tmp_path / "docs").mkdir()
    for name in ("README.md", "docs/results.md", "docs/benchmarks.md"):
        (tmp_path / name).write_text((repo / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (repo / rel).read_text(encoding="utf-8")
    edited = text.replace(row, row + " 0.99 |", 1)
    assert edited != text
    (tmp_path / rel).write_text(edited, encoding="utf-8")
    for name in ("metrics", "plots", "benchmarks", "experiments", "musiclust", "params.yaml"):
        (tmp_path / name).symlink_to(repo / name)
    proc = subprocess.run([sys.executable, str(tmp_path / "scripts" / "readme_results.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.startswith(f"{rel}: generated parts differ"), proc.stderr


def test_the_readme_is_short_and_its_links_lead_somewhere(repo):
    text = (repo / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_LINES, f"README.md has {len(text.splitlines())} lines"
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert any(link.startswith("docs/") for link in links) and any(link.endswith(".png") for link in links)
    assert [link for link in links if not link.startswith("https://") and not (repo / link).exists()] == []


def test_every_link_of_the_docs_leads_somewhere(repo):
    pages = sorted((repo / "docs").glob("*.md"))
    assert {page.name for page in pages} >= {"results.md", "benchmarks.md", "pipeline.md", "datasets.md", "scale.md",
                                              "reproducibility.md", "testing.md"}
    broken = [(page.name, link) for page in pages
              for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
              if not link.startswith("https://") and not (page.parent / link).exists()]
    assert broken == []


def test_the_readme_shows_one_table_and_every_score_with_its_interval_and_chance_level(repo):
    readme_results = load_script("readme_results")
    block = "\n".join(readme_results.headline_section())
    rows = [line for line in block.splitlines() if line.startswith("| `")]
    assert sum(line.startswith("|---") for line in block.splitlines()) == 1
    assert len(rows) == len(readme_results.HEADLINE_ROWS)
    kmeans = json.loads((repo / "metrics" / "hblm_synth" / "kmeans.json").read_text(encoding="utf-8"))["track"]
    genre = kmeans["conv_bvae"]["genre"]
    assert (f"| `conv_bvae` (the audio latent alone) | {kmeans['conv_bvae']['language']['nmi']:.2f} "
            f"± {kmeans['conv_bvae']['language']['nmi_ci95']:.2f}") in block
    assert (f"{genre['nmi']:.2f} ± {genre['nmi_ci95']:.2f} [{genre['nmi_boot_lo']:.2f}, {genre['nmi_boot_hi']:.2f}]"
            in block and f"({genre['nmi_null_p95']:.2f})" in block)
    # every cell of a representation row is a score with its interval(s) and chance level, or a dash: the
    # t-interval over training seeds for what trains, the song bootstrap's for every score
    cells = [cell.strip() for row in rows for cell in row.strip("|").split("|")[1:]]
    number = r"-?\d\.\d\d"
    pattern = rf"{number}( ± \d\.\d\d)? \[{number}, {number}\]( †)? \(\d\.\d\d\)"
    assert all(cell == "–" or re.fullmatch(pattern, cell) for cell in cells), cells
    # the sentences under it are the tested comparisons, nothing read off overlapping bars: a decided one
    # in full, an undecided one by name; every one in full in docs/results.md
    results = (repo / "docs" / "results.md").read_text(encoding="utf-8")
    for ds in ("hblm_synth", "gtzan_synth"):
        for c in json.loads((repo / "metrics" / ds / "claims.json").read_text(encoding="utf-8"))["claims"]:
            decided = c["verdict"] in ("above", "below", "level with")
            assert (c["sentence"] if decided else f"`{c['a']}` vs `{c['b']}`") in block
            assert f"- {c['sentence']}" in results
    assert "intervals do not overlap" not in results and "intervals apart" not in results
    assert block in (repo / "README.md").read_text(encoding="utf-8")


def test_the_gpu_section_shows_the_joint_model_where_the_gpu_check_has_it(repo, monkeypatch):
    readme_results = load_script("readme_results")
    committed = json.loads((repo / "benchmarks" / "gpu_check.json").read_text(encoding="utf-8"))
    # the check as it was before it had the joint model: the conv part only
    committed = {**{key: value for key, value in committed.items() if not key.startswith("joint_")},
                 "train": {name: numbers for name, numbers in committed["train"].items()
                           if not name.startswith("joint_")}}
    shown = {"benchmarks/gpu_check.json": committed}
    monkeypatch.setattr(readme_results, "_committed_output", lambda path: shown.get(path))
    conv_only = "\n".join(readme_results.gpu_section())
    assert "joint" not in conv_only
    numbers = {"epochs": 3, "precision": "fp32", "compile": False}
    shown["benchmarks/gpu_check.json"] = {
        **committed,
        "train": {**committed["train"],
                  "joint_cpu_fp32": {**numbers, "epochs": 1, "samples_per_s": 300.0, "final_loss": 900.04},
                  "joint_cuda_fp32": {**numbers, "samples_per_s": 4500.0, "final_loss": 610.0},
                  "joint_cuda_bf16": {"error": "RuntimeError: no bf16 here"},
                  "joint_cuda_fp32_one_epoch": {**numbers, "epochs": 1, "samples_per_s": 3000.0,
                                                "final_loss": 909.0}},
        "joint_encode_samples_per_s": {"cpu": 1500.0, "cuda": 20250.0},
        "joint_cuda_over_cpu_samples_per_s": {"joint_cuda_fp32": 15.0, "joint_cuda_fp32_one_epoch": 10.0},
        "joint_data": {"lyric_dim": 384, "chunks_per_track": 8, "tracks": 256, "tracks_with_lyrics": 192,
                       "chunks_with_lyrics": 1536},
        "joint_one_epoch_loss_cuda_over_cpu": 1.01,
    }
    text = "\n".join(readme_results.gpu_section())
    # The conv part as before, none of the joint rows in its table; then the joint model's own.
    assert text.startswith(conv_only + "\nThe joint beta-VAE (`musiclust.models.joint`)")
    assert ("192 of its 256 tracks (1,536 chunks) with a seeded unit-norm 384-dimensional lyric embedding" in text
            and "loss 1.0100 times the CPU's; `encode_joint` runs at 20,250 chunks/s on the GPU against 1,500 on "
            "the CPU:" in text)
    assert "| `joint_cpu_fp32` | 300 | 1.0x | 1 | 900.0 |" in text
    assert "| `joint_cuda_fp32` | 4,500 | 15.0x | 3 | 610.0 |" in text
    assert "| `joint_cuda_fp32_one_epoch` | 3,000 | 10.0x | 1 | 909.0 |" in text
    assert "joint_cuda_bf16" not in text  # failed: no numbers to show
