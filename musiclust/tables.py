"""The report's Markdown tables: scores with their intervals, chance marks and tests, the study's
tables, disentanglement, probes, the joint model's table and the KL use of every VAE."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from . import plots

# Internal indices (silhouette, Calinski-Harabasz, Davies-Bouldin) are computed in each
# representation's own space, so they are kept in the metrics files but never put side by
# side to rank representations.
TABLE_METRICS = [("nmi", "NMI"), ("ari", "ARI"), ("accuracy", "acc.")]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#!])")


def markdown_text(text) -> str:
    """Text from a corpus (a file name, a decoder's message) as inert Markdown: HTML escaped,
    Markdown's own characters backslash-escaped, on one line."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


CHANCE_MARK = "†"  # the score is not shown above its song-level permutation null
ALPHA = 0.05


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def format_score(value: float, ci: float | None = None, null_p95: float | None = None, *, q: float | None = None,
                 boot: tuple[float, float] | None = None) -> str:
    """``0.49 ± 0.08 [0.41, 0.55]``: the 95% t-interval over training seeds whenever there is one
    (also when it is 0.00), the song bootstrap's 95% interval in brackets where given; ``†`` where
    the Benjamini-Hochberg q-value of the score's null is above 0.05 (given ``q``) or, without
    one, where the score is at or below its null's 95th percentile."""
    if _missing(value):
        return "–"
    text = f"{value:.2f}"
    if not _missing(ci):
        text += f" ± {ci:.2f}"
    if boot is not None and not any(_missing(b) for b in boot):
        text += f" [{boot[0]:.2f}, {boot[1]:.2f}]"
    if not _missing(q):
        if q > ALPHA:
            text += f" {CHANCE_MARK}"
    elif not _missing(null_p95) and value <= null_p95:
        text += f" {CHANCE_MARK}"
    return text


def score_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """The rows of a long score table that are scores (not nulls, p- or q-values, floors)."""
    return scores[scores["seeds"].notna()]


def results_table(scores: pd.DataFrame, *, algorithm: str, level: str, targets: list[str],
                  representations: list[str] | None = None) -> str:
    """One Markdown table: a row per representation with the number of clusterings its scores
    are over (training seeds x clustering seeds), NMI/ARI/accuracy per target, each score with
    its interval and, where it does not clear its permutation null, ``†``.

    Parameters
    ----------
    scores : the long score table (metrics.SCORE_COLUMNS)
    """
    s = scores[(scores["algorithm"] == algorithm) & (scores["level"] == level)]
    present = set(s["representation"])
    reps = [r for r in (representations or sorted(present)) if r in present]
    header = ["representation", "runs"] + [f"{t} {label}" for t in targets for _, label in TABLE_METRICS]
    index = s.set_index(["representation", "target", "metric"])
    counted = score_rows(s).groupby("representation")[["seeds", "runs"]].max()
    header.insert(1, "seeds")
    rows = [[f"`{rep}`", str(int(counted.loc[rep, "seeds"])), str(int(counted.loc[rep, "runs"]))]
            + [score_cell(index, (rep, t), metric) for t in targets for metric, _ in TABLE_METRICS]
            for rep in reps]
    return markdown_table(header, rows)


SPLIT_NAMES = {"test": "test songs", "train": "training songs (in-sample)", "validation": "validation songs"}


def split_table(scores: pd.DataFrame, other: pd.DataFrame, *, targets: list[str], representations: list[str],
                algorithm: str = "kmeans", level: str = "track", metric: str = "ami") -> str:
    """One Markdown table of a score on each split: a row per representation, for each target the
    test songs' score (out of sample, the headline) beside the training songs' (in-sample) and the
    validation songs'. ``other``: the other splits' long score table (a ``split`` column). AMI by
    default: adjusted for chance, it can be compared across splits of different sizes (NMI grows
    as the items get fewer)."""
    tables = {"test": scores, **{name: part.drop(columns="split") for name, part in other.groupby("split")}}
    splits = [name for name in SPLIT_NAMES if name in tables]
    indexed = {name: t[(t["algorithm"] == algorithm) & (t["level"] == level)].set_index(
        ["representation", "target", "metric"]) for name, t in tables.items()}
    present = set(indexed["test"].index.get_level_values(0))
    header = ["representation"] + [f"{t} {metric.upper()}, {name}" for t in targets for name in splits]
    rows = [[f"`{rep}`"] + [score_cell(indexed[name], (rep, t), metric) for t in targets for name in splits]
            for rep in representations if rep in present]
    return markdown_table(header, rows)


def score_cell(index: pd.DataFrame, key: tuple, metric: str) -> str:
    """``format_score`` of ``key + (metric,)`` in a long score table indexed by its key columns and
    ``metric``, with its interval and its null's 95th percentile; "–" where it is missing."""
    if key + (metric,) not in index.index:
        return "–"
    row, null, q = index.loc[key + (metric,)], key + (f"{metric}_null_p95",), key + (f"{metric}_q",)
    p95 = float(index.loc[null, "value"]) if null in index.index else None
    return format_score(float(row["value"]), float(row["ci95"]), p95,
                        q=float(index.loc[q, "value"]) if q in index.index else None,
                        boot=(float(row["boot_lo"]), float(row["boot_hi"])))


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of string cells."""
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(r) + " |" for r in rows])


# The study's reported table (chunks, KMeans k = 2, against language), as published: its
# method, ARI and NMI (None: not reported), keyed by our representation of the same method.
STUDY_LANGUAGE_CHUNKS = {
    "{headline}+lyrics": ("hybrid beta-VAE", 1.00, 1.00), "pca": ("PCA (64)", 0.00, 0.00),
    "dense_ae": ("dense AE", 0.02, 0.02), "raw": ("raw spectrogram", 0.00, 0.00),
    "{headline}": ("audio-only latent", 0.01, None), "lyrics": ("lyrics-only", 1.00, None),
    "clipstats": ("mel statistics", None, None),
}


def study_table(scores: pd.DataFrame, headline: str) -> str:
    """The study's table (chunks, KMeans k = 2, against language) beside ours on the same
    representations, with the 95th percentile of our NMI's permutation null. A representation
    that exists per track only (the clip statistics) is scored per track, and says so."""
    s = scores[(scores["algorithm"] == "kmeans") & (scores["target"] == "language")]
    index = s.set_index(["level", "representation", "metric"])
    rows = []
    for key, (method, ari, nmi) in STUDY_LANGUAGE_CHUNKS.items():
        rep = key.format(headline=headline)
        per_track = ("chunk", rep, "nmi") not in index.index and ("track", rep, "nmi") in index.index
        level = "track" if per_track else "chunk"
        null = (level, rep, "nmi_null_p95")
        rows.append([method, "–" if ari is None else f"{ari:.2f}", "–" if nmi is None else f"{nmi:.2f}",
                     f"`{rep}`" + (" (tracks)" if per_track else ""), score_cell(index, (level, rep), "ari"),
                     score_cell(index, (level, rep), "nmi"),
                     f"{float(index.loc[null, 'value']):.2f}" if null in index.index else "–"])
    return markdown_table(["study's method", "study ARI", "study NMI", "ours", "ARI", "NMI", "chance NMI p95"],
                           rows)


DISENTANGLEMENT_SCORES = [("mig", "MIG"), ("dci_disentanglement", "DCI D"), ("dci_completeness", "DCI C"),
                          ("dci_informativeness", "DCI I"), ("sap", "SAP")]


def disentanglement_cell(values: dict, score: str) -> str:
    """``0.05 ± 0.01 (0.04)``: the score over training seeds and, in brackets, the 95th percentile of
    random codes of the same rows and width; ``†`` where the score does not clear it."""
    if score not in values:
        return "–"
    floor = values.get(f"{score}_floor_p95")
    text = format_score(values[score], values.get(f"{score}_ci95"), floor)
    return text if floor is None else f"{text} ({floor:.2f})"


def disentanglement_table(scores: dict) -> str:
    """MIG, DCI and SAP of each code (``{name: {score, score_ci95, score_floor_p95, seeds}}``, one
    level of ``disentanglement.json``): mean ± 95% interval over its training seeds, with the
    random-code floor."""
    rows = [[f"`{name}`", str(values.get("seeds", 1))] + [disentanglement_cell(values, k) for k, _ in DISENTANGLEMENT_SCORES]
            for name, values in sorted(scores.items())]
    return markdown_table(["code", "seeds"] + [label for _, label in DISENTANGLEMENT_SCORES], rows)


def claims_lines(claims: dict) -> list[str]:
    """The comparisons of ``claims.json`` as sentences, one bullet each, and how they were tested."""
    settings, items = claims.get("settings", {}), claims.get("claims", [])
    if not items:
        return []
    return [f"Each comparison is a test on training-seed means of {settings['algorithm']} "
            f"{settings['metric'].upper()} ({settings['level']} level): paired where both sides share training "
            "seeds, Welch otherwise, one-sample against a representation that trains nothing; "
            f"{settings['correction']}; \"level with\" only where an equivalence test at "
            f"±{settings['equivalence_margin']:g} says so.", ""] + [f"- {c['sentence']}" for c in items]


def probes_table(probes: dict, order: list[str], targets: list[str]) -> str:
    """Linear-probe accuracy per representation (rows) and label (columns), with the majority-class
    rate of the same folds in brackets."""
    def cell(node):
        if not node or "accuracy" not in node:
            return "–"
        return f"{format_score(node['accuracy'], node.get('accuracy_ci95'))} ({node['majority']:.2f})"
    names = [n for n in order if n in probes] + sorted(set(probes) - set(order))
    rows = [[f"`{n}`", str(max(v.get("seeds", 1) for v in probes[n].values()))]
            + [cell(probes[n].get(t)) for t in targets] for n in names]
    return markdown_table(["representation", "seeds"] + targets, rows)


def joint_table(scores: pd.DataFrame, disentanglement: dict, *, joint: str, headline: str,
                targets: list[str], baselines: list[str] = ()) -> str:
    """The joint model (every modality, and lyrics withheld) beside the post-hoc hybrid, its audio
    latent, the clip statistics and the lyrics: track-level KMeans NMI and ARI per target with their
    intervals and ``†``, and MIG and DCI disentanglement against (language, genre) (``disentanglement``:
    the track level of ``disentanglement.json``)."""
    s = scores[(scores["algorithm"] == "kmeans") & (scores["level"] == "track")]
    index = s.set_index(["representation", "target", "metric"])
    runs = score_rows(s).groupby("representation")["runs"].max()
    names = [joint, f"{joint}_audio", f"{headline}+lyrics", headline,
             *[name for b in baselines for name in (f"{b}+lyrics", b)], "clipstats", "lyrics"]
    scored = [("mig", "MIG"), ("dci_disentanglement", "DCI D")]
    rows = []
    for name in (n for n in names if n in runs.index):
        code = disentanglement.get(name, {})
        rows.append([f"`{name}`", str(int(runs[name]))]
                    + [score_cell(index, (name, t), m) for t in targets for m in ("nmi", "ari")]
                    + [format_score(code[k], code.get(f"{k}_ci95")) if k in code else "–" for k, _ in scored])
    return markdown_table(["representation", "runs"] + [f"{t} {m}" for t in targets for m in ("NMI", "ARI")]
                          + [label for _, label in scored], rows)


def representation_order(names, headline: str) -> list[str]:
    """Headline model and its fusion first, then the other models, lyrics last."""
    names = sorted(set(names))
    first = [n for n in (f"{headline}+lyrics", headline, "clipstats") if n in names]
    rest = [n for n in names if n not in first and n != "lyrics"]
    return first + rest + (["lyrics"] if "lyrics" in names else [])


def metric_bars_table(scores: pd.DataFrame, *, level: str, target: str,
                      order: list[str]) -> pd.DataFrame:
    """KMeans NMI, ARI and accuracy of each representation with their intervals and the 95th
    percentile of their permutation nulls (``null_p95``), in ``order``."""
    s = scores[(scores["algorithm"] == "kmeans") & (scores["level"] == level) & (scores["target"] == target)]
    p95 = s[s["metric"].str.endswith("_null_p95")].assign(metric=lambda f: f["metric"].str[: -len("_null_p95")])
    s = s[s["metric"].isin(["nmi", "ari", "accuracy"])].merge(
        p95[["representation", "metric", "value"]].rename(columns={"value": "null_p95"}),
        on=["representation", "metric"], how="left")
    s = s.assign(_o=s["representation"].map({r: i for i, r in enumerate(order)}))
    return s.sort_values(["_o", "metric"])[["representation", "metric", "value", "ci95", "null_p95"]]


KL_USED_NATS = 0.1    # a latent dimension carrying less KL than this (nats per chunk or track) is unused
KL_STRONG_NATS = 0.5  # one carrying more carries a clear signal


def kl_usage(history: pd.DataFrame, threshold: float = KL_USED_NATS, strong: float = KL_STRONG_NATS) -> dict:
    """The KL of a VAE's kept weights per training seed: the epoch with the lowest validation loss
    where the history has one (the weights the model keeps), else the last. Per seed: the total
    ``kl``, the dimensions above ``threshold`` and above ``strong`` nats, the share of the KL in the
    five largest dimensions (``top5_share``: how concentrated it is) and ``dims``."""
    columns = plots.kl_dim_columns(history)
    out = {}
    for seed, run in history.groupby("seed", sort=True):
        run = run.sort_values("epoch", kind="mergesort")
        last = run.loc[run["validation_total"].idxmin()] if "validation_total" in run else run.iloc[-1]
        kl = last[columns].to_numpy(dtype=float)
        total = float(kl.sum())
        out[int(seed)] = {"kl": float(last["kl"]), "dims_used": int((kl > threshold).sum()),
                          "dims_strong": int((kl > strong).sum()),
                          "top5_share": float(np.sort(kl)[::-1][:5].sum() / total) if total > 0 else 0.0,
                          "dims": len(columns)}
    return out


def kl_table(usage: dict, summary: dict) -> tuple[str, list[str]]:
    """The KL use and active units of every VAE, and a warning line for each posterior collapse.

    ``usage``: model -> :func:`kl_usage`; ``summary``: ``latents.json`` (active units: the dimensions
    whose posterior mean varies over the inputs, Var > 0.01, Burda et al.). A collapse is judged in
    nats: no dimension above :data:`KL_USED_NATS`, whatever the variance rule counts (a posterior
    mean can vary while carrying almost no information).
    """
    rows, warnings = [], []
    for model, seeds in usage.items():
        kls = [s["kl"] for s in seeds.values()]
        used = [s["dims_used"] for s in seeds.values()]
        strong = [s.get("dims_strong", 0) for s in seeds.values()]
        top5 = [s.get("top5_share", 0.0) for s in seeds.values()]
        units = summary.get(model, {})
        rows.append([f"`{model}`", str(len(seeds)), f"{np.mean(kls):.2f}",
                     f"{np.mean(used):.1f} (min {min(used)}) of {next(iter(seeds.values()))['dims']}",
                     f"{np.mean(strong):.1f} (min {min(strong)})", f"{np.mean(top5):.0%}",
                     f"{units['active_units']:.1f} (min {units['active_units_min']})" if units else "n/a"])
        collapsed = [seed for seed, s in seeds.items() if s["dims_used"] == 0]
        if collapsed:
            warnings.append(f"> **Warning: posterior collapse in `{model}`**: training seed(s) "
                            f"{', '.join(map(str, collapsed))} end with no latent dimension above "
                            f"{KL_USED_NATS:g} nats (active units by the variance rule, least over seeds: "
                            f"{units.get('active_units_min', 'n/a')}); its latent carries almost no information "
                            "about the input and its clusters are noise. Lower beta, or use a KL warm-up or capacity.")
    table = markdown_table(["model", "seeds", "KL (nats per chunk or track, mean over seeds)",
                            f"dimensions with KL > {KL_USED_NATS:g} nats", f"> {KL_STRONG_NATS:g} nats",
                            "KL in the 5 largest", "active units (Var E[z] > 0.01)"], rows)
    return table, warnings
