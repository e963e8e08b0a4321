"""Score every clustering of a corpus (:func:`musiclust.cluster.cluster_corpus`'s assignments):
external and internal scores, permutation nulls, label floors and disentanglement.

Each representation is built once and its distance matrix computed once, for the silhouette.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .chance import label_floors
from .cluster import ALGORITHMS, distances, grouped
from .config import InputError, check, check_seed
from .disentanglement import disentanglement_scores
from .metrics import SCORE_COLUMNS, data_summary, latent_summary, nest, score_representation, spread, targets_of
from .representations import Corpus, Representation, fuse, select_level, split_seeds


@dataclass(frozen=True)
class EvaluateParams:
    null_draws: int = 200        # shuffles per permutation null (0: no nulls)
    null_seed: int = 0           # seeds the nulls and the disentanglement scores' splits

    def validate(self, key: str) -> None:
        check(self.null_draws == 0 or self.null_draws >= 100, f"{key}.null_draws",
              "must be 0 (no nulls) or >= 100 for a 95th percentile worth reading")
        check_seed(self.null_seed, f"{key}.null_seed")


@dataclass
class Evaluation:
    scores: pd.DataFrame        # metrics.SCORE_COLUMNS, the long table behind every figure
    metrics: dict               # {file stem: JSON object}: one per algorithm of the registry, latents, data, ...


def evaluate(corpus: Corpus, assignments: pd.DataFrame, params: EvaluateParams, *, silhouette_rows: int,
             progress: bool = True) -> Evaluation:
    """Every clustering in ``assignments`` (``cluster.ASSIGNMENT_COLUMNS``) scored against every
    label (language, genre, language x genre) whose class count is its k, with permutation nulls;
    label floors; MIG, DCI and SAP of every code.

    A quadratic algorithm's assignments cover the rows of its sample only: those rows are scored,
    with their own distance matrix. ``silhouette_rows`` bounds the silhouette of a clustering of
    every row (``cluster.max_quadratic_rows``). Every algorithm of the registry gets a metrics
    object (empty where it did not run), so the files are the same whatever ran.
    """
    targets = targets_of(corpus.tracks)
    reps = corpus.representations()
    _check_covered(assignments, reps)
    by_rep = dict(tuple(assignments.groupby(["representation", "level", "train_seed"], sort=False)))
    records = []
    sampled: dict[str, dict[str, int]] = {}  # level -> representation -> rows the quadratic algorithms saw
    for members in tqdm(grouped(reps), desc="score", unit="representation", disable=not progress):
        scored = []
        for rep in members:
            runs = by_rep.get((rep.name, rep.level, rep.train_seed), assignments.iloc[:0])
            sample = _sample_of(rep, runs)  # None: the quadratic algorithms saw every row
            scored.append((rep, runs, distances((sample or rep).features), sample))
            if sample is not None:
                sampled.setdefault(rep.level, {})[rep.name] = len(sample.keys)
        records += score_representation(scored, targets, null_draws=params.null_draws, null_seed=params.null_seed,
                                        silhouette_rows=silhouette_rows)
        del scored  # one representation's distance matrices at a time
    scores = pd.DataFrame(records, columns=SCORE_COLUMNS)
    nested = nest(scores)
    metrics = {**{name: nested.get(name, {}) for name in ALGORITHMS}, "latents": latent_summary(corpus.latents),
               "data": {**data_summary(corpus.tracks, corpus.status),
                        **({"quadratic_sample": sampled} if sampled else {}),
                        **({"raw_sample": corpus.raw_sample} if corpus.raw_sample else {})}}
    if corpus.raw_sample:  # also beside the raw pixels' summary, which the report reads
        metrics["latents"]["raw"]["sample"] = corpus.raw_sample
    metrics["floors"] = floors(targets, corpus.status, reps) if "language_genre" in targets else {}
    metrics["disentanglement"] = disentanglement(corpus, targets, seed=params.null_seed, progress=progress)
    return Evaluation(scores, metrics)


def _check_covered(assignments: pd.DataFrame, reps: list[Representation]) -> None:
    """Assignments of a representation the corpus does not have mean the two were read from
    different latents: stop, naming it."""
    known = {(rep.name, rep.level) for rep in reps}
    seen = assignments[["representation", "level"]].drop_duplicates().itertuples(index=False, name=None)
    unknown = sorted(set(seen) - known)
    if unknown:
        raise InputError(f"assignments: clusterings of {unknown[0][0]} ({unknown[0][1]}), a representation "
                         "these latents do not give: cluster and evaluate must read the same files")
    names = set(assignments["algorithm"].unique())
    if names - set(ALGORITHMS):
        raise InputError(f"assignments: algorithm {sorted(names - set(ALGORITHMS))[0]!r} is not in the registry")


def _sample_of(rep: Representation, runs: pd.DataFrame) -> Representation | None:
    """The rows of ``rep`` its quadratic algorithms saw (their assignments cover them), in the
    representation's order; None when they saw every row or none ran."""
    quadratic = [name for name, algorithm in ALGORITHMS.items() if algorithm.quadratic]
    quad = runs[runs["algorithm"].isin(quadratic)]
    if quad.empty:
        return None
    first = quad.drop_duplicates(["algorithm", "k", "seed"]).iloc[0]
    run = quad[(quad["algorithm"] == first["algorithm"]) & (quad["k"] == first["k"]) & (quad["seed"] == first["seed"])]
    if len(run) >= len(rep.keys):
        return None
    seen = pd.MultiIndex.from_frame(run[["track_id", "chunk"]])
    rows = np.flatnonzero(pd.MultiIndex.from_frame(rep.keys[["track_id", "chunk"]]).isin(seen))
    return Representation(rep.name, rep.level, rep.keys.iloc[rows].reset_index(drop=True), rep.features[rows],
                          rep.train_seed)


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
