"""Statistics of the study: smells per KLOC by group, the idiom mix, stage densities, mapping accuracy.

Every test comes from scipy.stats and every interval and effect size from ``paperkit.stats``:
- per idiom and in total (with and without the dominant assign-multiple-targets): Mann-Whitney U (two-sided),
  Cliff's delta (ML vs non-ML, positive = ML denser) with a bootstrap interval, Holm across the nine idioms;
- the idiom mix: chi-square test of independence (group x idiom counts) with Cramer's V;
- the smallest effect the corpus can detect (Noether's approximation for the Mann-Whitney test);
- stages (ML projects): findings per KLOC of the code each stage owns, and a goodness-of-fit test of
  "findings are spread over stages like code is".
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from paperkit.stats import bootstrap_ci, cliffs_delta_ci, holm, mean_ci
from smells.findings import DOMINANT_IDIOM, IDIOMS
from smells.stages import STAGES

TOTAL = "total"
TOTAL_WITHOUT = f"total without {DOMINANT_IDIOM}"


def densities(projects: pd.DataFrame, min_kloc: float) -> pd.DataFrame:
    """One row per project with at least ``min_kloc`` KLOC: group and smells per KLOC per idiom and in total."""
    kept = projects[projects["kloc"] >= min_kloc].copy()
    out = kept[["project", "group", "kloc"]].copy()
    for idiom in IDIOMS:
        out[idiom] = kept[f"n_{idiom}"] / kept["kloc"]
    out[TOTAL] = out[list(IDIOMS)].sum(axis=1)
    out[TOTAL_WITHOUT] = out[TOTAL] - out[DOMINANT_IDIOM]
    return out.reset_index(drop=True)


def compare_groups(density: pd.DataFrame, *, n_resamples: int, seed: int) -> pd.DataFrame:
    """ML vs non-ML for each idiom and the two totals: medians, U, p, Holm-adjusted p, Cliff's delta + CI."""
    ml = density[density["group"] == "ML"]
    non = density[density["group"] == "non-ML"]
    rows = []
    for measure in (*IDIOMS, TOTAL, TOTAL_WITHOUT):
        x, y = ml[measure].to_numpy(float), non[measure].to_numpy(float)
        if len(x) and len(y) and np.ptp(np.concatenate([x, y])) > 0:
            test = stats.mannwhitneyu(x, y, alternative="two-sided")
            u, p = float(test.statistic), float(test.pvalue)
        else:  # an empty group, or every density equal (all zero): no test
            u, p = math.nan, math.nan
        delta, low, high = cliffs_delta_ci(x, y, n_resamples=n_resamples, seed=seed)
        rows.append({
            "measure": measure, "n_ml": len(x), "n_non_ml": len(y),
            "median_ml": float(np.median(x)) if len(x) else math.nan,
            "median_non_ml": float(np.median(y)) if len(y) else math.nan,
            "mean_ml": float(np.mean(x)) if len(x) else math.nan,
            "mean_non_ml": float(np.mean(y)) if len(y) else math.nan,
            "u": u, "p": p, "delta": delta, "delta_low": low, "delta_high": high,
        })
    table = pd.DataFrame(rows)
    is_idiom = table["measure"].isin(IDIOMS)
    table["p_holm"] = math.nan
    table.loc[is_idiom, "p_holm"] = holm(table.loc[is_idiom, "p"].tolist())
    table.loc[~is_idiom, "p_holm"] = holm(table.loc[~is_idiom, "p"].tolist())
    return table


def idiom_mix(projects: pd.DataFrame, *, without_dominant: bool) -> dict:
    """Chi-square test of independence between group and idiom over all findings, with Cramer's V."""
    idioms = [i for i in IDIOMS if not (without_dominant and i == DOMINANT_IDIOM)]
    counts = projects.groupby("group")[[f"n_{i}" for i in idioms]].sum()
    counts = counts.loc[:, counts.sum(axis=0) > 0]
    n = int(counts.to_numpy().sum())
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return {"chi2": math.nan, "dof": 0, "p": math.nan, "cramers_v": math.nan, "n": n}
    chi2, p, dof, _ = stats.chi2_contingency(counts.to_numpy())
    v = math.sqrt(chi2 / (n * (min(counts.shape) - 1)))
    return {"chi2": float(chi2), "dof": int(dof), "p": float(p), "cramers_v": v, "n": n}


def smallest_detectable_delta(n_ml: int, n_non_ml: int, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest |Cliff's delta| a two-sided Mann-Whitney test detects with this power (Noether, 1987).

    Noether: N = (z_{1-alpha/2} + z_power)^2 / (12 c (1 - c) (AUC - 1/2)^2) with c = n_ml / N; solved for
    AUC and converted with delta = 2 AUC - 1.
    """
    total = n_ml + n_non_ml
    if n_ml == 0 or n_non_ml == 0:
        return math.nan
    c = n_ml / total
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return min(1.0, 2 * z / math.sqrt(12 * c * (1 - c) * total))


def stage_table(findings: pd.DataFrame, scopes: pd.DataFrame, *, n_resamples: int, seed: int) -> pd.DataFrame:
    """Per stage: findings, code lines, share of each, findings per KLOC with a bootstrap interval over files.

    ``findings`` and ``scopes`` carry a ``stage`` column and are already restricted to ML projects.
    """
    rows = []
    total_findings = max(len(findings), 1)
    total_lines = max(int(scopes["code_lines"].sum()), 1)
    for stage in STAGES:
        stage_scopes = scopes[scopes["stage"] == stage]
        stage_findings = findings[findings["stage"] == stage]
        lines = int(stage_scopes["code_lines"].sum())
        count = len(stage_findings)
        # Ratio estimator over files (the resampling unit): sum of findings / sum of KLOC.
        file_lines = stage_scopes.groupby(["project", "path"])["code_lines"].sum()
        file_lines = file_lines[file_lines > 0]
        file_counts = stage_findings.groupby(["project", "path"]).size().reindex(file_lines.index, fill_value=0)
        if len(file_lines) >= 2:
            low, high = bootstrap_ci((file_counts.to_numpy(float), file_lines.to_numpy(float)), _ratio_per_kloc,
                                     paired=True, n_resamples=n_resamples, seed=seed, method="percentile")
        else:
            low = high = math.nan
        rows.append({
            "stage": stage, "findings": count, "code_lines": lines,
            "share_findings": count / total_findings, "share_code": lines / total_lines,
            "per_kloc": count / (lines / 1000) if lines else math.nan, "per_kloc_low": low, "per_kloc_high": high,
        })
    table = pd.DataFrame(rows)
    table["over_representation"] = table["share_findings"] / table["share_code"].replace(0, math.nan)
    return table


def _ratio_per_kloc(counts, lines, axis=-1):
    return np.sum(counts, axis=axis) / (np.sum(lines, axis=axis) / 1000)


def stage_fit(stage_rows: pd.DataFrame) -> dict:
    """Goodness of fit: are findings spread over stages in proportion to code lines? (chi-square)."""
    used = stage_rows[stage_rows["code_lines"] > 0]
    observed = used["findings"].to_numpy(float)
    if len(used) < 2 or observed.sum() == 0:
        return {"chi2": math.nan, "p": math.nan, "dof": 0}
    expected = used["code_lines"].to_numpy(float)
    expected = expected / expected.sum() * observed.sum()
    chi2, p = stats.chisquare(observed, expected)
    return {"chi2": float(chi2), "p": float(p), "dof": len(used) - 1}


def stage_idiom_density(findings: pd.DataFrame, scopes: pd.DataFrame) -> pd.DataFrame:
    """Idiom x stage matrix of findings per KLOC of the stage's code (the heatmap)."""
    kloc = scopes.groupby("stage")["code_lines"].sum().reindex(list(STAGES), fill_value=0) / 1000
    counts = pd.crosstab(findings["idiom"], findings["stage"]).reindex(
        index=list(IDIOMS), columns=list(STAGES), fill_value=0)
    return counts.div(kloc.replace(0, math.nan), axis=1)


def mapping_accuracy(labelled: pd.DataFrame, predicted: list[str], *, n_resamples: int, seed: int) -> dict:
    """Accuracy of the stage rules against hand labels, with a bootstrap interval, and Cohen's kappa."""
    truth = labelled["stage"].tolist()
    correct = np.array([a == b for a, b in zip(truth, predicted)], dtype=float)
    accuracy, low, high = mean_ci(correct, n_resamples=n_resamples, seed=seed)
    labels = sorted(set(truth) | set(predicted))
    observed = correct.mean()
    expected = sum((truth.count(s) / len(truth)) * (predicted.count(s) / len(predicted)) for s in labels)
    kappa = (observed - expected) / (1 - expected) if expected < 1 else math.nan
    return {"n": len(truth), "accuracy": accuracy, "low": low, "high": high, "kappa": kappa}


def classifier_disagreements(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects whose import-based group disagrees with the PyPI AI trove classifier."""
    is_ml = projects["group"] == "ML"
    disagree = projects[is_ml != projects["ai_classifier"].astype(bool)]
    return disagree[["project", "version", "group", "ml_imports", "ai_classifier"]].reset_index(drop=True)


def group_study(projects: pd.DataFrame, *, min_kloc: float, n_resamples: int, seed: int) -> dict:
    """The ML vs non-ML study of a scan's project table: densities, tests, idiom mix, power, disagreements.

    Returns ``density``, ``comparison`` and ``disagreements`` (DataFrames) and ``tests`` (the mix and power
    figures as a JSON-ready dict). The power statement is for the group sizes that enter the tests.
    """
    density = densities(projects, min_kloc)
    kept = projects[projects["project"].isin(density["project"])]
    n_ml, n_non = int((density["group"] == "ML").sum()), int((density["group"] == "non-ML").sum())
    tests = {
        "mix": idiom_mix(kept, without_dominant=False),
        "mix_without": idiom_mix(kept, without_dominant=True),
        "power": {"n_ml": n_ml, "n_non_ml": n_non, "alpha": 0.05, "power": 0.8,
                  "delta": smallest_detectable_delta(n_ml, n_non),
                  "delta_holm": smallest_detectable_delta(n_ml, n_non, alpha=0.05 / len(IDIOMS))},
    }
    return {"density": density, "comparison": compare_groups(density, n_resamples=n_resamples, seed=seed),
            "tests": tests, "disagreements": classifier_disagreements(projects)}


def stage_study(projects: pd.DataFrame, scopes: pd.DataFrame, findings: pd.DataFrame, labels: pd.DataFrame, *,
                n_resamples: int, seed: int) -> dict:
    """Stages of the ML projects' code: the stage table, the idiom x stage matrix and the mapping's accuracy.

    Every scope of an ML project gets a stage (``smells.stages``); each finding takes the stage of its scope
    (joined on project, path and scope id). Accuracy is against the hand labels, on all and on the held-out
    half. Returns ``table``, ``matrix`` (DataFrames) and ``accuracy`` (JSON-ready dict).
    """
    from smells.stages import map_scopes, map_stage

    ml = set(projects.loc[projects["group"] == "ML", "project"])
    scopes = scopes[scopes["project"].isin(ml)].copy()
    scopes["stage"] = map_scopes(scopes)
    keys = ["project", "path", "scope_id"]
    findings = findings[findings["project"].isin(ml)].merge(scopes[[*keys, "stage"]], on=keys, how="left",
                                                             validate="many_to_one")
    table = stage_table(findings, scopes, n_resamples=n_resamples, seed=seed)
    predicted = [map_stage(r.function if r.function != "<module>" else "", r.class_name, r.path, r.calls.split())
                 for r in labels.itertuples()]
    held_out = (labels["split"] == "held-out").to_numpy()
    accuracy = {
        "all": mapping_accuracy(labels, predicted, n_resamples=n_resamples, seed=seed),
        "held_out": mapping_accuracy(labels[held_out], [p for p, h in zip(predicted, held_out) if h],
                                     n_resamples=n_resamples, seed=seed),
        "fit": stage_fit(table),
    }
    return {"table": table, "matrix": stage_idiom_density(findings, scopes), "accuracy": accuracy}
