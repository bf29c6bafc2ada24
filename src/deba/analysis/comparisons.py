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

Beside these intention-to-treat estimates (every pair, whatever the scheduler did), each row carries:
- the estimates over the pairs whose method run changed the batch (`*_changed`): the pairs where the mechanism
  was exercised. They are selected after the fact, so they describe what acting went with, not what it caused;
- the accuracy change without the pairs whose baseline ended at or below chance (`*_without_collapsed`): a
  baseline that learned nothing makes any method look better, and is an accident of that seed, not the
  method's doing. A method run at chance is kept: that is what the method did;
- for DEBA, the speedup charged with its characterization (`charged_speedup`): DEBA's thresholds come from
  every fixed-batch baseline run of the cell (workflow/rules/characterization.smk), runs a user of DEBA has to
  train first. charged = 1 - (C + sum of the DEBA runs' times) / (sum of their fixed twins' times), with C the
  summed training time of those baseline runs, over the completed pairs; `break_even_runs` = C / mean saving
  per run: how many DEBA trainings would have to share one characterization before it pays for itself.
An interval over fewer than MIN_PAIRS pairs is not interpretable (`interpretable`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from paperkit.stats import holm, mean_ci, paired_comparison

from .devices import DEVICE_COLUMN, check_paired_devices, with_device_names

BASELINE = ("fixed", "main")
# DEBA's decision rule and the reconstruction's other choices that a sensitivity variant may set (config
# `sensitivity.variants`), as runs.csv names them (deba.analysis.load.CONFIG_FIELDS). A column runs.csv lacks
# (runs recorded before the setting existed) is left out wherever these are used.
RECONSTRUCTION_SETTINGS = ("deba_rule", "threshold_quantile", "significance", "instability_factor",
                           "rollback_floor", "grad_var_scaling", "threshold_reference", "lr_scaling")
CELL = ["dataset", "arch"]
METHOD = ["scheduler", "variant"]
# The fewest seed pairs an interval is read from. A bootstrap interval over 2-4 pairs excludes 0 whenever they
# share a sign, which 4 pairs do by chance alone with probability 1/8 (1/16 on a claimed side); from 5 pairs it
# is 1/32 on a claimed side, below 0.05.
MIN_PAIRS = 5
# Classes per dataset (deba.data; tests/analysis/test_statistics.py checks them): chance is 1 / classes.
CLASSES = {"cifar10": 10, "cifar100": 100, "digits": 10, "synthetic": 10}


def interpretable(n: int) -> bool:
    """Whether an interval over `n` seed pairs can be read (MIN_PAIRS)."""
    return int(n) >= MIN_PAIRS


def chance(dataset: str) -> float:
    """The accuracy of guessing one class, NaN for a dataset of unknown size (then nothing is flagged)."""
    return 1.0 / CLASSES[dataset] if dataset in CLASSES else float("nan")


def batch_moves(trajectory: str) -> tuple[int, int, float]:
    """(grows, roll-backs, first change epoch) of a batch-size trajectory ("64 64 96 ..."; the batch of each
    epoch): the first change epoch is the first epoch trained at another batch size (NaN if none)."""
    steps = np.diff([int(b) for b in str(trajectory).split()])
    changed = np.flatnonzero(steps)
    return int((steps > 0).sum()), int((steps < 0).sum()), float(changed[0] + 2) if len(changed) else np.nan


def characterization_time(runs: pd.DataFrame) -> pd.Series:
    """Per cell, the summed training time of its fixed-batch baseline runs: what DEBA's thresholds cost."""
    baseline = runs[(runs["scheduler"] == BASELINE[0]) & (runs["variant"] == BASELINE[1])]
    return pd.to_numeric(baseline["train_time_s"], errors="coerce").groupby(
        [baseline[column] for column in CELL]).sum(min_count=1).rename("characterization_s")


def charged_speedup(method_times, fixed_times, characterization: float) -> tuple[float, float]:
    """(speedup of the method runs charged with the characterization, runs sharing one characterization to
    break even): 1 - (C + sum method) / sum fixed, and C / mean saving (inf when there is no saving)."""
    method, fixed = np.asarray(method_times, dtype=float), np.asarray(fixed_times, dtype=float)
    keep = np.isfinite(method) & np.isfinite(fixed)
    method, fixed = method[keep], fixed[keep]
    if not len(method) or not np.isfinite(characterization):
        return np.nan, np.nan
    saving = float(np.mean(fixed - method))
    return (1.0 - (characterization + method.sum()) / fixed.sum(),
            characterization / saving if saving > 0 else np.inf)


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
    rule = [column for column in RECONSTRUCTION_SETTINGS if column in runs]
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
    moves = pairs["trajectory"].map(batch_moves)
    pairs["grows"] = [grows for grows, _, _ in moves]
    pairs["rollbacks"] = [rollbacks for _, rollbacks, _ in moves]
    pairs["first_change_epoch"] = [epoch for _, _, epoch in moves]
    pairs["grew"], pairs["shrank"] = pairs["grows"] > 0, pairs["rollbacks"] > 0
    pairs["baseline_collapsed"] = pairs["acc_fixed"] <= pairs["dataset"].map(chance)
    ttt_m = pd.to_numeric(pairs["ttt_method"], errors="coerce")
    ttt_f = pd.to_numeric(pairs["ttt_fixed"], errors="coerce")
    pairs["ttt_speedup"] = np.where(both_completed & ttt_m.notna() & ttt_f.notna() & (ttt_f > 0),
                                    1.0 - ttt_m / ttt_f, np.nan)
    pairs = pairs.merge(characterization_time(runs).reset_index(), on=CELL, how="left")
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
        changed = done[done["batch_changes"] > 0]
        changed_acc, changed_acc_low, changed_acc_high = mean_ci(changed["acc_diff"].to_numpy(float),
                                                                 n_resamples=n_resamples, seed=seed)
        changed_speedup, changed_speedup_low, changed_speedup_high = mean_ci(
            changed["speedup"].to_numpy(float), n_resamples=n_resamples, seed=seed)
        sane = done[~done["baseline_collapsed"].astype(bool)]
        sane_acc, sane_low, sane_high = mean_ci(sane["acc_diff"].to_numpy(float), n_resamples=n_resamples, seed=seed)
        charged, break_even = (charged_speedup(done["time_method"], done["time_fixed"],
                                               float(group["characterization_s"].iloc[0]))
                               if scheduler == "deba" else (np.nan, np.nan))
        reached = group["ttt_speedup"].to_numpy(float)
        reached = reached[np.isfinite(reached)]
        ttt, ttt_low, ttt_high = mean_ci(reached, n_resamples=n_resamples, seed=seed)
        rows.append({
            "dataset": dataset, "arch": arch, "scheduler": scheduler, "variant": variant,
            "window": str(group["window"].iloc[0]), "cooldown": group["cooldown"].iloc[0],
            **{column: group[column].iloc[0] for column in RECONSTRUCTION_SETTINGS if column in group},
            "n_runs": len(group), "n_pairs": accuracy["n"], "interpretable": interpretable(accuracy["n"]),
            "n_diverged_method": int((group["status_method"] == "diverged").sum()),
            "n_diverged_fixed": int((group["status_fixed"] == "diverged").sum()),
            "n_missing_fixed": int((group["status_fixed"] == "missing").sum()),
            "acc_fixed": accuracy["mean_baseline"], "acc_method": accuracy["mean_method"],
            "acc_diff": accuracy["mean_diff"], "acc_diff_low": accuracy["ci_low"], "acc_diff_high": accuracy["ci_high"],
            "t_p": accuracy["t_p"], "wilcoxon_p": accuracy["wilcoxon_p"],
            "wilcoxon_min_p": accuracy["wilcoxon_min_p"], "cohens_dz": accuracy["cohens_dz"],
            "speedup": speedup, "speedup_low": speedup_low, "speedup_high": speedup_high,
            "speedup_t_p": times["t_p"], "speedup_wilcoxon_p": times["wilcoxon_p"],
            "n_pairs_changed": len(changed), "acc_diff_changed": changed_acc, "acc_diff_changed_low": changed_acc_low,
            "acc_diff_changed_high": changed_acc_high, "speedup_changed": changed_speedup,
            "speedup_changed_low": changed_speedup_low, "speedup_changed_high": changed_speedup_high,
            "n_collapsed": int(done["baseline_collapsed"].astype(bool).sum()),
            "acc_diff_without_collapsed": sane_acc, "acc_diff_without_collapsed_low": sane_low,
            "acc_diff_without_collapsed_high": sane_high,
            "characterization_s": float(group["characterization_s"].iloc[0]),
            "charged_speedup": charged, "break_even_runs": break_even,
            "ttt_n": len(reached), "ttt_speedup": ttt, "ttt_speedup_low": ttt_low, "ttt_speedup_high": ttt_high,
            "batch_changes": float(group["batch_changes"].mean()),
            "batch_changes_max": int(group["batch_changes"].max()),
            # how many runs the scheduler acted in: a method that never changed the batch tested nothing
            "n_changed": int((group["batch_changes"] > 0).sum()), "n_grew": int(group["grew"].sum()),
            "n_shrank": int(group["shrank"].sum()),
            # how the batch moved, per run, and when it first did (the sensitivity table's decisions)
            "grows_per_run": float(group["grows"].mean()), "rollbacks_per_run": float(group["rollbacks"].mean()),
            **_first_change(group["first_change_epoch"]),
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


def _first_change(epochs: pd.Series) -> dict[str, float]:
    """Median, first and last of the runs' first change epochs (runs that never changed left out)."""
    epochs = epochs.dropna()
    return {"first_change_median": float(epochs.median()) if len(epochs) else np.nan,
            "first_change_min": float(epochs.min()) if len(epochs) else np.nan,
            "first_change_max": float(epochs.max()) if len(epochs) else np.nan}


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
