"""Cluster every representation of a corpus and score each clustering, in one pass.

Each representation is built once and its distance matrix computed once,
shared by DBSCAN and the silhouette.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from .cluster import ClusterParams, cluster_representation, distances, ks_for
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
    parts, records = [], []
    for rep in tqdm(corpus.representations(), desc="cluster and score", unit="representation",
                    disable=not progress):
        dist = distances(rep.features)
        runs = cluster_representation(rep, ks, params, dist)
        parts.append(runs)
        records += score_representation(rep, runs, targets, dist)
    scores = pd.DataFrame(records, columns=SCORE_COLUMNS)
    metrics = {**nest(scores), "latents": latent_summary(corpus.latents),
               "data": data_summary(corpus.tracks, corpus.status)}
    return Evaluation(pd.concat(parts, ignore_index=True), scores, metrics)
