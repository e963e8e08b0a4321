"""The results report: tables in Markdown and the study's figures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import plots
from .arrays import seeded_rows
from .config import check, check_seed
from .io import read_vectors, seed_of
from .mel_config import MelConfig
from .metrics import hungarian_ordered_contingency, targets_of
from .plots.ksweep import plot_k_sweep
from .representations import fuse, level_rows, read_lyrics, select_level, split_seeds
from .tables import (
    CHANCE_MARK,
    KL_USED_NATS,
    claims_lines,
    disentanglement_table,
    joint_table,
    kl_table,
    kl_usage,
    markdown_table,
    markdown_text,
    metric_bars_table,
    probes_table,
    representation_order,
    results_table,
    split_table,
    study_table,
)
from .text import within_language_cosine


@dataclass(frozen=True)
class ReportParams:
    headline_model: str = "conv_bvae"
    joint_model: str = "joint_bvae"   # the joint multimodal model set beside the post-hoc hybrid
    joint_baselines: list[str] = field(default_factory=list)  # more audio models whose hybrid sits beside it
    tsne_seed: int = 0
    tsne_perplexity: float = 30.0
    tsne_max_points: int = 5000      # beyond this many chunks, the t-SNE shows a seeded sample of them

    def validate(self, key: str) -> None:
        check(self.tsne_perplexity > 0, f"{key}.tsne_perplexity", "must be > 0")
        check(self.tsne_max_points >= 100, f"{key}.tsne_max_points", "must be >= 100")
        check_seed(self.tsne_seed, f"{key}.tsne_seed")


def confusion_frame(truth: pd.Series, assignment: pd.DataFrame) -> pd.DataFrame:
    """``actual``, ``predicted`` per row for DVC's confusion template (clusters named c<i>)."""
    merged = assignment.assign(actual=truth.reindex(assignment["track_id"]).to_numpy())
    return pd.DataFrame({"track_id": merged["track_id"].to_numpy(),
                         "actual": merged["actual"].to_numpy(),
                         "predicted": [f"c{c}" for c in merged["cluster"]]})


def plot_confusion_for(truth: pd.Series, assignment: pd.DataFrame, path, *, title: str) -> Path:
    m, classes, clusters = hungarian_ordered_contingency(
        truth.reindex(assignment["track_id"]).to_numpy(), assignment["cluster"].to_numpy())
    return plots.plot_confusion(m, classes, [f"c{c}" for c in clusters], path, title=title)


@dataclass(frozen=True)
class ReportInputs:
    """Where the report reads: the corpus, its scores and clusters, the headline model."""

    tracks: Path
    status: Path
    chunks: Path
    mels: Path
    lyrics: Path
    scores: Path
    scores_in_sample: Path  # the training (in-sample) and validation songs' scores, with a split column
    assignments: Path
    histories: Path        # per-model folders of training histories (seed_<n>.csv)
    latents: Path          # the headline model's latents
    reconstructions: Path  # the headline model's reconstructions of a few chunks (the encode stage's)
    disentanglement: Path  # disentanglement.json
    claims: Path           # claims.json: the comparisons, tested
    probes: Path           # probes.json: linear-probe accuracy
    ksweep: Path           # ksweep.csv: scores of KMeans over a range of k
    latent_summary: Path   # latents.json: dimension and active units of each representation
    joint_latents: Path    # the joint model's latents (every modality a chunk has)


@dataclass
class _Loaded:
    tracks: pd.DataFrame
    status: pd.DataFrame
    chunks: pd.DataFrame
    scores: pd.DataFrame
    targets: dict
    disentanglement: dict
    other_scores: pd.DataFrame | None = None  # the training and validation songs' scores (a split column)
    lyric_model: str | None = None
    lyric_cosine: dict | None = None  # language -> mean pairwise cosine of its lyric embeddings
    kl_usage: dict | None = None      # model -> KL use per seed (see kl_usage)
    latent_summary: dict | None = None
    claims: dict | None = None
    probes: dict | None = None

    @cached_property
    def labels(self) -> pd.DataFrame:
        return self.tracks.set_index("track_id")


@dataclass
class Report:
    markdown: str                # report.md
    confusion: pd.DataFrame      # DVC's confusion plot data
    headline: dict               # the few numbers to compare between experiments


HEADLINE_TARGETS = ("language", "genre")  # the labels themselves; their cross stays in the full tables


def _headline_numbers(index: pd.DataFrame, representation: str, target: str) -> dict:
    """NMI, its interval, its chance level (where scored against a null) and ARI of one representation."""
    nmi = index.loc[(representation, target, "nmi")]
    out = {"nmi": round(float(nmi["value"]), 6), "nmi_ci95": round(float(np.nan_to_num(nmi["ci95"])), 6)}
    if (representation, target, "nmi_null_p95") in index.index:
        out["nmi_null_p95"] = round(float(index.loc[(representation, target, "nmi_null_p95"), "value"]), 6)
    out["ari"] = round(float(index.loc[(representation, target, "ari"), "value"]), 6)
    return out


def headline_metrics(scores: pd.DataFrame, targets: list[str], headline: str, dataset: str) -> dict:
    """The few numbers to compare between experiments, per label, at track level (KMeans): NMI
    (with its 95% interval and its chance level, the 95th percentile of its permutation null) and
    ARI of the headline model, fused with the lyrics where the corpus has lyrics, and the same of
    the best other representation by NMI (``best_baseline``, under its name).

    Keyed by ``dataset`` first, so that every key is unique across the datasets' files and DVC
    names each column of ``dvc exp show`` by its key alone (``hblm_synth.genre.nmi``), not by
    file and key.

    Returns
    -------
    ``{dataset: {target: {"nmi", "nmi_ci95", "nmi_null_p95", "ari", "best_baseline": {name: {...}}}}}``
    (``nmi_null_p95`` where the scores have it)
    """
    track = scores[(scores["algorithm"] == "kmeans") & (scores["level"] == "track")]
    index = track.set_index(["representation", "target", "metric"])
    out = {}
    for target in (t for t in targets if t in HEADLINE_TARGETS):
        names = set(track.loc[track["target"] == target, "representation"])
        model = f"{headline}+lyrics" if f"{headline}+lyrics" in names else headline
        if (model, target, "nmi") not in index.index:
            continue
        out[target] = _headline_numbers(index, model, target)
        others = sorted(n for n in names - {headline, f"{headline}+lyrics"} if (n, target, "nmi") in index.index)
        if others:  # the highest NMI; of equals, the first name
            best = max(others, key=lambda n: float(index.loc[(n, target, "nmi"), "value"]))
            out[target]["best_baseline"] = {best: _headline_numbers(index, best, target)}
    return {dataset: out}


def build_report(inputs: ReportInputs, params: ReportParams, mel: MelConfig, figures: Path,
                 *, dataset: str, track_pooling=("mean",)) -> Report:
    """Draw every figure into ``figures``; return the Markdown report, DVC's confusion table and
    the headline metrics. ``track_pooling``: how a track's row is pooled from its chunks' (the
    cluster stage's, so the fused t-SNE shows the rows that were clustered)."""
    headline = params.headline_model
    tracks = pd.read_parquet(inputs.tracks)
    data = _Loaded(tracks, pd.read_parquet(inputs.status), pd.read_parquet(inputs.chunks),
                   pd.read_csv(inputs.scores), targets_of(tracks),
                   json.loads(Path(inputs.disentanglement).read_text(encoding="utf-8")))
    data.other_scores = pd.read_csv(inputs.scores_in_sample)
    data.latent_summary = json.loads(Path(inputs.latent_summary).read_text(encoding="utf-8"))
    data.claims = json.loads(Path(inputs.claims).read_text(encoding="utf-8"))
    data.probes = json.loads(Path(inputs.probes).read_text(encoding="utf-8"))
    sweep = pd.read_csv(inputs.ksweep, keep_default_na=False, na_values=[""])
    if len(sweep) and data.targets:
        marks = {t: int(truth.nunique()) for t, truth in data.targets.items()}
        present = set(sweep["representation"])
        highlight = [n for n in (f"{headline}+lyrics", headline, "clipstats", "lyrics", params.joint_model)
                     if n in present]
        plot_k_sweep(sweep.assign(target=sweep["target"].astype(str)), figures / "k_sweep.png", marks=marks,
                     highlight=highlight or None,
                     title="KMeans over k: AMI (solid) and NMI (dashed) against each label, and the silhouette")
    data.kl_usage = {}
    for folder in sorted(p for p in Path(inputs.histories).iterdir() if p.is_dir()):
        frame = read_histories(folder)
        if frame.groupby("seed").size().max() > 1:  # a model fitted in one step has no curve
            plots.plot_loss_curves(frame, figures / f"loss_{folder.name}.png",
                                   title=f"{folder.name}: training loss per sample, each training seed")
        if plots.kl_dim_columns(frame):
            data.kl_usage[folder.name] = kl_usage(frame)
            plots.plot_kl_per_dim(frame, figures / f"kl_per_dim_{folder.name}.png", threshold=KL_USED_NATS,
                                  title=f"{folder.name}: KL divergence of each latent dimension (nats per sample)")
    lyric_ids, lyrics = read_lyrics(inputs.lyrics)
    data.lyric_model = pd.read_parquet(inputs.lyrics, columns=["model"])["model"].iloc[0] if lyrics is not None else None
    if lyrics is not None and "language" in tracks:
        data.lyric_cosine = within_language_cosine(lyric_ids, lyrics, tracks.set_index("track_id")["language"])
    first_seed = split_seeds(*read_vectors(inputs.latents, "z"))[0]
    _latent_figures(data, first_seed[1:], (lyric_ids, lyrics), params, figures, headline, first_seed[0],
                    track_pooling=track_pooling)
    joint_seed = split_seeds(*read_vectors(inputs.joint_latents, "z"))[0]
    _latent_figures(data, joint_seed[1:], (None, None), params, figures, params.joint_model, joint_seed[0],
                    inputs="audio and lyrics" if lyrics is not None else "audio: no lyrics in this corpus")
    _spectrogram_figures(data, inputs, params, mel, figures, headline)
    plots.plot_class_balance(tracks[tracks["track_id"].isin(data.status.track_id[data.status.status == "ok"])],
                             figures / "class_balance.png", title="Tracks per genre and language")
    # Only the rows drawn: the whole table grows with chunks x clusterings.
    kmeans = pd.read_parquet(inputs.assignments, filters=[("algorithm", "==", "kmeans"), ("level", "==", "track")])
    if "split" in kmeans and (kmeans["split"] == "test").any():  # the headline songs: held out
        kmeans = kmeans[kmeans["split"] == "test"]
    confusion = _confusion_figures(data, kmeans, headline, with_lyrics=lyrics is not None, out=figures)
    order = representation_order(data.scores["representation"], headline)
    for target in data.targets:
        table = metric_bars_table(data.scores, level="track", target=target, order=order)
        if not table.empty:
            plots.plot_metric_bars(table, figures / f"scores_track_{target}.png",
                                   title=f"KMeans on tracks vs {target} (mean ± 95% t-interval over training seeds)")
    return Report(report_markdown(data, order, mel, figures, dataset=dataset, headline=headline,
                                  joint=params.joint_model, joint_baselines=params.joint_baselines), confusion,
                  headline_metrics(data.scores, list(data.targets), headline, dataset))


def read_histories(folder) -> pd.DataFrame:
    """One model's training histories (``seed_<n>.csv``, as the train stage writes them) in one
    frame with a ``seed`` column."""
    files = sorted((seed_of(f), f) for f in Path(folder).glob("seed_*.csv"))
    if not files:
        raise FileNotFoundError(f"{folder}: no training histories (seed_<n>.csv)")
    return pd.concat([pd.read_csv(f).assign(seed=seed) for seed, f in files], ignore_index=True)


def _latent_figures(data: _Loaded, latents, lyrics, params: ReportParams, out: Path, headline: str,
                    seed: int, *, inputs: str = "audio only", track_pooling=("mean",)) -> None:
    """t-SNE of a model's latent (chunks) and of its fusion with the lyrics (tracks pooled by
    ``track_pooling``, where ``lyrics`` are given); correlations; of the model trained with the first seed."""
    rows, z = latents
    keys, chunk_latents = select_level(rows, z, "chunk")
    shown, sampled = keys, ""
    picks = seeded_rows(len(keys), params.tsne_max_points, params.tsne_seed)  # t-SNE time grows faster than N
    if picks is not None:
        shown, sampled = keys.iloc[picks], f"; a seeded sample of {params.tsne_max_points:,} of {len(keys):,}"
        chunk_latents_shown = chunk_latents[picks]
    else:
        chunk_latents_shown = chunk_latents
    colour = {t: data.labels.loc[shown["track_id"], t].astype(str).tolist()
              for t in data.targets if t in ("language", "genre")}
    plots.plot_embedding(plots.tsne_2d(chunk_latents_shown, seed=params.tsne_seed, perplexity=params.tsne_perplexity),
                         colour, out / f"tsne_{headline}_chunks.png",
                         title=f"t-SNE of {headline} (seed {seed}) posterior means ({inputs}, one point per chunk"
                               f"{sampled})")
    lyric_ids, lyric_vectors = lyrics
    if lyric_vectors is not None:
        fused_keys, fused = fuse(*level_rows(rows, z, "track", track_pooling), lyric_ids, lyric_vectors)
        track_colour = {t: data.labels.loc[fused_keys["track_id"], t].astype(str).tolist() for t in colour}
        plots.plot_embedding(plots.tsne_2d(fused, seed=params.tsne_seed, perplexity=params.tsne_perplexity),
                             track_colour, out / f"tsne_{headline}+lyrics_tracks.png",
                             title=f"t-SNE of {headline} (seed {seed}) + lyrics (standardised, concatenated; "
                                   "one point per track)")
    plots.plot_latent_correlation(chunk_latents, out / f"latent_correlation_{headline}.png",
                                  title=f"{headline} (seed {seed}): |correlation| between latent dimensions")


def _spectrogram_figures(data: _Loaded, inputs: ReportInputs, params: ReportParams, mel: MelConfig,
                         out: Path, headline: str) -> None:
    """Reconstructions of evenly spaced chunks (models that reconstruct), and one sample spectrogram."""
    mels = np.load(inputs.mels, mmap_mode="r")
    chunks = data.chunks
    picked, recon = read_vectors(inputs.reconstructions, "reconstruction")
    if len(picked):  # none for a model that does not reconstruct
        picks, seed = picked["row"].to_numpy(), int(picked["seed"].iloc[0])
        originals = np.asarray(mels[picks], dtype=np.float32)
        recon = recon.reshape(originals.shape)
        captions = [f"{chunks.track_id[i]} @ {chunks.start_s[i]:.0f} s" for i in picks]
        plots.plot_reconstructions(originals, recon, out / f"reconstructions_{headline}.png",
                                   sample_rate=mel.sample_rate, hop_length=mel.hop_length,
                                   title=f"{headline} (seed {seed}): chunks and reconstructions", captions=captions)
    plots.plot_spectrogram(np.asarray(mels[0], dtype=np.float32), out / "sample_spectrogram.png",
                           sample_rate=mel.sample_rate, hop_length=mel.hop_length,
                           title=f"{chunks.track_id[0]}, chunk 0 ({mel.chunk_seconds:g} s from "
                                 f"{chunks.start_s[0]:.1f} s), log-mel")


def _confusion_figures(data: _Loaded, kmeans: pd.DataFrame, headline: str, *, with_lyrics: bool,
                       out: Path) -> pd.DataFrame:
    """Hungarian-ordered confusion matrices of KMeans on tracks (first training seed, first KMeans
    seed): the fusion vs language and language x genre, the audio latent vs genre (every target
    without lyrics). Returns the first one as DVC's confusion table."""
    first_seed = kmeans[(kmeans.seed == kmeans.seed.min())
                        & (kmeans.train_seed == kmeans.groupby("representation").train_seed.transform("min"))]
    confusion = pd.DataFrame(columns=["track_id", "actual", "predicted"])
    pairs = ([(f"{headline}+lyrics", "language"), (headline, "genre"), (f"{headline}+lyrics", "language_genre")]
             if with_lyrics else [(headline, t) for t in data.targets])
    for rep, target in pairs:
        if target not in data.targets:
            continue
        k = data.targets[target].nunique()
        run = first_seed[(first_seed.representation == rep) & (first_seed.k == k)]
        if run.empty:
            continue
        plot_confusion_for(data.targets[target], run, out / f"confusion_{rep}_{target}.png",
                           title=f"KMeans (k={k}) on {rep}, tracks, vs {target}")
        if confusion.empty:
            confusion = confusion_frame(data.targets[target], run)
    return confusion


def report_markdown(data: _Loaded, order: list[str], mel: MelConfig, figures: Path, *, dataset: str,
                    headline: str, joint: str | None = None, joint_baselines: list[str] = ()) -> str:
    """``report.md``: the corpus, skipped tracks, result tables and every figure in ``figures``."""
    status, names = data.status, list(data.targets)
    skipped = status[status.status != "ok"]
    lines = [f"# Results: {dataset}", "",
             f"{int((status.status == 'ok').sum())} tracks used, {len(skipped)} skipped; "
             f"{len(data.chunks)} chunks of {mel.chunk_seconds:g} s.", ""]
    if len(skipped):
        lines += ["Skipped tracks:", ""] + [f"- {markdown_text(r.track_id)}: {markdown_text(r.reason)}"
                                            for r in skipped.itertuples()] + [""]
    held_out = data.other_scores is not None and len(data.other_scores)
    if held_out:
        lines += ["Every score below is of the **test songs**, held out: the models, standardisers and cluster "
                  "models learned from the training songs, and each test song's rows were encoded and assigned to "
                  "the nearest training cluster's centroid (`split` params; `data.json`: `split`).", ""]
    if data.claims and data.claims.get("claims"):
        lines += ["## What the scores support", ""] + claims_lines(data.claims) + [""]
    if held_out:
        lines += ["## Held-out and in-sample scores, track level, KMeans",
                  "The same clusterings' AMI (adjusted for chance: NMI grows as the songs get fewer, so only an "
                  "adjusted score compares splits of different sizes) on the test songs (assigned out of sample), "
                  "on the training songs they were fit on (in-sample) and on the validation songs (which chose each "
                  f"network's epoch), with intervals and {CHANCE_MARK} as below (none on the validation songs, which "
                  "only choose).", "",
                  split_table(data.scores, data.other_scores, targets=names, representations=order), ""]
    over = ("Each score is the mean over training seeds of each seed's mean over its KMeans seeds (`runs` "
            "clusterings in all; a model whose seeds give identical latents, such as PCA, counts once; the raw "
            "pixels, clip statistics and lyrics train nothing) ± the 95% t-interval over the `seeds` training-seed "
            "means (none for one), and in brackets the 95% song-bootstrap interval (NMI, ARI: songs resampled, "
            f"the clusterings fixed). {CHANCE_MARK}: not shown above chance: the song-level permutation null "
            "(whole songs' labels shuffled, the same shuffle for every run) gives a p-value whose "
            "Benjamini-Hochberg q-value across the table is above 0.05. Every run is in `runs.parquet`.")
    sections = [("## Track level (mean of chunk latents), KMeans with k = number of classes", "kmeans", "track",
                 over),
                ("## Track level by majority vote of the chunk clusters, KMeans", "kmeans", "track_vote", over),
                ("## Chunk level (the study's unit), KMeans", "kmeans", "chunk", over),
                ("## Track level, agglomerative (Ward)", "agglomerative", "track",
                 "Deterministic: one clustering per training seed (the interval is over training seeds; "
                 f"none for one run); {CHANCE_MARK} as above. A representation with more rows than "
                 "`cluster.max_quadratic_rows` is clustered on a seeded sample of that many (`data.json`: "
                 "`quadratic_sample`).")]
    sample = (data.latent_summary or {}).get("raw", {}).get("sample")
    if sample:
        lines += [f"The raw pixels are scored on a seeded sample of {sample['tracks']:,} of the {sample['of_tracks']:,} "
                  f"tracks ({sample['chunks']:,} of {sample['of_chunks']:,} chunks; `cluster.max_quadratic_rows`, "
                  "`data.json`: `raw_sample`): every `raw` score below is over that sample.", ""]
    for heading, algorithm, level, caption in sections:
        lines += [heading] + ([caption] if caption else []) + [""]
        lines += [results_table(data.scores, algorithm=algorithm, level=level, targets=names,
                                representations=order), ""]
    if joint and data.targets:
        lines += ["## The joint model beside the post-hoc hybrid, track level",
                  f"`{joint}`: one latent learned from the audio and the lyrics together (product of experts); "
                  f"`{joint}_audio`: the same model with the lyrics withheld; `{headline}+lyrics`: the study's "
                  "hybrid (the audio latent and the lyric embedding standardised and concatenated after training). "
                  "KMeans NMI and ARI with k = number of classes, mean ± 95% t-interval over training × KMeans "
                  f"seeds, {CHANCE_MARK} as below; MIG and DCI disentanglement against (language, genre), over "
                  "training seeds.", "",
                  joint_table(data.scores, data.disentanglement.get("track", {}), joint=joint, headline=headline,
                              targets=names, baselines=joint_baselines), ""]
    if data.probes:
        lines += ["## Linear probes: the supervised ceiling",
                  "Accuracy of a logistic regression reading each label from each representation, cross-validated "
                  "with every song's rows in one fold (mean over distinct training seeds ± 95% t-interval); in "
                  "brackets the majority class's rate on the same folds.", ""]
        for level in ("track", "chunk"):
            if data.probes.get(level):
                lines += [f"{level.capitalize()} level:", "", probes_table(data.probes[level], order, names), ""]
    if any(t in data.targets for t in ("language", "genre")) and data.disentanglement:
        caption = ("As disentanglement_lib computes them: MIG (20-bin histograms), DCI (gradient-boosted trees, 100 "
                   "rounds), SAP (linear SVMs); train/test splits keep each song on one side; mean ± 95% t-interval "
                   "over each code's distinct training seeds (`seeds`); in brackets the 95th percentile of random "
                   f"N(0, I) codes of the same rows and width, {CHANCE_MARK} where a score does not clear it.")
        for level in ("track", "chunk"):
            if data.disentanglement.get(level):
                lines += [f"## Disentanglement against (language, genre), {level} level", caption, "",
                          disentanglement_table(data.disentanglement[level]), ""]
    if data.kl_usage:
        table, warnings = kl_table(data.kl_usage, data.latent_summary or {})
        lines += ["## KL per latent dimension and active units",
                  "At the epoch whose weights each model keeps (its lowest validation loss, else its last); a "
                  "dimension above the threshold carries information about the input, one below it has collapsed "
                  "to the prior.", ""] + \
                 [w + "\n" for w in warnings] + [table, ""]
    if data.lyric_cosine:
        lines += ["## Lyric embeddings",
                  f"Mean pairwise cosine similarity of the lyric embeddings (`{markdown_text(data.lyric_model)}`) "
                  "within each language: near 1 means the text model maps that language's songs to nearly one "
                  "vector (it does not read it), so lyric clusters there follow the tokenizer, not the words.", "",
                  markdown_table(["language", "mean pairwise cosine"],
                                  [[markdown_text(k), f"{v:.3f}"] for k, v in data.lyric_cosine.items()]), ""]
    if "language" in data.targets and data.targets["language"].nunique() == 2:
        lines += ["## The study's table beside ours",
                  "Chunks, KMeans k = 2, against language; the study's numbers as published (on the real "
                  "HBLM-100), ours on this corpus with the interval and † as above; chance = the 95th percentile "
                  "of our NMI's permutation null.", "", study_table(data.scores, headline), ""]
    lines += ["## Figures", ""]
    lines += [f"![{png.stem}](figures/{png.name})" for png in sorted(figures.glob("*.png"))]
    return "\n".join(lines) + "\n"
