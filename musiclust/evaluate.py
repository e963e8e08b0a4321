"""Score every clustering of a corpus (:func:`musiclust.cluster.cluster_corpus`'s assignments):
external and internal scores with song-level chance levels and intervals over training seeds,
the runs behind them, the claims a report makes as tests, linear probes and disentanglement.

Each representation is built once and its distance matrix computed once, for the silhouette.
A model whose training seeds give identical latents (PCA's randomized SVD is seeded by the
data, not the seed) counts once: its copies are neither clustered twice in the scores nor
counted as replicates.

With held-out songs (:mod:`musiclust.split`) the headline scores, their chance levels and the
tested comparisons are those of the test songs, assigned out of sample; the training songs'
(in-sample) scores are kept beside them with the same chance levels, and the validation songs'
as plain scores (they choose settings, and a chance level would add nothing to a choice).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .claims import Comparison, tested_claims
from .cluster import ALGORITHMS, distances, grouped
from .config import InputError, check, check_seed
from .disentanglement import disentanglement_scores, random_code_floor
from .metrics import (
    RUN_COLUMNS,
    SCORE_COLUMNS,
    ChanceParams,
    data_summary,
    latent_summary,
    nest,
    score_representation,
    spread,
    targets_of,
    with_q_values,
)
from .probes import linear_probe
from .representations import Corpus, Representation, fuse, level_rows, split_seeds


@dataclass(frozen=True)
class EvaluateParams:
    null_draws: int = 200        # song shuffles per permutation null (0: no nulls, floors or bootstrap)
    null_max_draws: int = 1000   # where a score's p-value is within 2 Monte-Carlo standard errors of 0.05
    bootstrap: int = 1000        # song resamples of each score's data-sampling interval
    null_seed: int = 0           # seeds the nulls, the bootstrap, the probes' folds and the disentanglement splits
    disentanglement_floor_draws: int = 5  # random N(0, I) codes per size for the disentanglement floor
    probe_folds: int = 5         # song-grouped folds of the linear probes
    comparisons: list[list[str]] = field(default_factory=list)  # [a, b, target]: "a above b", tested
    comparison_algorithm: str = "kmeans"
    comparison_level: str = "track"
    comparison_metric: str = "nmi"
    equivalence_margin: float = 0.02  # "level with" needs an equivalence test at this margin
    generator_factors: bool = False  # also MIG/DCI/SAP of the audio codes against a generated corpus's factors
    factor_bins: int = 4         # quantile bins of a continuous factor (tempo, level)

    def validate(self, key: str) -> None:
        check(self.null_draws == 0 or self.null_draws >= 100, f"{key}.null_draws",
              "must be 0 (no nulls) or >= 100 for a 95th percentile worth reading")
        check(self.null_max_draws >= self.null_draws, f"{key}.null_max_draws", "must be >= null_draws")
        check(self.bootstrap >= 100, f"{key}.bootstrap", "must be >= 100 for a 95% interval worth reading")
        check_seed(self.null_seed, f"{key}.null_seed")
        check(self.disentanglement_floor_draws >= 1, f"{key}.disentanglement_floor_draws", "must be >= 1")
        check(self.probe_folds >= 2, f"{key}.probe_folds", "must be >= 2")
        for i, item in enumerate(self.comparisons):
            check(len(item) == 3, f"{key}.comparisons[{i}]", f"expected [a, b, target], got {item!r}")
        check(self.comparison_algorithm in ALGORITHMS, f"{key}.comparison_algorithm",
              f"{self.comparison_algorithm!r} is not one of {list(ALGORITHMS)}")
        check(self.comparison_level in ("chunk", "track", "track_vote"), f"{key}.comparison_level",
              "must be chunk, track or track_vote")
        check(0 < self.equivalence_margin < 1, f"{key}.equivalence_margin", "must lie in (0, 1)")
        check(self.factor_bins >= 2, f"{key}.factor_bins", "must be >= 2")

    @property
    def chance(self) -> ChanceParams:
        return ChanceParams(self.null_draws, self.null_max_draws, self.bootstrap, self.null_seed)


@dataclass
class Evaluation:
    scores: pd.DataFrame        # metrics.SCORE_COLUMNS, the long table behind every figure: the headline split's
    runs: pd.DataFrame          # "split" + metrics.RUN_COLUMNS, every run's every score on every split
    metrics: dict               # {file stem: JSON object}: one per algorithm of the registry, latents, data, ...
    other_scores: pd.DataFrame = field(default_factory=pd.DataFrame)  # "split" + SCORE_COLUMNS: the other splits

HEADLINE_SPLIT = "test"


def evaluate(corpus: Corpus, assignments: pd.DataFrame, params: EvaluateParams, *, silhouette_rows: int,
             factors: pd.DataFrame | None = None, n_jobs: int = 1, progress: bool = True) -> Evaluation:
    """Every clustering in ``assignments`` (``cluster.ASSIGNMENT_COLUMNS``) scored against every
    label (language, genre, language x genre) whose class count is its k, with song-level
    permutation nulls, label floors that keep k, song-bootstrap intervals and q-values; the runs
    table; the comparisons of ``params.comparisons`` as tests; linear probes; MIG, DCI and SAP
    of every code beside random codes of the same size; with ``params.generator_factors``, also of
    the audio codes against ``factors`` (a generated corpus's per-song factors, by ``track_id``).

    A quadratic algorithm's assignments cover the rows of its sample only: those rows are scored,
    with their own distance matrix. ``silhouette_rows`` bounds the silhouette of a clustering of
    every row (``cluster.max_quadratic_rows``). Every algorithm of the registry gets a metrics
    object (empty where it did not run), so the files are the same whatever ran. The representations'
    scorings, the probes and the disentanglement scorings run in ``n_jobs`` processes (the same
    numbers for any count).
    """
    targets = targets_of(corpus.tracks)
    reps = corpus.representations()
    _check_covered(assignments, reps)
    if corpus.split is None or "split" not in assignments:
        splits = {"all": (reps, assignments, params.chance)}
    else:
        no_chance = ChanceParams()  # plain scores: no nulls, no bootstrap
        splits = {name: (_songs_of(reps, corpus.split, name), assignments[assignments["split"] == name], chance)
                  for name, chance in ((HEADLINE_SPLIT, params.chance), ("train", params.chance),
                                       ("validation", no_chance))
                  if (corpus.split == name).any()}
    tables, run_tables, sampled, replicates = {}, [], {}, {}
    for name, (split_reps, split_assignments, chance) in splits.items():
        tables[name], runs, sampled[name], replicates = _score_split(
            split_reps, split_assignments, targets, chance, silhouette_rows=silhouette_rows,
            progress=progress, desc=f"score {name}", n_jobs=n_jobs)
        run_tables.append(runs.assign(split=name)[["split", *RUN_COLUMNS]])
    # the test songs; a split without any (a tiny corpus) falls back to the training songs, in-sample
    headline = next(name for name in (HEADLINE_SPLIT, "train", "all", "validation") if name in tables)
    scores, runs = tables[headline], pd.concat(run_tables, ignore_index=True)
    other = [table.assign(split=name)[["split", *SCORE_COLUMNS]] for name, table in tables.items() if name != headline]
    nested = nest(scores)
    metrics = {**{name: nested.get(name, {}) for name in ALGORITHMS}, "latents": latent_summary(corpus.latents),
               "data": {**data_summary(corpus.tracks, corpus.status), "training_seeds": replicates,
                        **({"split": _split_counts(corpus.split), "scored_split": headline}
                           if corpus.split is not None else {}),
                        **({"quadratic_sample": sampled[headline]} if sampled[headline] else {}),
                        **({"raw_sample": corpus.raw_sample} if corpus.raw_sample else {})}}
    if corpus.raw_sample:  # also beside the raw pixels' summary, which the report reads
        metrics["latents"]["raw"]["sample"] = corpus.raw_sample
    metrics["claims"] = claims(runs[runs["split"] == headline].drop(columns="split"), params)
    if "train" in tables and headline == HEADLINE_SPLIT:
        metrics["claims"]["in_sample"] = claims(runs[runs["split"] == "train"].drop(columns="split"), params)["claims"]
    metrics["probes"] = probes(reps, targets, folds=params.probe_folds, seed=params.null_seed, n_jobs=n_jobs,
                               progress=progress)
    metrics["disentanglement"] = disentanglement(corpus, targets, seed=params.null_seed, n_jobs=n_jobs,
                                                 floor_draws=params.disentanglement_floor_draws, progress=progress)
    metrics["factors"] = (factor_disentanglement(corpus, targets, factors, bins=params.factor_bins,
                                                 seed=params.null_seed, floor_draws=params.disentanglement_floor_draws,
                                                 n_jobs=n_jobs, progress=progress)
                          if params.generator_factors and factors is not None else {})
    return Evaluation(scores, runs, metrics,
                      pd.concat(other, ignore_index=True) if other else pd.DataFrame(columns=["split", *SCORE_COLUMNS]))


def _songs_of(reps: list[Representation], split: pd.Series, name: str) -> list[Representation]:
    """Each representation's rows of the songs of one split."""
    out = []
    for rep in reps:
        rows = np.flatnonzero((split.reindex(rep.keys["track_id"]) == name).to_numpy())
        out.append(Representation(rep.name, rep.level, rep.keys.iloc[rows].reset_index(drop=True),
                                  rep.features[rows], rep.train_seed))
    return out


def _split_counts(split: pd.Series) -> dict[str, int]:
    return {name: int((split == name).sum()) for name in ("train", "validation", "test")}


def _score_split(reps: list[Representation], assignments: pd.DataFrame, targets: dict[str, pd.Series],
                 chance: ChanceParams, *, silhouette_rows: int, progress: bool, desc: str, n_jobs: int = 1):
    """The score table (with q-values), the runs table, the quadratic samples' sizes and the
    distinct training seeds of the clusterings of one split's rows. The representations are
    scored in ``n_jobs`` processes, each on its own (the same numbers for any count)."""
    from joblib import Parallel, delayed

    by_rep = dict(tuple(assignments.groupby(["representation", "level", "train_seed"], sort=False)))
    groups = [group for group in grouped(reps) if len(group[0].keys)]
    jobs = [delayed(_score_group)(group, {(rep.name, rep.level, rep.train_seed): by_rep.get(
                (rep.name, rep.level, rep.train_seed), assignments.iloc[:0]) for rep in group},
                targets, chance, silhouette_rows) for group in groups]
    results = Parallel(n_jobs=n_jobs)(tqdm(jobs, desc=desc, unit="representation", disable=not progress))
    records, run_records = [], []
    sampled: dict[str, dict[str, int]] = {}  # level -> representation -> rows the quadratic algorithms saw
    replicates: dict[str, int] = {}
    for group, (members, group_sampled, more, more_runs) in zip(groups, results):
        replicates[group[0].name] = members
        for level, size in group_sampled:
            sampled.setdefault(level, {})[group[0].name] = size
        records += more
        run_records += more_runs
    return (with_q_values(pd.DataFrame(records, columns=SCORE_COLUMNS)), pd.DataFrame(run_records, columns=RUN_COLUMNS),
            sampled, replicates)


def _score_group(group: list[Representation], by_rep: dict, targets: dict[str, pd.Series], chance: ChanceParams,
                 silhouette_rows: int) -> tuple[int, list[tuple[str, int]], list, list]:
    """One representation's scores over its distinct training seeds: how many seeds, the
    ``(level, rows)`` of each quadratic sample, the score records and the run records."""
    members = distinct_seeds(group)
    scored, sampled = [], []
    for rep in members:
        runs = by_rep[(rep.name, rep.level, rep.train_seed)]
        sample = _sample_of(rep, runs)  # None: the quadratic algorithms saw every row
        scored.append((rep, runs, distances((sample or rep).features), sample))
        if sample is not None:
            sampled.append((rep.level, len(sample.keys)))
    more, more_runs = score_representation(scored, targets, chance=chance, silhouette_rows=silhouette_rows)
    return len(members), sampled, more, more_runs


def distinct_seeds(group: list[Representation]) -> list[Representation]:
    """The training seeds of one representation whose features differ from every earlier seed's:
    identical latents are one replicate, not several."""
    kept: list[Representation] = []
    for rep in group:
        if not any(rep.features.shape == k.features.shape and np.array_equal(rep.features, k.features) for k in kept):
            kept.append(rep)
    return kept


def claims(runs: pd.DataFrame, params: EvaluateParams) -> dict:
    """The comparisons of ``params`` that these runs can make, as tests (:mod:`musiclust.claims`)."""
    settings = {"algorithm": params.comparison_algorithm, "level": params.comparison_level,
                "metric": params.comparison_metric, "equivalence_margin": params.equivalence_margin,
                "correction": "Holm over the claims below"}
    tested = tested_claims(runs, [Comparison(*item) for item in params.comparisons],
                           algorithm=params.comparison_algorithm, level=params.comparison_level,
                           metric=params.comparison_metric, margin=params.equivalence_margin)
    return {"settings": settings, "claims": [_rounded(claim) for claim in tested]}


def _rounded(record: dict) -> dict:
    """Floats to 6 decimals, NaN as None (JSON has no NaN)."""
    out = {}
    for key, value in record.items():
        if isinstance(value, float):
            value = None if np.isnan(value) else round(value, 6)
        out[key] = value
    return out


def probes(reps: list[Representation], targets: dict[str, pd.Series], *, folds: int, seed: int, n_jobs: int = 1,
           progress: bool = True) -> dict:
    """Song-grouped linear-probe accuracy of every representation and label (the supervised ceiling
    beside the clustering scores): ``{level: {name: {target: {accuracy, accuracy_sd, accuracy_ci95,
    majority, seeds}}}}``, the mean over distinct training seeds."""
    from joblib import Parallel, delayed

    jobs = []
    for group in grouped(reps):
        members = distinct_seeds(group)
        for target, truth in targets.items():
            ids = members[0].keys["track_id"].to_numpy()
            labels = truth.reindex(ids).to_numpy()
            jobs += [((members[0].level, members[0].name, target),
                      delayed(_probe)(rep.features, labels, ids, folds=folds, seed=seed)) for rep in members]
    results = Parallel(n_jobs=n_jobs)(job for _, job in tqdm(jobs, desc="probes", unit="probe", disable=not progress))
    by_key: dict = {}
    for (key, _), result in zip(jobs, results):
        by_key.setdefault(key, []).append(result)
    out: dict = {}
    for (level, name, target), results in by_key.items():
        node_of = out.setdefault(level, {}).setdefault(name, {})
        skipped = [r for r in results if isinstance(r, str)]
        if skipped:
            node_of[target] = {"skipped": skipped[0]}
            continue
        accuracy = spread([r["accuracy"] for r in results])
        node = {"accuracy": accuracy["mean"], "majority": float(np.mean([r["majority"] for r in results])),
                "balanced_accuracy": float(np.mean([r["balanced_accuracy"] for r in results])),
                "folds": int(results[0]["folds"]), "seeds": len(results)}
        if len(results) > 1:
            node["accuracy_sd"], node["accuracy_ci95"] = accuracy["sd"], accuracy["ci95"]
        node_of[target] = _rounded(node)
    return out


def _probe(features, labels, groups, *, folds: int, seed: int) -> dict | str:
    """:func:`linear_probe`, or the reason it cannot run (a class with too few songs)."""
    try:
        return linear_probe(features, labels, groups, folds=folds, seed=seed)
    except ValueError as err:
        return str(err)


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


def disentanglement(corpus: Corpus, targets: dict[str, pd.Series], *, seed: int, floor_draws: int,
                    n_jobs: int = 1, progress: bool = True) -> dict:
    """MIG, DCI and SAP of every model's latent code (and of the clip statistics, as a baseline; at
    track level also the lyrics and each code + lyrics) against the labels
    (language, genre), per level, each the mean over the model's distinct training seeds with its sd
    and 95% t-interval (``<score>_sd``, ``<score>_ci95``; none for one seed), ``seeds``, and the
    floor: the mean and 95th percentile of random N(0, I) codes of the same rows and width
    (``<score>_floor_mean``, ``<score>_floor_p95``). Train/test splits keep each song on one side.
    The scorings run in ``n_jobs`` processes; each is seeded, so the numbers do not depend on it.

    With a single label, DCI disentanglement says nothing (one factor is always "disentangled")
    and is left out.
    """
    factors = [t for t in ("language", "genre") if t in targets]
    if not factors:
        return {}
    sources = _audio_sources(corpus)
    by_code = _audio_codes(sources)
    if corpus.lyrics is not None and len(corpus.lyrics):
        by_code.update({("track", name): per_seed for name, per_seed in _hybrid_codes(corpus, sources).items()})
    return _score_codes(by_code, targets, factors, seed=seed, floor_draws=floor_draws, n_jobs=n_jobs,
                        progress=progress)


def _audio_sources(corpus: Corpus) -> dict:
    """Every model's latents and the clip statistics. Pixels are not a code: 16,384 axes would be
    scored through principal components, at a cost beyond every code's together; the clip
    statistics are the untrained baseline."""
    sources = {**corpus.latents, **corpus.clipstats}
    sources.pop("raw", None)
    return sources


def _audio_codes(sources: dict) -> dict[tuple[str, str], list]:
    """``(level, name) -> [(track ids, codes)]`` per training seed of every source, per level."""
    by_code: dict[tuple[str, str], list] = {}
    for name in sorted(sources):
        for level in ("chunk", "track"):
            per_seed = []
            for _, rows, codes in split_seeds(*sources[name]):
                mask = (rows["level"] == level).to_numpy()
                if mask.any():
                    per_seed.append((rows.loc[mask, "track_id"].reset_index(drop=True), codes[mask]))
            if per_seed:
                by_code[(level, name)] = per_seed
    return by_code


def factor_labels(factors: pd.DataFrame, bins: int) -> dict[str, pd.Series]:
    """Each generator factor as a discrete label per track (index ``track_id``): a real-valued one
    with more than ``bins`` values in ``bins`` quantile bins over the songs (no label is read), the
    others as they are; a factor with one value over the songs says nothing and is left out."""
    frame = factors.set_index("track_id")
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column) and column.nunique() > bins:
            column = pd.qcut(column, bins, labels=False, duplicates="drop")
        if column.nunique() > 1:
            out[name] = column.astype(str)
    return out


def factor_disentanglement(corpus: Corpus, targets: dict[str, pd.Series], factors: pd.DataFrame, *, bins: int,
                           seed: int, floor_draws: int, n_jobs: int = 1, progress: bool = True) -> dict:
    """MIG, DCI and SAP of every audio code (each model's latent and the clip statistics, per
    level) against the language, the genre and the per-song factors a generator drew
    (:func:`factor_labels`), with the random-code floor of the same size, as :func:`disentanglement`;
    ``factors`` names each factor with its number of values. Empty for a corpus without factors."""
    drawn = factor_labels(factors, bins)
    if not drawn:
        return {}
    labels = {**{t: targets[t] for t in ("language", "genre") if t in targets}, **drawn}
    scores = _score_codes(_audio_codes(_audio_sources(corpus)), labels, list(labels), seed=seed,
                          floor_draws=floor_draws, n_jobs=n_jobs, progress=progress)
    return {"factors": {name: int(values.nunique()) for name, values in labels.items()}, "bins": bins, **scores}


def _hybrid_codes(corpus: Corpus, sources: dict) -> dict[str, list]:
    """Track-level codes of the lyrics alone and of each code fused with them (the study's post-hoc
    hybrid: standardised blocks side by side, so every axis is still one model's or one lyric
    dimension), against which a joint latent is judged; rows in track order, so the scores'
    train/test split does not depend on file order."""
    codes = {"lyrics": [(corpus.lyric_ids, corpus.lyrics)]}
    for name in sorted(sources):
        codes[f"{name}+lyrics"] = []
        for _, rows, z in split_seeds(*sources[name]):
            keys, x = level_rows(rows, z, "track", corpus.track_pooling)
            fused_keys, fused = fuse(keys, x, corpus.lyric_ids, corpus.lyrics)
            codes[f"{name}+lyrics"].append((fused_keys["track_id"], fused))
    out = {}
    for name, per_seed_codes in codes.items():
        out[name] = []
        for ids, code in per_seed_codes:
            order = np.argsort(np.asarray(ids), kind="stable")
            out[name].append((pd.Series(np.asarray(ids)[order]), code[order]))
    return out


def _score_codes(codes: dict[tuple[str, str], list], targets: dict[str, pd.Series], factors: list[str], *,
                 seed: int, floor_draws: int, n_jobs: int, progress: bool) -> dict:
    """MIG, DCI and SAP of each distinct training seed's ``(track ids, codes)`` of every
    ``(level, name)``, summarised over the seeds (:func:`_summarise`), with the random-code floor of
    the same rows and width (one per rows and width); DCI disentanglement is left out for a single
    factor."""
    from joblib import Parallel, delayed

    jobs, seen = [], {}
    for key, per_seed in codes.items():
        distinct: list[np.ndarray] = []
        for ids, code in per_seed:
            if not any(code.shape == c.shape and np.array_equal(code, c) for c in distinct):
                distinct.append(code)
                labels = {t: targets[t].reindex(ids).to_numpy() for t in factors}
                jobs.append((key, "code", delayed(disentanglement_scores)(code, labels, seed=seed,
                                                                           groups=np.asarray(ids))))
        ids, code = per_seed[0]
        floor_key = (tuple(np.asarray(ids).tolist()), code.shape[1])
        seen.setdefault(floor_key, []).append(key)
        if len(seen[floor_key]) == 1:
            labels = {t: targets[t].reindex(ids).to_numpy() for t in factors}
            jobs.append((floor_key, "floor", delayed(random_code_floor)(len(ids), code.shape[1], labels, seed=seed,
                                                                        groups=np.asarray(ids), draws=floor_draws)))
    results = Parallel(n_jobs=n_jobs)(job for _, _, job in tqdm(jobs, desc="disentanglement", unit="scoring",
                                                                   disable=not progress))
    per_code: dict = {}
    floors: dict = {}
    for (key, what, _), result in zip(jobs, results):
        if what == "floor":
            floors[key] = result
        else:
            if len(factors) == 1:
                result.pop("dci_disentanglement")
            per_code.setdefault(key, []).append(result)
    out: dict = {}
    for floor_key, keys in seen.items():
        for level, name in keys:
            node = _summarise(per_code[(level, name)])
            for score in per_code[(level, name)][0]:
                node[f"{score}_floor_mean"] = round(float(floors[floor_key][score]["mean"]), 6)
                node[f"{score}_floor_p95"] = round(float(floors[floor_key][score]["p95"]), 6)
            out.setdefault(level, {})[name] = node
    return {level: dict(sorted(names.items())) for level, names in sorted(out.items())}


def _summarise(per_seed: list[dict]) -> dict:
    """``{score: mean, score_sd, score_ci95, seeds}`` over seeds, rounded to 6 decimals."""
    out: dict = {"seeds": len(per_seed)}
    for score in per_seed[0]:
        s = spread([scores[score] for scores in per_seed])
        out[score] = round(s["mean"], 6)
        if not np.isnan(s["sd"]):
            out[f"{score}_sd"], out[f"{score}_ci95"] = round(s["sd"], 6), round(s["ci95"], 6)
    return out
