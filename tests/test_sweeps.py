"""The settings sweeps choose on validation songs only, and test the choice on the test songs."""

import pandas as pd
import pytest
from conftest import load_script

beta_sweep = load_script("beta_sweep")


def _setting(validation: list[float], test: list[float]) -> dict:
    def node(values):
        return {"mean": sum(values) / len(values), "ci95": 0.0, "per_seed": {str(i): v for i, v in enumerate(values)}}
    return {"scores": {"validation": {"genre": {"ami": node(validation)}}, "test": {"genre": {"ami": node(test)}}}}


def test_the_choice_reads_the_validation_songs_only():
    settings = {"a": _setting([0.30, 0.32, 0.31], [0.10, 0.12, 0.11]),
                "b": _setting([0.20, 0.22, 0.21], [0.90, 0.92, 0.91])}
    assert beta_sweep.choose(settings) == "a"  # b is far better on the test songs: not read
    settings["c"] = _setting([0.30, 0.32, 0.31], [0.0, 0.0, 0.0])
    assert beta_sweep.choose(settings) == "a"  # a tie goes to the first name


def test_the_chosen_setting_is_tested_paired_over_shared_training_seeds():
    chosen = _setting([0.3] * 3, [0.50, 0.61, 0.42])
    study = _setting([0.2] * 3, [0.40, 0.50, 0.33])
    result = beta_sweep.paired_test(chosen, study)
    from scipy import stats

    expected = stats.ttest_rel([0.50, 0.61, 0.42], [0.40, 0.50, 0.33]).pvalue
    assert result["p"] == pytest.approx(expected, abs=1e-6) and result["seeds"] == 3
    assert result["difference"] == pytest.approx(0.1, abs=1e-6)
    assert result["verdict"] == ("above" if expected < 0.05 else "no difference detected")
    # a constant difference has no variance to test
    assert beta_sweep.paired_test(_setting([0.3] * 3, [0.5, 0.6, 0.7]), _setting([0.2] * 3, [0.4, 0.5, 0.6]))["p"] is None


def test_seed_means_average_clustering_seeds_within_each_training_seed():
    runs = pd.DataFrame({"representation": "m", "split": "validation", "level": "track", "algorithm": "kmeans",
                         "target": "genre", "metric": "ami", "train_seed": [0, 0, 1, 1],
                         "cluster_seed": [0, 1, 0, 1], "value": [0.1, 0.3, 0.5, 0.7]})
    means = beta_sweep.seed_means(runs, "m", "validation", "genre", "ami")
    assert means.to_dict() == pytest.approx({0: 0.2, 1: 0.6})
    with pytest.raises(SystemExit, match="no test genre ami of m"):
        beta_sweep.seed_means(runs, "m", "test", "genre", "ami")


def test_the_generated_sentences_say_what_was_chosen_and_mark_scores_at_the_random_floor():
    readme = load_script("readme_results")
    assert readme._choice_sentence("beta-4", None, "the study's setting", "beta-4") == \
        "The validation songs chose `beta-4`, the study's setting."
    versus = {"p": 0.2, "seeds": 3, "verdict": "no difference detected", "metric": "ami", "target": "language_genre",
              "difference": 0.05}
    assert readme._choice_sentence("w-4", versus, "the default setting", "w-1") == (
        "The validation songs chose `w-4`. On the test songs, against the default setting `w-1`: no difference detected "
        "(AMI language×genre difference +0.050, paired t-test over 3 training seeds, p = 0.200).")
    node = {"seeds": 3, "mig": 0.05, "mig_ci95": 0.01, "mig_floor_p95": 0.08, "sap": 0.3, "sap_floor_p95": 0.1}
    lines = readme.factors_section({"factors": {"tempo_bpm": 4, "key": 12}, "bins": 4, "chunk": {"m": node}})
    row = next(line for line in lines if line.startswith("| `m`"))
    assert "0.05 ± 0.01 (0.08) †" in row and "0.30 (0.10) |" in row and "n/a" in row  # no DCI in this node
    assert "MIG above random codes of its size at the chunk level: no code." in lines
    assert "tempo_bpm (4 values), key (12 values)" in lines[0]
    assert readme.factors_section({}) == []


def test_an_experiment_of_an_earlier_pipeline_says_so():
    readme = load_script("readme_results")
    assert "before the calibrated decoder" in readme._earlier_pipeline({"chosen": "beta-1"}, "scripts/x.py queue")
    assert "`python scripts/x.py queue`" in readme._earlier_pipeline({}, "scripts/x.py queue")
    assert readme._earlier_pipeline({"pipeline": readme.PIPELINE_VERSION}, "scripts/x.py queue") == ""
    assert readme._earlier_pipeline(None, "scripts/x.py queue") == ""


def test_the_ablation_table_shows_validation_and_test_beside_the_baseline(monkeypatch):
    readme = load_script("readme_results")

    def scores(validation, test):
        return {"validation": {"genre": {"ami": {"mean": validation, "ci95": 0.01}}},
                "test": {"genre": {"ami": {"mean": test, "ci95": 0.02, "null_p95": 0.1}}}}

    recon = {m: {"validation_reconstruction": e, "stopped_on_plateau": 3, "seeds": 3}
             for m, e in (("conv_bvae", 150.0), ("conv_bvae_b1", 140.0), ("dense_ae", 120.0), ("pca", 90.0))}
    per_ds = {"scores": {"conv_bvae": scores(0.2, 0.3)}, "reconstruction": recon}
    summary = {"baselines": {"abc1234def": {"commit": "abc1234def",
                                            "datasets": {"hblm_synth": per_ds, "gtzan_synth": per_ds}}},
               "level-absolute": {"sets": ["spectrograms.level=absolute"], "baseline": "abc1234def",
                                  "datasets": {ds: {"scores": {"conv_bvae": scores(0.4, 0.5)}, "reconstruction": recon}
                                               for ds in ("hblm_synth", "gtzan_synth")}},
               "converged-ae": {"sets": ["models.conv_bvae_b1.beta=0"], "baseline": "abc1234def",
                                "datasets": {ds: {"reconstruction": {**recon, "conv_bvae_b1": {
                                    "validation_reconstruction": 80.0, "stopped_on_plateau": 2, "seeds": 3}}}
                                    for ds in ("hblm_synth", "gtzan_synth")}}}
    joint = scores(0.5, 0.6)
    joint["test"]["language_genre"] = {"ami": {"mean": 0.7, "ci95": 0.03, "null_p95": 0.05}}
    summary["joint-private"] = {"sets": ["joint_models.joint_bvae.private_dim=16"], "baseline": "abc1234def",
                                "datasets": {ds: {"scores": {"joint_bvae": joint}, "reconstruction": recon}
                                             for ds in ("hblm_synth", "gtzan_synth")}}
    monkeypatch.setattr(readme, "_committed_output", lambda path: summary)
    lines = readme.ablation_section()
    assert "The joint latent against language × genre, test-song AMI: `joint-private` 0.70 ± 0.03 (0.05)." in lines
    row = next(line for line in lines if line.startswith("| `conv_bvae`"))
    assert row.startswith("| `conv_bvae` | 0.20 / 0.30 ± 0.02 (0.10) | 0.40 / 0.50 ± 0.02 (0.10) |")
    assert "| representation | `baseline` | `level-absolute` | `joint-private` |" in lines  # converged-ae: no column
    assert any("without its KL term 80.0 (2 of 3 seeds stopped on a plateau), the dense AE 120.0 (3 of 3), "
               "PCA(64) 90.0" in line for line in lines)
    monkeypatch.setattr(readme, "_committed_output", lambda path: None)
    assert "not run yet" in readme.ablation_section()[0]
