"""Every run's batch-size trajectory priced on stored device profiles: what would it save on that device?

A run's batch-size trajectory and accuracy are the science (deterministic, the same on any machine); a device is
a price list. `deba.analysis.hardware` prices a trajectory on the run's own throughput profile; this module
prices it on every stored profile a config names (`price_on`; `deba.profiles`), with no training:

- `priced_pairs`: per profile, per scale the profile has rows at, and per completed method run with a
  completed same-seed fixed-batch run: the predicted speedup `1 - T(method) / T(fixed)` with
  T = sum over epochs of steps x tau(batch size), split into images skipped and the saving per image
  (`hardware.hardware_speedups`), beside the measured one;
- `pricing_table` (results/stats/device_pricing.csv): per cell, method and profile (and profile scale) the
  mean predicted speedup over seed pairs with its bootstrap 95 % interval (`paperkit.stats.mean_ci`), the
  images-skipped share, the saving per image, the measured speedup of the same pairs, and the profile's
  ceiling for any schedule of a fixed number of epochs from the runs' start batch to max_batch
  (`hardware.speedup_ceiling`);
- `predicted_claims` (results/stats/predicted_claims.csv): for each speed claim of the DEBA paper and each
  priced profile, a verdict worded as a prediction ("predicted on <device>: ..."), never a measurement, by the
  rules of `deba.analysis.claims` that apply to a prediction (no timing noise floor: nothing is timed); and
  the predictive claim (baseline stability predicts the benefit) with the priced speedup as the benefit:
  Spearman's rho across cells between the baselines' stability score and the cells' mean predicted speedup;
- every DEBA row also carries its speedup charged with its characterization (`charged_speedup`,
  `break_even_runs`; `deba.analysis.comparisons` defines them): the profile prices the fixed-batch baseline
  runs DEBA's thresholds are derived from as it prices the runs.

A profile measured at another scale than the runs (a paper-scale GPU profile pricing CPU-scale trajectories)
prices them all the same, and every row says so (`scale_differs`): the trajectory is then the small network's,
the step times the large network's. A profile without rows for a cell's architecture at a scale gets a row
saying so instead of none. The step-time model interpolates between profiled batch sizes and extrapolates
linearly outside them (`hardware.step_time_model`); `extrapolated` marks a row whose trajectories leave the
profiled range. The interval is over seed pairs (the trajectories' spread); the profile's own measurement
error is not in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from deba.analysis import characterization, claims, hardware
from deba.analysis.aggregation import write_csv
from deba.analysis.comparisons import charged_speedup
from deba.analysis.predictive import MIN_CELLS
from deba.analysis.layout import PRICING_FILES
from deba.analysis.load import read_epochs, read_runs
from deba.profiles import Profile, read_profile, read_profile_table
from paperkit.stats import mean_ci, spearman_permutation_p

CELL = ["dataset", "arch"]
METHOD = ["scheduler", "variant"]
PROFILE = ["profile", "profile_scale"]
BASELINE = ("fixed", "main")
NO_ROWS = "no rows for this arch at this scale"
PAIR_COLUMNS = [*hardware.RUN, *PROFILE, "predicted_speedup", "images_skipped", "utilization_speedup",
                "measured_speedup", "predicted_time_s", "predicted_fixed_time_s", "predicted_characterization_s",
                "batch_changes"]
COLUMNS = [*CELL, *METHOD, "profile", "device", "device_type", "precision", "profile_scale", "run_scale",
           "scale_differs", "n_pairs", "n_changed", "predicted_speedup", "predicted_speedup_low",
           "predicted_speedup_high", "images_skipped", "utilization_speedup", "measured_speedup", "charged_speedup",
           "break_even_runs", "speedup_ceiling",
           "best_batch", "start_batch", "max_batch", "profiled_batch_min", "profiled_batch_max", "extrapolated",
           "note"]
BATCH_COLUMNS = ("best_batch", "start_batch", "max_batch", "profiled_batch_min", "profiled_batch_max")
CLAIM_COLUMNS = ["id", "claim", "profile", "device", "precision", "profile_scale", "run_scale", "scale_differs",
                 "paper_low", "paper_high", "n", "n_changed", "predicted_speedup", "predicted_speedup_low",
                 "predicted_speedup_high", "speedup_ceiling", "n_cells", "rho", "p", "verdict", "statement", "reason"]
SPEED_CLAIMS = tuple(claim for claim in claims.RANGE_CLAIMS if claim[3] == "speedup")


def _profile_throughput(profile: Profile, scale: str, datasets: Sequence[str]) -> pd.DataFrame:
    """The profile's rows at `scale` in the aggregated throughput table's shape, once per dataset (a profile
    is measured on synthetic CIFAR-shaped data, so it prices every dataset's cell of an architecture)."""
    rows = read_profile_table(profile)
    rows = rows[rows["scale"] == scale]
    return pd.concat([rows.assign(dataset=dataset) for dataset in datasets], ignore_index=True) if len(rows) else (
        rows.assign(dataset=pd.Series(dtype=str)))


def _run_scale(runs: pd.DataFrame) -> pd.Series:
    """Per cell, the scale its runs trained at."""
    return runs.groupby(CELL)["scale"].agg(lambda scales: ", ".join(sorted(set(map(str, scales)))))


def priced_pairs(runs: pd.DataFrame, epochs: pd.DataFrame, profiles: Sequence[Profile]) -> pd.DataFrame:
    """One row per profile, profile scale and completed method run with a completed same-seed baseline whose
    architecture the profile has at that scale: predicted (and measured) speedup and its two parts."""
    datasets = sorted(runs["dataset"].unique())
    changes = runs.set_index(hardware.RUN)["num_batch_changes"]
    tables = []
    for profile in profiles:
        for scale in sorted(profile.scales()):
            priced = hardware.hardware_speedups(runs, epochs, _profile_throughput(profile, scale, datasets))
            priced = priced.assign(profile=profile.name, profile_scale=scale)
            priced["batch_changes"] = [int(changes.get(key, 0)) for key in
                                       priced[hardware.RUN].itertuples(index=False, name=None)]
            tables.append(priced[PAIR_COLUMNS])
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=PAIR_COLUMNS)


def pricing_table(runs: pd.DataFrame, epochs: pd.DataFrame, profiles: Sequence[Profile], *,
                  pairs: pd.DataFrame | None = None, n_resamples: int = 9999, seed: int = 0) -> pd.DataFrame:
    """results/stats/device_pricing.csv: one row per cell, method (scheduler, variant), profile and profile
    scale (module docstring); `pairs` is `priced_pairs` of the same inputs when the caller has it."""
    pairs = priced_pairs(runs, epochs, profiles) if pairs is None else pairs
    methods = runs[~((runs["scheduler"] == BASELINE[0]) & (runs["variant"] == BASELINE[1]))][
        CELL + METHOD].drop_duplicates().sort_values(CELL + METHOD)
    run_scale, datasets = _run_scale(runs), sorted(runs["dataset"].unique())
    sizes = epochs.groupby(CELL + METHOD)["batch_size"].agg(["min", "max"])
    rows = []
    for profile in profiles:
        table = read_profile_table(profile)
        for scale in sorted(profile.scales()):
            at_scale = table[table["scale"] == scale]
            ceilings = hardware.cell_ceilings(runs, _profile_throughput(profile, scale, datasets)).set_index(CELL)
            priced = pairs[(pairs["profile"] == profile.name) & (pairs["profile_scale"] == scale)]
            for dataset, arch, scheduler, variant in methods.itertuples(index=False, name=None):
                profiled = at_scale.loc[at_scale["arch"] == arch, "batch_size"]
                row = {"dataset": dataset, "arch": arch, "scheduler": scheduler, "variant": variant,
                       "profile": profile.name, "device": profile.label(),
                       "device_type": profile.provenance["device_type"], "precision": profile.provenance["precision"],
                       "profile_scale": scale, "run_scale": run_scale.get((dataset, arch), ""),
                       "scale_differs": scale != run_scale.get((dataset, arch), scale)}
                if profiled.empty:
                    rows.append({**row, "n_pairs": 0, "n_changed": 0, "note": NO_ROWS})
                    continue
                used = priced[(priced["dataset"] == dataset) & (priced["arch"] == arch) &
                              (priced["scheduler"] == scheduler) & (priced["variant"] == variant)]
                values = used["predicted_speedup"].to_numpy(float)
                mean, low, high = mean_ci(values, n_resamples=n_resamples, seed=seed)
                ceiling = ceilings.loc[(dataset, arch)] if (dataset, arch) in ceilings.index else None
                # the batch sizes the method's and its baseline's epochs trained at
                ranges = sizes.loc[[key for key in ((dataset, arch, scheduler, variant), (dataset, arch, *BASELINE))
                                    if key in sizes.index]]
                outside = bool(len(ranges) and (ranges["min"].min() < profiled.min()
                                                or ranges["max"].max() > profiled.max()))
                notes = [f"{len(values)} pairs: too few for an interval"] if len(values) < 2 else []
                if ceiling is not None and ceiling["max_batch"] > profiled.max():
                    notes.append(f"the ceiling's range reaches batch {int(ceiling['max_batch'])}, beyond the "
                                 f"profiled {int(profiled.max())}: extrapolated")
                charged, break_even = (charged_speedup(used["predicted_time_s"], used["predicted_fixed_time_s"],
                                                       float(used["predicted_characterization_s"].iloc[0]))
                                       if scheduler == "deba" and len(used) else (math.nan, math.nan))
                rows.append({**row, "n_pairs": len(values), "n_changed": int((used["batch_changes"] > 0).sum()),
                             "predicted_speedup": mean, "predicted_speedup_low": low, "predicted_speedup_high": high,
                             "images_skipped": _mean(used["images_skipped"]),
                             "utilization_speedup": _mean(used["utilization_speedup"]),
                             "measured_speedup": _mean(used["measured_speedup"]),
                             "charged_speedup": charged, "break_even_runs": break_even,
                             **({} if ceiling is None else {
                                 "speedup_ceiling": ceiling["speedup_ceiling"], "best_batch": ceiling["best_batch"],
                                 "start_batch": ceiling["start_batch"], "max_batch": ceiling["max_batch"]}),
                             "profiled_batch_min": int(profiled.min()), "profiled_batch_max": int(profiled.max()),
                             "extrapolated": outside, "note": "; ".join(notes)})
    table = pd.DataFrame(rows, columns=COLUMNS)
    for column in BATCH_COLUMNS:  # batch sizes stay integers (empty where a profile has no rows)
        table[column] = pd.to_numeric(table[column]).round().astype("Int64")
    return table


def _mean(values: pd.Series) -> float:
    values = values.to_numpy(float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else math.nan


def statement(profile: Profile, scale: str, run_scale: str, verdict: str, ceiling: float) -> str:
    """"predicted on <device>, profile <name> (<scale> scale[, runs at <scale> scale]): <verdict>, ceiling X%"."""
    scales = f"{scale} scale" + (f", runs at {run_scale} scale" if run_scale and run_scale != scale else "")
    text = f"predicted on {profile.label()}, profile {profile.name} ({scales}): {claims.label(verdict)}"
    return text + (f", ceiling {claims.text_percent(ceiling)}" if math.isfinite(ceiling) else "")


def predicted_claims(runs: pd.DataFrame, pairs: pd.DataFrame, pricing: pd.DataFrame, profiles: Sequence[Profile],
                     stability: pd.DataFrame | None = None, **kwargs) -> pd.DataFrame:
    """results/stats/predicted_claims.csv: each speed claim (`claims.RANGE_CLAIMS`) on each profile and profile
    scale, judged on DEBA main's predicted speedups pooled over the claim's architectures (module docstring),
    then the predictive claim on the same profile (`stability`: the characterization's cells, with
    `stability_score`; no predictive rows without it).

    In order: "not run" when the claim's architectures are not in the grid; "not testable on this device" when
    the profile has none of them at that scale; "inconclusive" under 2 pairs; "not exercised" when no DEBA run
    changed the batch; "not testable on this device" when the claim's lower end exceeds the profile's ceiling
    (the largest of its architectures' cells); "not testable at this scale" under `claims.MIN_PAIRS` pairs;
    else the range rule (`claims.range_verdict`)."""
    main = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")]
    ceilings = pricing[(pricing["scheduler"] == "deba") & (pricing["variant"] == "main")]
    in_grid = set(runs["arch"])
    run_scale = ", ".join(sorted(set(map(str, runs["scale"]))))
    rows = []
    for profile in profiles:
        for scale in sorted(profile.scales()):
            for claim_id, text, archs, _, low, high in SPEED_CLAIMS:
                used = main[(main["profile"] == profile.name) & (main["profile_scale"] == scale) &
                            main["arch"].isin(archs)]
                values = used["predicted_speedup"].to_numpy(float)
                values = values[np.isfinite(values)]
                mean, ci_low, ci_high = mean_ci(values, **kwargs)
                cells = ceilings[(ceilings["profile"] == profile.name) & (ceilings["profile_scale"] == scale) &
                                 ceilings["arch"].isin(archs)]
                ceiling = float(cells["speedup_ceiling"].max()) if cells["speedup_ceiling"].notna().any() else math.nan
                profiled = {row["arch"] for row in profile.rows if row["scale"] == scale}
                verdict, reason = _verdict(set(archs) & in_grid, profiled, values, used, ceiling, low, high,
                                           ci_low, ci_high)
                unpriced = sorted((set(archs) & in_grid) - profiled)
                if unpriced and set(archs) & in_grid & profiled:  # the verdict rests on part of the claim
                    reason += f"; not priced (no profile rows at this scale): {', '.join(unpriced)}"
                rows.append({"id": claim_id, "claim": text, "profile": profile.name,
                             "device": profile.label(), "precision": profile.provenance["precision"],
                             "profile_scale": scale, "run_scale": run_scale, "scale_differs": scale != run_scale,
                             "paper_low": low, "paper_high": high, "n": len(values),
                             "n_changed": int((used["batch_changes"] > 0).sum()), "predicted_speedup": mean,
                             "predicted_speedup_low": ci_low, "predicted_speedup_high": ci_high,
                             "speedup_ceiling": ceiling, "verdict": verdict,
                             "statement": statement(profile, scale, run_scale, verdict, ceiling), "reason": reason})
            if stability is not None:
                rows.append(_predictive_row(main[(main["profile"] == profile.name) & (main["profile_scale"] == scale)],
                                            stability, profile, scale, run_scale, **kwargs))
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def _predictive_row(priced: pd.DataFrame, stability: pd.DataFrame, profile: Profile, scale: str, run_scale: str,
                    **kwargs) -> dict:
    """The predictive claim on one profile: Spearman's rho across cells between the baseline stability score and
    DEBA main's mean predicted speedup, with its exact permutation p (claims.correlation_verdict)."""
    cells = priced.groupby(CELL)["predicted_speedup"].mean().rename("benefit").reset_index().merge(
        stability[[*CELL, "stability_score"]], on=CELL)
    cells = cells[np.isfinite(cells["benefit"].astype(float)) & np.isfinite(cells["stability_score"].astype(float))]
    n = len(cells)
    row = {"id": "predictive", "claim": "Baseline stability predicts the benefit (priced speedup)",
           "profile": profile.name, "device": profile.label(), "precision": profile.provenance["precision"],
           "profile_scale": scale, "run_scale": run_scale, "scale_differs": scale != run_scale, "n_cells": n,
           "n": len(priced), "n_changed": int((priced["batch_changes"] > 0).sum())}
    if priced.empty:
        verdict, reason = claims.NOT_TESTABLE_DEVICE, "the profile has no rows for the grid's architectures here"
    elif n < MIN_CELLS:
        verdict, reason = claims.NOT_TESTABLE_SCALE, f"{n} priced cell(s): a correlation needs at least {MIN_CELLS}"
    else:
        x, y = cells["stability_score"].to_numpy(float), cells["benefit"].to_numpy(float)
        rho = float(stats.spearmanr(x, y).statistic)
        p = spearman_permutation_p(x, y, n_resamples=kwargs.get("n_resamples", 9999), seed=kwargs.get("seed", 0))
        row.update(rho=rho, p=p)
        verdict = claims.correlation_verdict(rho, p) if math.isfinite(rho) else claims.INCONCLUSIVE
        reason = ("Spearman, stability score vs mean predicted speedup across cells, exact permutation test"
                  if math.isfinite(rho) else "no variation across cells")
    return {**row, "verdict": verdict, "statement": statement(profile, scale, run_scale, verdict, math.nan),
            "reason": reason}


def _verdict(archs: set, profiled: set, values, used, ceiling, low, high, ci_low, ci_high) -> tuple[str, str]:
    if not archs:
        return claims.NOT_RUN, "the grid trains none of these architectures"
    if not archs & profiled:
        return claims.NOT_TESTABLE_DEVICE, "the profile has no rows for these architectures at this scale"
    if len(values) < 2:
        return claims.INCONCLUSIVE, f"n={len(values)} pairs: too few for an interval"
    if not (used["batch_changes"] > 0).any():
        return claims.NOT_EXERCISED, "DEBA kept the batch size in every pair: its trajectory is the baseline's"
    if math.isfinite(ceiling) and ceiling < low:
        return claims.NOT_TESTABLE_DEVICE, (f"the profile allows at most {claims.text_percent(ceiling)} in a fixed "
                                            f"number of epochs, below the claimed {low * 100:g}%")
    if len(values) < claims.MIN_PAIRS:
        return claims.NOT_TESTABLE_SCALE, f"n={len(values)} pairs: an interval needs at least {claims.MIN_PAIRS}"
    return claims.range_verdict(ci_low, ci_high, low, high), f"n={len(values)} pairs, predicted, not measured"


def price(runs: pd.DataFrame, epochs: pd.DataFrame, profiles: Sequence[Profile], *, n_resamples: int = 9999,
          seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(device_pricing, predicted_claims) of the runs on the profiles: what rule `device_pricing` writes."""
    pairs = priced_pairs(runs, epochs, profiles)
    pricing = pricing_table(runs, epochs, profiles, pairs=pairs, n_resamples=n_resamples, seed=seed)
    stability = characterization.characterize_cells(characterization.characterize_runs(runs, epochs))
    return pricing, predicted_claims(runs, pairs, pricing, profiles, stability, n_resamples=n_resamples, seed=seed)


def write_pricing(runs_csv: str | Path, epochs_csv: str | Path, profile_files: Sequence[str | Path],
                  outputs: dict[str, str], *, n_resamples: int = 9999, seed: int = 0) -> dict[str, pd.DataFrame]:
    """What rules `device_pricing` and `recorded_pricing` run: the aggregated runs priced on the stored profile
    files (each validated as it is read); writes `outputs[name]` for layout.PRICING_FILES."""
    profiles = [read_profile(path) for path in profile_files]
    table, predicted = price(read_runs(runs_csv), read_epochs(epochs_csv), profiles, n_resamples=n_resamples,
                             seed=seed)
    tables = dict(zip(PRICING_FILES, (table, predicted)))
    for name in PRICING_FILES:
        write_csv(tables[name], outputs[name])
    print(f"priced on {len(profiles)} profile(s): {', '.join(profile.name for profile in profiles) or 'none'}")
    return tables
