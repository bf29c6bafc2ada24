"""Device-hours of a workflow config's training grid, estimated from a measured throughput profile.

    python -m deba.cost --config config/paper.yaml --throughput xeon-1thread-paper-fp32
    python -m deba.cost --config config/paper.yaml --throughput results/characterization/*/*/throughput.csv

A profile is a stored device profile (`deba.profiles`: its name, or the path of its file under
benchmarks/results/profiles/), a workflow's own per-cell throughput CSV, or `benchmarks/gpu_check.sh`'s JSON.

Priced before anyone commits to the grid (`snakemake --cores all cost` measures only the profiles and runs
this). For every run of `deba.grid.training_runs`, with b its starting batch size and tau(b) the step time
from `deba.analysis.hardware.step_time_model` (the model the hardware-vs-optimization analysis uses: linear
in b between measured sizes, linear outside them):

    training seconds   = epochs x (train_size // b) x tau(b)        (the trainer drops the last short batch)
    evaluation seconds = epochs x FORWARD_SHARE x sum of tau over the test batches of EVAL_BATCH_SIZE

FORWARD_SHARE = 1/3 is an assumption, not a measurement: a forward pass costs about a third of a training
step (forward plus a backward of about twice its cost). `gns` steps are two half-batch backward passes, so
they cost 2 tau(b/2). Runs whose batch size changes during training cannot be priced exactly before they run;
pricing them at the starting batch gives an upper bound for `adabatch` and `smith` (they only grow), for
`deba` unless it rolls back below the start (it only shrinks, x0.8, on instability), and only an estimate for
`gns` (it follows the gradient noise scale, which can lie below the start). An upper bound also assumes that
throughput does not fall at larger batches, which holds on GPUs and not always on CPUs. Not modelled: data
loading and decoding, checkpoint writes, process start-up and queueing.

DEBA needs more than its own runs: its thresholds are derived from the fixed-batch baseline runs of the cell
(every seed; workflow/rules/characterization.smk). The grid trains those baselines anyway, so the total counts
them once; the column `deba_with_characterization_hours` charges them to DEBA, as a user who wants only DEBA's
result on a new architecture pays them: the DEBA runs' hours plus the fixed-batch (`main`) runs' hours of every
cell with a DEBA run.

Pure pandas (no torch): the workflow's cost rule and the CLI run without a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from . import profiles
from .analysis.hardware import step_time_model
from .config_schema import BASE_CONFIG_FILE, ConfigError, load_config
from .grid import train_config, training_runs

# (training, test) images per dataset: CIFAR's official splits; digits' fixed 75/25 split and the synthetic
# set's sizes as src/deba/data.py makes them (tests/deba/test_cost.py checks these against data.py).
DATASET_SIZES = {"cifar10": (50_000, 10_000), "cifar100": (50_000, 10_000), "digits": (1_347, 450),
                 "synthetic": (512, 256)}
EVAL_BATCH_SIZE = 1024  # deba.data.EpochLoader.test_batches
FORWARD_SHARE = 1 / 3  # assumption: a forward pass is about a third of a training step, per image
BASIS = {"fixed": "exact", "adabatch": "upper bound", "smith": "upper bound",
         "deba": "upper bound unless it rolls back below the start", "gns": "estimate at the start batch"}
RUN_COLUMNS = ["dataset", "arch", "scheduler", "variant", "seed"]


class CostError(ValueError):
    """The profile cannot price the grid (an architecture or scale it lacks); the message says which."""


def split_sizes(dataset: str, train_subset: int | None, test_subset: int | None) -> tuple[int, int]:
    """Training and test images of a run, honouring the stratified subsets (a subset never adds images)."""
    train_size, test_size = DATASET_SIZES[dataset]
    return min(train_size, train_subset or train_size), min(test_size, test_subset or test_size)


def starting_batch(batch_size: int, min_batch: int, max_batch: int, train_size: int) -> int:
    """The batch size a run starts with: the schedulers clamp it to bounds capped at the training set."""
    return int(min(min(max_batch, train_size), max(min(min_batch, train_size), batch_size)))


def normalize_profile(profile: pd.DataFrame) -> pd.DataFrame:
    """Check a profile's columns (arch, batch_size, and images_per_s or step_time_s) and fill step_time_s."""
    missing = {"arch", "batch_size"} - set(profile.columns)
    if missing or not {"images_per_s", "step_time_s"} & set(profile.columns):
        raise CostError(f"a throughput profile needs columns arch, batch_size and images_per_s (or step_time_s); "
                        f"it has {sorted(profile.columns)}")
    profile = profile.copy()
    if "step_time_s" not in profile.columns:
        profile["step_time_s"] = np.nan
    if "images_per_s" in profile.columns:  # rows of several sources may carry either column
        profile["step_time_s"] = profile["step_time_s"].fillna(profile["batch_size"] / profile["images_per_s"])
    if (profile["step_time_s"] <= 0).any() or profile["step_time_s"].isna().any():
        raise CostError("a throughput profile needs a positive step time (images_per_s > 0) in every row")
    return profile


def read_profile(paths: Iterable[str | Path]) -> tuple[pd.DataFrame, str]:
    """Throughput rows from stored profiles (by name or file), CSVs (the throughput rule's files) and/or
    gpu_check JSONs, and the hardware they name: a stored profile's device and precision, a JSON's `device`
    (e.g. the GPU's name), else the CSVs' `device` column (e.g. `cpu`, `cuda`)."""
    tables, hardware = [], []
    for item in paths:
        path = Path(item)
        if not path.exists() and path.suffix == "" and len(path.parts) == 1:  # a stored profile's name
            path = profiles.profile_path(str(item))
            if not path.is_file():
                raise CostError(f"{item!r} is neither a file nor a stored profile; stored: "
                                f"{', '.join(profiles.stored_profiles()) or 'none'} (under {profiles.PROFILE_DIR}/)")
        if path.suffix == ".json":
            report = json.loads(path.read_text())
            if isinstance(report, dict) and "format" in report:
                try:
                    stored = profiles.read_profile(path)
                except profiles.ProfileError as error:
                    raise CostError(str(error)) from None
                table = profiles.read_profile_table(stored)
                hardware.append(stored.label())
            elif "throughput" in report:
                table = pd.DataFrame(report["throughput"])
                if "scale" in report and "scale" not in table.columns:
                    table["scale"] = report["scale"]
                hardware.append(str(report.get("device", "unnamed device")))
            else:
                raise CostError(f"{path}: neither a stored profile ({profiles.FORMAT}) nor a `throughput` list "
                                "(benchmarks/gpu_check.py's JSON)")
        else:
            table = pd.read_csv(path)
            hardware += [str(device) for device in table.get("device", pd.Series(["unnamed device"])).unique()]
        tables.append(table)
    if not tables:
        raise CostError("no throughput profile given")
    return normalize_profile(pd.concat(tables, ignore_index=True)), ", ".join(dict.fromkeys(hardware))


def _profile_of(profile: pd.DataFrame, dataset: str, arch: str) -> pd.DataFrame:
    """The rows pricing one (dataset, arch): that cell's when the profile has a dataset column, else the arch's."""
    rows = profile[profile["arch"] == arch]
    if "dataset" in profile.columns:
        rows = rows[rows["dataset"] == dataset]
    if rows.empty:
        where = f"dataset {dataset!r}, architecture {arch!r}" if "dataset" in profile.columns else f"architecture {arch!r}"
        raise CostError(f"the throughput profile has no rows for {where} (it has architectures "
                        f"{sorted(profile['arch'].unique())}); measure it first (rule `throughput`, or "
                        "benchmarks/gpu_check.sh) or drop it from the config")
    return rows


def estimate_runs(config: dict, profile: pd.DataFrame) -> pd.DataFrame:
    """One row per run of the config's grid: its starting batch, training and evaluation seconds, and basis."""
    profile = normalize_profile(profile)
    if "scale" in profile.columns:
        scales = set(profile["scale"].dropna().unique())
        if scales and scales != {config["scale"]}:
            raise CostError(f"the throughput profile was measured at scale {sorted(scales)} but the config trains "
                            f"at scale {config['scale']!r}; the networks differ, so the profile cannot price it")
    step_time = {}  # (dataset, arch) -> tau
    rows = []
    for run in training_runs(config):
        settings = train_config(run, config)
        train_size, test_size = split_sizes(run.dataset, settings.train_subset, settings.test_subset)
        batch = starting_batch(settings.batch_size, settings.min_batch, settings.max_batch, train_size)
        cell = (run.dataset, run.arch)
        if cell not in step_time:
            step_time[cell] = step_time_model(_profile_of(profile, *cell))
        tau = step_time[cell]
        # gns splits each step into two half-batch backward passes (deba.train: _half_batch_backward)
        step_s = 2 * tau(batch // 2) if run.scheduler == "gns" and batch >= 4 else tau(batch)
        test_batches = [EVAL_BATCH_SIZE] * (test_size // EVAL_BATCH_SIZE) + [test_size % EVAL_BATCH_SIZE]
        eval_s = FORWARD_SHARE * float(np.sum(tau(np.array([b for b in test_batches if b]))))
        rows.append({**run._asdict(), "epochs": settings.epochs, "train_size": train_size, "test_size": test_size,
                     "start_batch": batch, "train_s": settings.epochs * (train_size // batch) * float(step_s),
                     "eval_s": settings.epochs * eval_s, "basis": BASIS[run.scheduler]})
    runs = pd.DataFrame(rows)
    runs["total_s"] = runs["train_s"] + runs["eval_s"]
    return runs


def characterization_seconds(runs: pd.DataFrame) -> pd.Series:
    """Per run, the seconds it adds to DEBA's bill with its characterization: a DEBA run its own, a fixed-batch
    `main` run of a cell with DEBA runs its own too (DEBA's thresholds come from it), any other run nothing."""
    deba_cells = set(map(tuple, runs.loc[runs["scheduler"] == "deba", ["dataset", "arch"]].to_numpy()))
    in_deba_cell = [cell in deba_cells for cell in map(tuple, runs[["dataset", "arch"]].to_numpy())]
    charged = (runs["scheduler"] == "deba") | ((runs["scheduler"] == "fixed") & (runs["variant"] == "main") &
                                               pd.Series(in_deba_cell, index=runs.index))
    return runs["total_s"].where(charged, 0.0)


def by_architecture(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs and device-hours per architecture (training, evaluation, total), DEBA's runs alone and with the
    characterization runs charged to it (module docstring), with a `total` row."""
    runs = runs.assign(fixed=runs["scheduler"] == "fixed", adaptive=runs["scheduler"] != "fixed",
                       deba_s=runs["total_s"].where(runs["scheduler"] == "deba", 0.0),
                       charged_s=characterization_seconds(runs))
    table = runs.groupby("arch", sort=False).agg(
        runs=("seed", "size"), fixed_runs=("fixed", "sum"), adaptive_runs=("adaptive", "sum"),
        train_hours=("train_s", "sum"), eval_hours=("eval_s", "sum"), device_hours=("total_s", "sum"),
        deba_hours=("deba_s", "sum"), deba_with_characterization_hours=("charged_s", "sum"))
    hours = ["train_hours", "eval_hours", "device_hours", "deba_hours", "deba_with_characterization_hours"]
    table[hours] /= 3600
    table.loc["total"] = table.sum()
    table[["runs", "fixed_runs", "adaptive_runs"]] = table[["runs", "fixed_runs", "adaptive_runs"]].astype(int)
    return table.reset_index()


def markdown(table: pd.DataFrame, runs: pd.DataFrame, profile: pd.DataFrame, hardware: str, config_name: str) -> str:
    """The per-architecture table with the hardware it assumes and what the numbers mean."""
    shown = table.rename(columns={"arch": "architecture", "fixed_runs": "fixed-batch runs",
                                  "adaptive_runs": "adaptive runs (priced at start batch)",
                                  "train_hours": "training h", "eval_hours": "evaluation h",
                                  "device_hours": "device-hours", "deba_hours": "DEBA h",
                                  "deba_with_characterization_hours": "DEBA h with characterization"})
    shown["architecture"] = shown["architecture"].where(shown["architecture"] != "total", "**total**")
    notes = [f"Device-hours of `{config_name}` on **{hardware}** (profile scale: "
             f"{', '.join(map(str, profile['scale'].dropna().unique())) if 'scale' in profile else 'not recorded'}; "
             f"{len(runs)} runs; starting batch {', '.join(map(str, sorted(runs['start_batch'].unique())))}).", "",
             shown.to_markdown(index=False, floatfmt=",.0f" if table["device_hours"].max() >= 100 else ",.2f"), "",
             "Fixed-batch runs are priced exactly by the profile; adaptive runs (deba, adabatch, smith, gns) at "
             "their starting batch: an upper bound for adabatch and smith, and for deba unless it rolls back below "
             "the start; an estimate for gns. Evaluation assumes a forward pass costs a third of a training step "
             "(an assumption, not a measurement). Not included: data loading, checkpoints, start-up, queueing.",
             "", "DEBA h with characterization charges DEBA with the runs its thresholds are derived from: the DEBA "
             "runs plus the fixed-batch runs (every seed) of each cell with DEBA runs. The grid trains those baselines "
             "anyway, so device-hours counts them once; the column is what DEBA costs a user who trains nothing else."]
    measured = profile[profile["arch"].isin(runs["arch"])].groupby("arch")["batch_size"]
    single = measured.nunique()[lambda sizes: sizes == 1]
    if not single.empty:
        notes += ["", f"{', '.join(single.index)}: one measured batch size, so the step time is taken "
                  "proportional to the batch (no gain in hardware utilization assumed)."]
    largest = measured.max()
    short = largest[largest < EVAL_BATCH_SIZE]
    if not short.empty:
        notes += ["", f"Evaluation batches of {EVAL_BATCH_SIZE} lie beyond the profile's largest batch for "
                  + ", ".join(f"{arch} ({size})" for arch, size in short.items())
                  + "; there the step-time model extrapolates linearly."]
    return "\n".join(notes) + "\n"


def compare_with_measured(estimate: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """Predicted against measured training seconds of the completed fixed-batch runs, per architecture
    (`measured` has the run keys, status and train_time_s: the aggregate rule's runs.csv)."""
    done = measured[(measured["scheduler"] == "fixed") & (measured["status"] == "completed")]
    paired = estimate.merge(done[RUN_COLUMNS + ["train_time_s"]], on=RUN_COLUMNS, how="inner")
    table = paired.groupby(["dataset", "arch"], sort=False).agg(
        runs=("seed", "size"), predicted_s=("train_s", "mean"), measured_s=("train_time_s", "mean"))
    table["measured_over_predicted"] = table["measured_s"] / table["predicted_s"]
    return table.reset_index()


def validation_markdown(table: pd.DataFrame, hardware: str) -> str:
    """The predicted-vs-measured table of `compare_with_measured`, with what it checks."""
    shown = table.rename(columns={"arch": "architecture", "runs": "fixed runs", "predicted_s": "predicted s",
                                  "measured_s": "measured s", "measured_over_predicted": "measured / predicted"})
    return (f"Training seconds of the completed fixed-batch runs (mean per cell) against the cost model's "
            f"prediction from the throughput profile ({hardware}). A ratio near 1 means the profile prices "
            "this machine's runs; training time excludes evaluation, as `train_time_s` does.\n\n"
            + shown.to_markdown(index=False, floatfmt=".2f") + "\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", nargs="+", required=True,
                        help="workflow config file(s), merged in order over config/config.yaml as the workflow "
                             "merges --configfile (e.g. config/paper.yaml)")
    parser.add_argument("--throughput", nargs="+", required=True,
                        help="stored profile names or files (benchmarks/results/profiles/), throughput CSVs (rule "
                             "`throughput`) and/or a gpu_check JSON")
    parser.add_argument("--hardware", help="name the device (default: the profile's own device field)")
    parser.add_argument("--csv", type=Path, help="also write the per-architecture table here")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        profile, hardware = read_profile(args.throughput)
        runs = estimate_runs(config, profile)
    except (CostError, ConfigError) as error:
        parser.exit(2, f"deba.cost: {error}\n")
    table = by_architecture(runs)
    if args.csv:
        table.assign(hardware=args.hardware or hardware).to_csv(args.csv, index=False)
    named = [os.path.relpath(BASE_CONFIG_FILE), *(path for path in args.config
                                                  if Path(path).resolve() != BASE_CONFIG_FILE)]
    print(markdown(table, runs, profile, args.hardware or hardware, " + ".join(named)), end="")


if __name__ == "__main__":
    main()
