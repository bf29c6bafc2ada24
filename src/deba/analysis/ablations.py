"""DEBA's ablations: sliding window versus full history, and the cooldown sweep.

Each DEBA variant is compared with the fixed baseline like any method (`comparisons.compare`); here the
variants are ordered by their settings (read from each run's config.json, not parsed from names) and two
paired contrasts are formed, matching the paper's ablation claims:
- window: sliding window (any finite W) minus full history, at the main variant's cooldown;
- cooldown: cooldowns >= 5 minus cooldowns < 5 (each side averaged per cell and seed), at the main window.
Only runs with the main run's decision rule take part (the sensitivity sweep varies the rule, not these).
Each contrast also counts the (cell, seed) pairs in which either side changed the batch and those in which
the two sides' batch-size trajectories differ: an ablation whose sides decide alike tests nothing.
"""

from __future__ import annotations

import pandas as pd

from deba.analysis.comparisons import CELL, RULE_SETTINGS, contrast

SUFFICIENT_COOLDOWN = 5  # the paper: "sufficient cooldown periods (5+ epochs)"


def ablation_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """DEBA rows of the comparison table with the main decision rule, ordered by window then cooldown."""
    deba = comparisons[main_rule_runs(comparisons)].copy()
    deba["window_order"] = deba["window"].map(lambda w: float("inf") if str(w) == "full" else float(w))
    deba = deba.sort_values(["dataset", "arch", "window_order", "cooldown", "variant"], kind="stable")
    return deba.drop(columns="window_order").reset_index(drop=True)


def _main_setting(pairs: pd.DataFrame, column: str):
    main = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")][column]
    return main.mode().iloc[0] if len(main) else None


def sensitivity_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The reconstruction-sensitivity sweep: DEBA rows of the cells where other decision rules ran, the main
    rule's first, then by rule and its settings."""
    deba = comparisons[comparisons["scheduler"] == "deba"]
    swept = deba[~main_rule_runs(comparisons)[deba.index]] if len(deba) else deba
    cells = swept[CELL].drop_duplicates()
    rows = deba.merge(cells, on=CELL) if len(cells) else deba.iloc[0:0]
    rows = rows[rows["variant"].eq("main") | ~main_rule_runs(rows)]
    order = [column for column in RULE_SETTINGS if column in rows]
    rows = rows.assign(is_main=rows["variant"] != "main").sort_values(CELL + ["is_main", *order, "variant"])
    return rows.drop(columns="is_main").reset_index(drop=True)


def main_rule_runs(pairs: pd.DataFrame) -> pd.Series:
    """A mask of the DEBA rows whose decision rule is the main run's (all DEBA rows if the columns are absent)."""
    deba = pairs["scheduler"] == "deba"
    settings = [column for column in RULE_SETTINGS if column in pairs]
    main = pairs[deba & (pairs["variant"] == "main")]
    if not settings or main.empty:
        return deba
    same = deba.copy()
    for column in settings:
        text = pairs[column].map(lambda value: "" if pd.isna(value) else str(value))  # NaN compares equal
        same &= text == text[main.index].mode().iloc[0]
    return same


def decision_counts(pairs: pd.DataFrame, better: pd.Series, worse: pd.Series) -> dict[str, int]:
    """(cell, seed) pairs of the two sides where either changed the batch, and where their trajectories differ."""
    keys = CELL + ["seed"]
    a = pairs[better].groupby(keys).agg(changes_a=("batch_changes", "sum"), trajectories_a=("trajectory", tuple))
    b = pairs[worse].groupby(keys).agg(changes_b=("batch_changes", "sum"), trajectories_b=("trajectory", tuple))
    joined = a.join(b, how="inner")
    changed = (joined["changes_a"] + joined["changes_b"]) > 0
    different = [set(x) != set(y) for x, y in zip(joined["trajectories_a"], joined["trajectories_b"])]
    return {"n_changed": int(changed.sum()), "n_different": int(sum(different))}


def ablation_contrasts(pairs: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """The window and cooldown contrasts (accuracy change and speedup differences, with intervals)."""
    deba = pairs[main_rule_runs(pairs)]
    main_window, main_cooldown = _main_setting(pairs, "window"), _main_setting(pairs, "cooldown")
    rows = []
    if main_cooldown is not None:
        at_cooldown = deba["cooldown"] == main_cooldown
        sliding = at_cooldown & (deba["window"].astype(str) != "full")
        full = at_cooldown & (deba["window"].astype(str) == "full")
        rows.append({"ablation": "window", "better": "sliding window", "worse": "full history",
                     **contrast(deba, sliding, full, **kwargs), **decision_counts(deba, sliding, full)})
    if main_window is not None:
        at_window = deba["window"].astype(str) == str(main_window)
        long = at_window & (deba["cooldown"] >= SUFFICIENT_COOLDOWN)
        short = at_window & (deba["cooldown"] < SUFFICIENT_COOLDOWN)
        rows.append({"ablation": "cooldown", "better": f"cooldown >= {SUFFICIENT_COOLDOWN}",
                     "worse": f"cooldown < {SUFFICIENT_COOLDOWN}", **contrast(deba, long, short, **kwargs),
                     **decision_counts(deba, long, short)})
    return pd.DataFrame(rows)
