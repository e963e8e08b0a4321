"""Cluster every representation of a corpus and score each clustering, in one pass.

Each representation is built once and its distance matrix computed once,
shared by DBSCAN and the silhouette.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from .chance import label_floors
from .cluster import ClusterParams, cluster_representation, distances, ks_for
from .disentanglement import disentanglement_scores
from .metrics import SCORE_COLUMNS, data_summary, latent_summary, nest, score_representation, targets_of
from .representations import Corpus


@dataclass
class Evaluation:
    assignments: pd.DataFrame   # cluster.ASSIGNMENT_COLUMNS
    scores: pd.DataFrame        # metrics.SCORE_COLUMNS, the long table behind every figure
    metrics: dict               # {file stem: JSON object}: one per algorithm, latents, data


def evaluate(corpus: Corpus, params: ClusterParams, *, progress: bool = True) -> Evaluation:
    """KMeans, agglomerative and DBSCAN on every representation and level, scored against
    every label (language, genre, language x genre) with k = its number of classes."""
    targets = targets_of(corpus.tracks)
    ks = ks_for(targets, params.k_without_labels)
    parts, records, reps = [], [], corpus.representations()
    for rep in tqdm(reps, desc="cluster and score", unit="representation", disable=not progress):
        dist = distances(rep.features)
        runs = cluster_representation(rep, ks, params, dist)
        parts.append(runs)
        records += score_representation(rep, runs, targets, dist, null_draws=params.null_draws,
                                        null_seed=params.null_seed)
    scores = pd.DataFrame(records, columns=SCORE_COLUMNS)
    metrics = {**nest(scores), "latents": latent_summary(corpus.latents),
               "data": data_summary(corpus.tracks, corpus.status)}
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
    as baselines) against the labels (language, genre), per level: ``{level: {name: {score: value}}}``.

    With a single label, DCI disentanglement says nothing (one factor is always "disentangled")
    and is left out.
    """
    factors = [t for t in ("language", "genre") if t in targets]
    if not factors:
        return {}
    out: dict = {}
    sources = {**corpus.latents, **corpus.clipstats}
    for name in tqdm(sorted(sources), desc="disentanglement", unit="representation", disable=not progress):
        rows, codes = sources[name]
        for level in ("chunk", "track"):
            mask = (rows["level"] == level).to_numpy()
            if not mask.any():
                continue
            ids = rows.loc[mask, "track_id"]
            scores = disentanglement_scores(codes[mask], {t: targets[t].reindex(ids).to_numpy() for t in factors},
                                            seed=seed)
            if len(factors) == 1:
                scores.pop("dci_disentanglement")
            out.setdefault(level, {})[name] = {k: round(v, 6) for k, v in scores.items()}
    return out
