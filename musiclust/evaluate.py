"""Cluster every representation of a corpus and score each clustering, in one pass.

Each representation is built once and its distance matrix computed once,
shared by DBSCAN and the silhouette.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .chance import label_floors
from .cluster import ClusterParams, cluster_representation, distances, ks_for, quadratic_part
from .disentanglement import disentanglement_scores
from .metrics import SCORE_COLUMNS, data_summary, latent_summary, nest, score_representation, spread, targets_of
from .representations import Corpus, fuse, select_level, split_seeds


@dataclass
class Evaluation:
    assignments: pd.DataFrame   # cluster.ASSIGNMENT_COLUMNS
    scores: pd.DataFrame        # metrics.SCORE_COLUMNS, the long table behind every figure
    metrics: dict               # {file stem: JSON object}: one per algorithm, latents, data


def evaluate(corpus: Corpus, params: ClusterParams, *, progress: bool = True) -> Evaluation:
    """KMeans, agglomerative and DBSCAN on every representation (each training seed) and level,
    scored against every label (language, genre, language x genre) with k = its number of classes."""
    targets = targets_of(corpus.tracks)
    ks = ks_for(targets, params.k_without_labels)
    reps = corpus.representations()
    groups: dict[tuple[str, str], list] = {}
    for rep in reps:  # a representation's training seeds are scored together
        groups.setdefault((rep.name, rep.level), []).append(rep)
    parts, records = [], []
    sampled: dict[str, dict[str, int]] = {}  # level -> representation -> rows the quadratic algorithms saw
    for members in tqdm(groups.values(), desc="cluster and score", unit="representation", disable=not progress):
        clustered = []
        for rep in members:
            sample = quadratic_part(rep, params)  # None: the quadratic algorithms see every row
            dist = distances((sample or rep).features)
            runs = cluster_representation(rep, ks, params, dist, sample)
            parts.append(runs)
            clustered.append((rep, runs, dist, sample))
            if sample is not None:
                sampled.setdefault(rep.level, {})[rep.name] = len(sample.keys)
        records += score_representation(clustered, targets, null_draws=params.null_draws, null_seed=params.null_seed,
                                        silhouette_rows=params.max_quadratic_rows)
        del clustered  # one representation's distance matrices at a time
    scores = pd.DataFrame(records, columns=SCORE_COLUMNS)
    metrics = {**nest(scores), "latents": latent_summary(corpus.latents),
               "data": {**data_summary(corpus.tracks, corpus.status),
                        **({"quadratic_sample": sampled} if sampled else {}),
                        **({"raw_sample": corpus.raw_sample} if corpus.raw_sample else {})}}
    if corpus.raw_sample:  # also beside the raw pixels' summary, which the report reads
        metrics["latents"]["raw"]["sample"] = corpus.raw_sample
    metrics["floors"] = floors(targets, corpus.status, reps) if "language_genre" in targets else {}
    metrics["disentanglement"] = disentanglement(corpus, targets, seed=params.null_seed, progress=progress)
    return Evaluation(pd.concat(parts, ignore_index=True), scores, metrics)


def floors(targets: dict[str, pd.Series], status: pd.DataFrame, reps) -> dict:
    """Label-only floors on the crossed target at each level: the score against language x genre
    of a clustering that is exactly the language, or exactly the genre (chunks weigh as the
    clusterings weigh them)."""
    used = status.loc[status["status"] == "ok", "track_id"]
    keys = {"track": pd.Index(used)}
    chunk_reps = [r for r in reps if r.level == "chunk"]
    if chunk_reps:
        keys["chunk"] = pd.Index(chunk_reps[0].keys["track_id"])
    return {level: {"language_genre": {name: {m: round(v, 6) for m, v in scores.items()}
                                       for name, scores in label_floors(targets["language"].reindex(ids),
                                                                         targets["genre"].reindex(ids)).items()}}
            for level, ids in keys.items()}


def disentanglement(corpus: Corpus, targets: dict[str, pd.Series], *, seed: int, progress: bool = True) -> dict:
    """MIG, DCI and SAP of every model's latent code (and of the raw pixels and the clip statistics,
    as baselines; at track level also the lyrics and each code + lyrics) against the labels
    (language, genre), per level, each the mean over the model's
    training seeds with its sd and 95% t-interval (``<score>_sd``, ``<score>_ci95``; none for one
    seed) and ``seeds``: ``{level: {name: {score: value}}}``.

    With a single label, DCI disentanglement says nothing (one factor is always "disentangled")
    and is left out.
    """
    factors = [t for t in ("language", "genre") if t in targets]
    if not factors:
        return {}
    out: dict = {}
    sources = {**corpus.latents, **corpus.clipstats}
    for name in tqdm(sorted(sources), desc="disentanglement", unit="representation", disable=not progress):
        for level in ("chunk", "track"):
            per_seed = []
            for _, rows, codes in split_seeds(*sources[name]):
                mask = (rows["level"] == level).to_numpy()
                if mask.any():
                    per_seed.append((rows.loc[mask, "track_id"], codes[mask]))
            if per_seed:
                out.setdefault(level, {})[name] = _score_seeds(per_seed, targets, factors, seed=seed)
    if corpus.lyrics is not None and len(corpus.lyrics):
        out.setdefault("track", {}).update(_hybrid_disentanglement(corpus, sources, targets, factors, seed=seed))
    return out


def _hybrid_disentanglement(corpus: Corpus, sources: dict, targets: dict[str, pd.Series], factors: list[str], *,
                            seed: int) -> dict:
    """Track-level MIG, DCI and SAP of the lyrics alone and of each code fused with them (the
    study's post-hoc hybrid: standardised blocks side by side, so every axis is still one
    model's or one lyric dimension), against which a joint latent is judged. The raw pixels
    are left out (16,384 axes)."""
    out = {}
    codes = {"lyrics": [(corpus.lyric_ids, corpus.lyrics)]}
    for name in sorted(set(sources) - {"raw"}):
        codes[f"{name}+lyrics"] = []
        for _, rows, z in split_seeds(*sources[name]):
            keys, x = select_level(rows, z, "track")
            fused_keys, fused = fuse(keys, x, corpus.lyric_ids, corpus.lyrics)
            codes[f"{name}+lyrics"].append((fused_keys["track_id"], fused))
    for name, per_seed_codes in codes.items():
        # Rows in track order: the scores' train/test split must not depend on file order.
        in_order = []
        for ids, code in per_seed_codes:
            order = np.argsort(np.asarray(ids), kind="stable")
            in_order.append((pd.Series(np.asarray(ids)[order]), code[order]))
        out[name] = _score_seeds(in_order, targets, factors, seed=seed)
    return out


def _score_seeds(per_seed_codes: list[tuple[pd.Series, np.ndarray]], targets: dict[str, pd.Series],
                 factors: list[str], *, seed: int) -> dict:
    """MIG, DCI and SAP of each training seed's ``(track ids, codes)`` against ``factors``,
    summarised over the seeds (:func:`_summarise`); DCI disentanglement is left out for a single factor."""
    per_seed = []
    for ids, codes in per_seed_codes:
        scores = disentanglement_scores(codes, {t: targets[t].reindex(ids).to_numpy() for t in factors}, seed=seed)
        if len(factors) == 1:
            scores.pop("dci_disentanglement")
        per_seed.append(scores)
    return _summarise(per_seed)


def _summarise(per_seed: list[dict]) -> dict:
    """``{score: mean, score_sd, score_ci95, seeds}`` over seeds, rounded to 6 decimals."""
    out: dict = {"seeds": len(per_seed)}
    for score in per_seed[0]:
        s = spread([scores[score] for scores in per_seed])
        out[score] = round(s["mean"], 6)
        if not np.isnan(s["sd"]):
            out[f"{score}_sd"], out[f"{score}_ci95"] = round(s["sd"], 6), round(s["ci95"], 6)
    return out
