"""Statistics across seeds: every adaptive method against the fixed-batch baseline, paired by seed.

For each cell (dataset, architecture) and method (scheduler, variant) the pairs are the runs with the same
seed. Per pair:
- accuracy change  = final_test_acc(method) - final_test_acc(fixed)            (fraction; x100 = points)
- speedup          = 1 - train_time_s(method) / train_time_s(fixed)            (0.3 = 30 % less time)
- time-to-target speedup = 1 - time_to_target_s(method) / time_to_target_s(fixed), when both reached it.
- predicted speedup: what the throughput profile predicts from the two runs' batch trajectories
  (`deba.analysis.hardware`), so a table shows hardware utilization beside the measured effect.
A pair where either run diverged (or the baseline is missing) has no accuracy change or speedup; such runs
are counted in `n_diverged_method` / `n_diverged_fixed` / `n_missing_fixed`, never silently dropped.

Per cell and method: mean change with a bootstrap 95 % interval, paired t-test and Wilcoxon signed-rank
p (scipy.stats, via `paperkit.stats.paired_comparison`), Cohen's d_z, mean speedup with its interval, and
Holm-adjusted p-values, the family being all cells of one method (one family per method and test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from paperkit.stats import holm, mean_ci, paired_comparison

from .devices import DEVICE_COLUMN, check_paired_devices, with_device_names

BASELINE = ("fixed", "main")
RULE_SETTINGS = ("deba_rule", "threshold_quantile", "significance", "instability_factor")  # runs.csv columns
CELL = ["dataset", "arch"]
METHOD = ["scheduler", "variant"]


def paired_runs(runs: pd.DataFrame, *, allow_mixed_devices: bool = False) -> pd.DataFrame:
    """One row per non-baseline run with its same-seed fixed-batch baseline and the per-pair effects;
    refuses pairs whose runs ran on different devices unless allowed (`deba.analysis.devices`)."""
    runs = with_device_names(runs)
    is_baseline = (runs["scheduler"] == BASELINE[0]) & (runs["variant"] == BASELINE[1])
    baseline = runs[is_baseline][CELL + ["seed", "status", "final_test_acc", "train_time_s", "time_to_target_s",
                                         DEVICE_COLUMN]]
    baseline = baseline.rename(columns={"status": "status_fixed", "final_test_acc": "acc_fixed",
                                        "train_time_s": "time_fixed", "time_to_target_s": "ttt_fixed",
                                        DEVICE_COLUMN: "device_fixed"})
    rule = [column for column in RULE_SETTINGS if column in runs]
    method = runs[~is_baseline][CELL + METHOD + ["seed", "window", "cooldown", *rule, "status", "final_test_acc",
                                                 "train_time_s", "time_to_target_s", "num_batch_changes",
                                                 "batch_size_trajectory", DEVICE_COLUMN]]
    method = method.rename(columns={"status": "status_method", "final_test_acc": "acc_method",
                                    "train_time_s": "time_method", "time_to_target_s": "ttt_method",
                                    "num_batch_changes": "batch_changes", "batch_size_trajectory": "trajectory",
                                    DEVICE_COLUMN: "device_method"})
    pairs = method.merge(baseline, on=CELL + ["seed"], how="left")
    pairs["status_fixed"] = pairs["status_fixed"].fillna("missing")
    pairs["mixed_devices"] = check_paired_devices(pairs, allow_mixed=allow_mixed_devices)
    both_completed = (pairs["status_method"] == "completed") & (pairs["status_fixed"] == "completed")
    pairs["acc_diff"] = np.where(both_completed, pairs["acc_method"] - pairs["acc_fixed"], np.nan)
    pairs["speedup"] = np.where(both_completed, 1.0 - pairs["time_method"] / pairs["time_fixed"], np.nan)
    steps = pairs["trajectory"].astype(str).map(lambda text: np.diff([int(b) for b in text.split()]))
    pairs["grew"] = steps.map(lambda d: bool((d > 0).any()))
    pairs["shrank"] = steps.map(lambda d: bool((d < 0).any()))
    ttt_m = pd.to_numeric(pairs["ttt_method"], errors="coerce")
    ttt_f = pd.to_numeric(pairs["ttt_fixed"], errors="coerce")
    pairs["ttt_speedup"] = np.where(both_completed & ttt_m.notna() & ttt_f.notna() & (ttt_f > 0),
                                    1.0 - ttt_m / ttt_f, np.nan)
    return pairs.sort_values(CELL + METHOD + ["seed"], kind="stable").reset_index(drop=True)


def compare(pairs: pd.DataFrame, *, n_resamples: int = 9999, seed: int = 0) -> pd.DataFrame:
    """Per cell and method: the statistics of the module docstring (one row each), Holm-adjusted per method."""
    rows = []
    for keys, group in pairs.groupby(CELL + METHOD, sort=True):
        dataset, arch, scheduler, variant = keys
        done = group[group["acc_diff"].notna()]
        accuracy = paired_comparison(done["acc_method"].to_numpy(float), done["acc_fixed"].to_numpy(float),
                                     n_resamples=n_resamples, seed=seed)
        times = paired_comparison(done["time_method"].to_numpy(float), done["time_fixed"].to_numpy(float),
                                  n_resamples=n_resamples, seed=seed)
        speedup, speedup_low, speedup_high = mean_ci(done["speedup"].to_numpy(float),
                                                     n_resamples=n_resamples, seed=seed)
        reached = group["ttt_speedup"].to_numpy(float)
        reached = reached[np.isfinite(reached)]
        ttt, ttt_low, ttt_high = mean_ci(reached, n_resamples=n_resamples, seed=seed)
        rows.append({
            "dataset": dataset, "arch": arch, "scheduler": scheduler, "variant": variant,
            "window": str(group["window"].iloc[0]), "cooldown": group["cooldown"].iloc[0],
            **{column: group[column].iloc[0] for column in RULE_SETTINGS if column in group},
            "n_runs": len(group), "n_pairs": accuracy["n"],
            "n_diverged_method": int((group["status_method"] == "diverged").sum()),
            "n_diverged_fixed": int((group["status_fixed"] == "diverged").sum()),
            "n_missing_fixed": int((group["status_fixed"] == "missing").sum()),
            "acc_fixed": accuracy["mean_baseline"], "acc_method": accuracy["mean_method"],
            "acc_diff": accuracy["mean_diff"], "acc_diff_low": accuracy["ci_low"], "acc_diff_high": accuracy["ci_high"],
            "t_p": accuracy["t_p"], "wilcoxon_p": accuracy["wilcoxon_p"],
            "wilcoxon_min_p": accuracy["wilcoxon_min_p"], "cohens_dz": accuracy["cohens_dz"],
            "speedup": speedup, "speedup_low": speedup_low, "speedup_high": speedup_high,
            "speedup_t_p": times["t_p"], "speedup_wilcoxon_p": times["wilcoxon_p"],
            "ttt_n": len(reached), "ttt_speedup": ttt, "ttt_speedup_low": ttt_low, "ttt_speedup_high": ttt_high,
            "batch_changes": float(group["batch_changes"].mean()),
            "batch_changes_max": int(group["batch_changes"].max()),
            # how many runs the scheduler acted in: a method that never changed the batch tested nothing
            "n_changed": int((group["batch_changes"] > 0).sum()), "n_grew": int(group["grew"].sum()),
            "n_shrank": int(group["shrank"].sum()),
            # the part of the speedup the device's throughput profile predicts from the batch trajectories
            "predicted_speedup": _mean_if_any(done, "predicted_speedup"),
            # of which less work: the images its larger batches' dropped partial batches did not train
            "images_skipped": _mean_if_any(done, "images_skipped"),
            "note": accuracy["note"],
        })
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    for column in ("t_p", "wilcoxon_p", "speedup_t_p", "speedup_wilcoxon_p"):
        table[f"{column}_holm"] = np.nan
        for index in table.groupby(METHOD).groups.values():
            table.loc[index, f"{column}_holm"] = holm(table.loc[index, column].tolist())
    return table


def _mean_if_any(frame: pd.DataFrame, column: str) -> float:
    """The column's mean over the rows that have it; NaN where the column is absent or empty."""
    return float(frame[column].mean()) if column in frame and frame[column].notna().any() else np.nan


def contrast(pairs: pd.DataFrame, better: pd.Series, worse: pd.Series, *, n_resamples: int = 9999,
             seed: int = 0) -> dict[str, float]:
    """Paired contrast of two selections of `pairs` (same cell and seed): accuracy and speedup differences.

    `better`/`worse` are boolean masks over `pairs`; when a mask selects several variants per (cell, seed)
    their values are averaged first (e.g. all cooldowns >= 5 against all cooldowns < 5).
    """
    keys = CELL + ["seed"]
    a = pairs[better].groupby(keys)[["acc_diff", "speedup"]].mean()
    b = pairs[worse].groupby(keys)[["acc_diff", "speedup"]].mean()
    joined = a.merge(b, left_index=True, right_index=True, suffixes=("_a", "_b")).dropna()
    out: dict[str, float] = {"n": len(joined)}
    for measure in ("acc_diff", "speedup"):
        result = paired_comparison(joined[f"{measure}_a"].to_numpy(float), joined[f"{measure}_b"].to_numpy(float),
                                   n_resamples=n_resamples, seed=seed)
        out[f"{measure}_delta"] = result["mean_diff"]
        out[f"{measure}_low"] = result["ci_low"]
        out[f"{measure}_high"] = result["ci_high"]
        out[f"{measure}_t_p"] = result["t_p"]
    return out
