"""Comparisons between representations as tests, with the training seed as the unit.

A claim "A above B" is a test on the training-seed means of a score (each the mean over that
seed's clustering seeds, from the runs table of :mod:`musiclust.metrics`):

* both sides trained with the same seeds: a paired t-test on the per-seed differences;
* both with several seeds, not the same ones: Welch's t-test;
* one side deterministic (one value: the clip statistics, the lyrics, PCA whose randomized SVD
  gives every seed the same latents): a one-sample t-test of the other side's seed means
  against that value;
* both deterministic: no test (nothing varies); the claim says so.

The p-values of the claims a report makes are Holm-corrected together. "Level with" needs an
equivalence test (two one-sided tests at ``margin``, also Holm-corrected); a difference that is
neither shown nor ruled out is "no difference detected".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Comparison:
    a: str          # representation
    b: str
    target: str


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN kept as NaN)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adjusted
    return out


def seed_means(runs: pd.DataFrame, representation: str, *, algorithm: str, level: str, target: str,
               metric: str) -> pd.Series:
    """The mean over clustering seeds of ``metric`` per training seed (indexed by it)."""
    rows = runs[(runs["representation"] == representation) & (runs["algorithm"] == algorithm)
                & (runs["level"] == level) & (runs["target"] == target) & (runs["metric"] == metric)]
    return rows.groupby("train_seed", sort=True)["value"].mean()


def paired_test(a: pd.Series, b: pd.Series, *, margin: float) -> dict:
    """Test of a - b on training-seed means (see the module's rules): ``test``, ``n``, ``diff`` (mean
    difference), ``p`` (two-sided, difference) and ``p_equivalence`` (TOST at ``margin``; NaN where
    no test applies)."""
    a, b = a.astype(float), b.astype(float)
    diff = float(a.mean() - b.mean())
    nan = {"diff": diff, "p": np.nan, "p_equivalence": np.nan}
    if len(a) >= 2 and len(b) >= 2 and a.index.equals(b.index):
        d = (a - b).to_numpy()
        if np.all(d == d[0]):  # no spread: the t statistic is undefined
            return {**nan, "test": "paired t (no spread)", "n": len(d)}
        p = stats.ttest_1samp(d, 0.0).pvalue
        lower = stats.ttest_1samp(d, -margin, alternative="greater").pvalue
        upper = stats.ttest_1samp(d, margin, alternative="less").pvalue
        return {"test": "paired t", "n": len(d), "diff": diff, "p": float(p), "p_equivalence": float(max(lower, upper))}
    if len(a) >= 2 and len(b) >= 2:
        p = stats.ttest_ind(a, b, equal_var=False).pvalue
        lower = stats.ttest_ind(a + margin, b, equal_var=False, alternative="greater").pvalue
        upper = stats.ttest_ind(a - margin, b, equal_var=False, alternative="less").pvalue
        return {"test": "Welch t", "n": min(len(a), len(b)), "diff": diff, "p": float(p),
                "p_equivalence": float(max(lower, upper))}
    if len(a) >= 2 or len(b) >= 2:
        varied, fixed, sign = (a, float(b.iloc[0]), 1.0) if len(a) >= 2 else (b, float(a.iloc[0]), -1.0)
        d = sign * (varied.to_numpy() - fixed)
        if np.all(d == d[0]):
            return {**nan, "test": "one-sample t (no spread)", "n": len(d)}
        p = stats.ttest_1samp(d, 0.0).pvalue
        lower = stats.ttest_1samp(d, -margin, alternative="greater").pvalue
        upper = stats.ttest_1samp(d, margin, alternative="less").pvalue
        return {"test": "one-sample t", "n": len(d), "diff": diff, "p": float(p), "p_equivalence": float(max(lower, upper))}
    return {**nan, "test": "none (one training seed each)", "n": 1}


def verdict(diff: float, p_holm: float, p_equivalence_holm: float, *, alpha: float) -> str:
    """``above``, ``below``, ``level with`` or ``no difference detected``; ``not tested`` without a test."""
    if np.isnan(p_holm):
        return "not tested"
    if p_holm < alpha:
        return "above" if diff > 0 else "below"
    if p_equivalence_holm < alpha:
        return "level with"
    return "no difference detected"


def tested_claims(runs: pd.DataFrame, comparisons: list[Comparison], *, algorithm: str, level: str, metric: str,
                margin: float, alpha: float = 0.05) -> list[dict]:
    """Every comparison whose two representations and target the runs hold, tested and Holm-corrected
    together: one dict per claim with both means, the test, raw and adjusted p-values, the verdict
    and the sentence a report prints."""
    out = []
    for c in comparisons:
        means = {side: seed_means(runs, name, algorithm=algorithm, level=level, target=c.target, metric=metric)
                 for side, name in (("a", c.a), ("b", c.b))}
        if means["a"].empty or means["b"].empty:
            continue
        out.append({"a": c.a, "b": c.b, "target": c.target, "mean_a": float(means["a"].mean()),
                    "mean_b": float(means["b"].mean()), "seeds_a": len(means["a"]), "seeds_b": len(means["b"]),
                    **paired_test(means["a"], means["b"], margin=margin)})
    for key in ("p", "p_equivalence"):
        adjusted = holm([claim[key] for claim in out])
        for claim, value in zip(out, adjusted):
            claim[f"{key}_holm"] = float(value)
    for claim in out:
        claim["verdict"] = verdict(claim["diff"], claim["p_holm"], claim["p_equivalence_holm"], alpha=alpha)
        claim["sentence"] = sentence(claim, metric=metric, margin=margin)
    return out


def sentence(claim: dict, *, metric: str, margin: float) -> str:
    """The claim in words, with the numbers behind it."""
    a, b, target = f"`{claim['a']}`", f"`{claim['b']}`", claim["target"].replace("_", "×")
    numbers = f"{metric.upper()} {claim['mean_a']:.2f} vs {claim['mean_b']:.2f}"
    if claim["verdict"] == "not tested":
        return f"{a} vs {b} on {target}: {numbers}; not tested ({claim['test']})."
    test = f"{claim['test']} over {claim['n']} training seeds"
    if claim["verdict"] in ("above", "below"):
        return f"{a} is {claim['verdict']} {b} on {target} ({numbers}; {test}, Holm-adjusted p = {claim['p_holm']:.3g})."
    if claim["verdict"] == "level with":
        return (f"{a} is level with {b} on {target} within ±{margin:g} ({numbers}; equivalence {test}, "
                f"Holm-adjusted p = {claim['p_equivalence_holm']:.3g}).")
    return (f"{a} vs {b} on {target}: no difference detected ({numbers}; {test}, Holm-adjusted p = "
            f"{claim['p_holm']:.3g}; equivalence within ±{margin:g} not shown either).")
