"""DEBA's ablations: sliding window versus full history, and the cooldown sweep.

Each DEBA variant is compared with the fixed baseline like any method (`comparisons.compare`); here the
variants are ordered by their settings (read from each run's config.json, not parsed from names) and two
paired contrasts are formed, matching the paper's ablation claims:
- window: sliding window (any finite W) minus full history, at the main variant's cooldown;
- cooldown: cooldowns >= 5 minus cooldowns < 5 (each side averaged per cell and seed), at the main window.
Only runs with the main run's decision rule and reconstruction settings take part (the sensitivity sweep
varies those, not these). Each contrast also counts the (cell, seed) pairs in which either side changed the
batch and those in which the two sides' batch-size trajectories differ: an ablation whose sides decide alike
tests nothing.

The reconstruction-sensitivity sweep (config `sensitivity.variants`) varies DEBA's own choices one at a time:
any of `comparisons.RECONSTRUCTION_SETTINGS`, read from each run's config.json through runs.csv. The
sensitivity table has, per cell, the main run and each variant whose settings differ from it: which settings
differ (`changed`), how often and when the batch moved and in which direction (grows, roll-backs, roll-backs
the floor blocked, first change epoch), and the accuracy change and speedup against the fixed baseline with
their intervals. `sensitivity_conclusions` sets each variant's conclusions beside the main run's: does DEBA act,
in which direction, and what the interval says about accuracy and about the speedup every stored device
profile prices (device_pricing.csv); a conclusion survives a choice when both say the same.
"""

from __future__ import annotations

import math

import pandas as pd

from deba.analysis.comparisons import CELL, RECONSTRUCTION_SETTINGS, contrast, interpretable

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


def blocked_rollbacks(epochs: pd.DataFrame) -> pd.DataFrame:
    """Per DEBA run, the roll-backs its floor blocked: epochs decided `bound` below the batch cap (a grow is
    blocked only at the cap, so a bound decision below it is a roll-back the floor stopped)."""
    deba = epochs[epochs["scheduler"] == "deba"]
    blocked = (deba["decision"] == "bound") & (deba["batch_size"] < deba["batch_cap"])
    keys = [*CELL, "scheduler", "variant", "seed"]
    return blocked.groupby([deba[key] for key in keys]).sum().rename("blocked_rollbacks").reset_index()


def setting_text(value) -> str:
    """A setting as the tables write it: numbers without a trailing .0, an empty rollback_floor (null: each rule
    keeps its own floor) as "rule's own"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "rule's own"
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _same(a, b) -> bool:
    return setting_text(a) == setting_text(b)


def sensitivity_table(comparisons: pd.DataFrame, epochs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per cell where the sweep ran: the DEBA main row, then each variant whose reconstruction settings differ
    from it, with `changed` ("rollback_floor=min_batch; lr_scaling=linear") and, given `epochs`, the blocked
    roll-backs per run (module docstring)."""
    deba = comparisons[comparisons["scheduler"] == "deba"]
    settings = [column for column in RECONSTRUCTION_SETTINGS if column in deba]
    rows = []
    for _, group in deba.groupby(CELL, sort=True):
        main = group[group["variant"] == "main"]
        if main.empty:
            continue
        reference = main.iloc[0]
        for _, row in group.iterrows():
            changed = [f"{column}={setting_text(row[column])}" for column in settings
                       if not _same(row[column], reference[column])]
            if row["variant"] == "main" or changed:
                rows.append({**row.to_dict(), "changed": "; ".join(changed)})
    table = pd.DataFrame(rows, columns=[*comparisons.columns, "changed"])
    if not table["variant"].ne("main").any():
        return table.iloc[0:0]  # no variant anywhere: no sweep
    swept = table.loc[table["variant"] != "main", CELL].drop_duplicates()
    table = table.merge(swept, on=CELL)  # cells where the sweep ran
    if epochs is not None and len(epochs):
        blocked = blocked_rollbacks(epochs).groupby([*CELL, "scheduler", "variant"])["blocked_rollbacks"].mean()
        table = table.merge(blocked.rename("blocked_rollbacks_per_run").reset_index(),
                            on=[*CELL, "scheduler", "variant"], how="left")
    order = table.assign(is_variant=table["variant"] != "main")
    return order.sort_values([*CELL, "is_variant", "changed", "variant"], kind="stable").drop(
        columns="is_variant").reset_index(drop=True)


def interval_reading(low: float, high: float, n: int, *, up: str, down: str) -> str:
    """What an interval says: `up` above 0, `down` below, "no detectable change" across it, or "not
    interpretable" over fewer than MIN_PAIRS pairs or without an interval."""
    if not interpretable(n) or not (math.isfinite(low) and math.isfinite(high)):
        return "not interpretable"
    return up if low > 0 else down if high < 0 else "no detectable change"


def direction(row: pd.Series) -> str:
    """In which direction the batch moved in a method's runs."""
    grew, shrank = int(row["n_grew"]) > 0, int(row["n_shrank"]) > 0
    return {(True, True): "grows and rolls back", (True, False): "grows only", (False, True): "rolls back only",
            (False, False): "never changes the batch"}[(grew, shrank)]


def _readings(row: pd.Series, priced: pd.DataFrame) -> dict[str, str]:
    """Each conclusion a row supports, by name (sensitivity_conclusions)."""
    out = {"DEBA acts": f"yes, in {int(row['n_changed'])} of {int(row['n_runs'])} runs" if row["n_changed"] else
           "never", "direction": direction(row),
           "accuracy": interval_reading(row["acc_diff_low"], row["acc_diff_high"], row["n_pairs"], up="higher",
                                        down="lower")}
    for _, price in priced.iterrows():
        out[f"speedup priced on {price['profile']} ({price['profile_scale']} scale)"] = interval_reading(
            price["predicted_speedup_low"], price["predicted_speedup_high"], price["n_pairs"], up="faster",
            down="slower")
    return out


def sensitivity_conclusions(sensitivity: pd.DataFrame, pricing: pd.DataFrame) -> pd.DataFrame:
    """Per cell, variant and conclusion: what the main run says, what the variant says, and whether the
    conclusion survives the variant's choice (`survives`: True, False, or empty where either side is not
    interpretable). "DEBA acts" survives when both act or neither does."""
    columns = [*CELL, "variant", "changed", "conclusion", "main", "variant_reading", "survives"]
    if sensitivity.empty:
        return pd.DataFrame(columns=columns)
    priced = pricing[(pricing["scheduler"] == "deba") & pricing["n_pairs"].gt(0)] if len(pricing) else pricing
    rows = []
    for cell, group in sensitivity.groupby(CELL, sort=True):
        def priced_for(variant):
            if priced.empty:
                return priced
            return priced[(priced["dataset"] == cell[0]) & (priced["arch"] == cell[1]) & (priced["variant"] == variant)]

        main = group[group["variant"] == "main"].iloc[0]
        reference = _readings(main, priced_for("main"))
        for _, row in group[group["variant"] != "main"].iterrows():
            for conclusion, reading in _readings(row, priced_for(row["variant"])).items():
                said = reference.get(conclusion, "not interpretable")
                if conclusion == "DEBA acts":
                    survives = said.startswith("yes") == reading.startswith("yes")
                elif "not interpretable" in (said, reading):
                    survives = None
                else:
                    survives = said == reading
                rows.append({"dataset": cell[0], "arch": cell[1], "variant": row["variant"], "changed": row["changed"],
                             "conclusion": conclusion, "main": said, "variant_reading": reading, "survives": survives})
    return pd.DataFrame(rows, columns=columns)


def main_rule_runs(pairs: pd.DataFrame) -> pd.Series:
    """A mask of the DEBA rows whose decision rule and other reconstruction settings are the main run's (all
    DEBA rows if the columns are absent)."""
    deba = pairs["scheduler"] == "deba"
    settings = [column for column in RECONSTRUCTION_SETTINGS if column in pairs]
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
