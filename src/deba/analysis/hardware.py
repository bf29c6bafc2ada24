"""Hardware versus optimization: how much of a measured speedup does hardware utilization alone predict?

A larger batch can save time in two ways: each image is cheaper on the device (hardware utilization), and
training may need fewer epochs to reach a target (optimization). DEBA trains for a fixed number of epochs,
so its saving in total training time should be almost entirely the first kind. We predict it from the
measured throughput profile of the architecture (step time against batch size, on synthetic data) and the
run's own batch-size trajectory:

    predicted time(run) = sum over epochs e of steps_e * tau(b_e)
    predicted speedup   = 1 - predicted time(method run) / predicted time(same-seed fixed run)

with tau(b) the profiled step time, interpolated linearly in b between measured batch sizes and
extrapolated linearly from the two nearest points outside them (a step's cost is close to affine in b), and
never below the smallest measured step time. Measured minus predicted speedup is what the profile does not
explain: monitor overhead, data movement, and measurement noise. For time to target accuracy, the part of
the measured saving that the profile does not predict is the optimization effect (fewer epochs).

A third part is less work, not cheaper work. The trainer drops an epoch's last, partial batch, so at batch b an
epoch trains floor(n / b) * b of its n images: on a small training subset a grown run trains fewer images than
its fixed twin (512 images: 480 at b = 96, 432 at b = 144). The prediction therefore splits exactly:

    1 - predicted speedup = (1 - images skipped) * (1 - utilization speedup)

with `images_skipped` = 1 - images(method run) / images(fixed run) and `utilization_speedup` the profile's
saving per image trained (the only part a batch size can buy on the device; `speedup_ceiling` bounds it).

The same profile bounds what any batch-size schedule can save in a fixed number of epochs on this device
(`speedup_ceiling`): the claims table calls a speed claim above that bound not testable here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deba.analysis.load import AnalysisInputError

CELL = ["dataset", "arch"]
RUN = ["dataset", "arch", "scheduler", "variant", "seed"]


def step_time_model(profile: pd.DataFrame):
    """tau(b): a callable giving the step time at batch sizes b from one (dataset, arch) throughput profile."""
    table = profile.groupby("batch_size", as_index=False)["step_time_s"].median().sort_values("batch_size")
    sizes = table["batch_size"].to_numpy(float)
    times = table["step_time_s"].to_numpy(float)
    if len(sizes) == 0:
        raise AnalysisInputError("empty throughput profile")

    def tau(batch: np.ndarray | float) -> np.ndarray:
        b = np.asarray(batch, dtype=float)
        if len(sizes) == 1:
            # One point: assume cost proportional to batch size (no utilization gain predicted).
            return times[0] * b / sizes[0]
        inside = np.interp(b, sizes, times)
        low_slope = (times[1] - times[0]) / (sizes[1] - sizes[0])
        high_slope = (times[-1] - times[-2]) / (sizes[-1] - sizes[-2])
        out = np.where(b < sizes[0], times[0] + low_slope * (b - sizes[0]), inside)
        out = np.where(b > sizes[-1], times[-1] + high_slope * (b - sizes[-1]), out)
        return np.maximum(out, times.min())

    return tau


def predicted_time(epochs_of_run: pd.DataFrame, tau) -> float:
    """sum_e steps_e * tau(b_e) over the run's epochs (seconds, on the profiling device)."""
    steps = epochs_of_run["steps"].to_numpy(float)
    batches = epochs_of_run["batch_size"].to_numpy(float)
    return float(np.sum(steps * tau(batches)))


def images_trained(epochs_of_run: pd.DataFrame) -> float:
    """sum_e steps_e * b_e: the training images the run's epochs went through (partial batches are dropped)."""
    return float((epochs_of_run["steps"].to_numpy(float) * epochs_of_run["batch_size"].to_numpy(float)).sum())


def predicted_times(epochs: pd.DataFrame, throughput: pd.DataFrame) -> tuple[dict, dict]:
    """({run key: predicted seconds}, {run key: images trained}) of every run whose cell has a profile."""
    predicted, images = {}, {}
    for (dataset, arch), group in epochs.groupby(CELL, sort=True):
        profile = throughput[(throughput["dataset"] == dataset) & (throughput["arch"] == arch)]
        if profile.empty:
            continue
        tau = step_time_model(profile)
        for key, run_epochs in group.groupby(RUN, sort=True):
            predicted[key] = predicted_time(run_epochs, tau)
            images[key] = images_trained(run_epochs)
    return predicted, images


def predicted_characterization(runs: pd.DataFrame, predicted: dict) -> pd.Series:
    """Per cell, the predicted seconds of its fixed-batch baseline runs (what DEBA's thresholds cost on the
    profile's device; comparisons.characterization_time measures the same on the runs' own)."""
    baseline = runs[(runs["scheduler"] == "fixed") & (runs["variant"] == "main")]
    times = {}
    for key in baseline[RUN].itertuples(index=False, name=None):
        if key in predicted:
            times[key[:2]] = times.get(key[:2], 0.0) + predicted[key]
    return pd.Series(times, name="characterization_s", dtype=float)


def hardware_speedups(runs: pd.DataFrame, epochs: pd.DataFrame, throughput: pd.DataFrame) -> pd.DataFrame:
    """Per completed non-baseline run with a completed same-seed baseline: predicted vs measured speedup, the
    prediction's two parts (images skipped, cost per image; module docstring), the two runs' predicted seconds
    and the predicted seconds of the cell's characterization (its fixed-batch baseline runs)."""
    predicted, images = predicted_times(epochs, throughput)
    characterization = predicted_characterization(runs, predicted)
    completed = runs[runs["status"] == "completed"].set_index(RUN)
    rows = []
    for key, run in completed.iterrows():
        dataset, arch, scheduler, variant, seed = key
        baseline_key = (dataset, arch, "fixed", "main", seed)
        if scheduler == "fixed" or baseline_key not in completed.index or key not in predicted:
            continue
        if baseline_key not in predicted:
            continue
        baseline = completed.loc[baseline_key]
        per_image = (predicted[key] / images[key]) / (predicted[baseline_key] / images[baseline_key])
        rows.append({"dataset": dataset, "arch": arch, "scheduler": scheduler, "variant": variant, "seed": seed,
                     "predicted_speedup": 1.0 - predicted[key] / predicted[baseline_key],
                     "images_skipped": 1.0 - images[key] / images[baseline_key],
                     "utilization_speedup": 1.0 - per_image,
                     "measured_speedup": 1.0 - run["train_time_s"] / baseline["train_time_s"],
                     "predicted_time_s": predicted[key], "predicted_fixed_time_s": predicted[baseline_key],
                     "predicted_characterization_s": characterization.get((dataset, arch), np.nan),
                     "mean_batch_size": float(np.mean([int(b) for b in str(run["batch_size_trajectory"]).split()]))})
    table = pd.DataFrame(rows, columns=RUN + ["predicted_speedup", "images_skipped", "utilization_speedup",
                                              "measured_speedup", "predicted_time_s", "predicted_fixed_time_s",
                                              "predicted_characterization_s", "mean_batch_size"])
    table["unexplained"] = table["measured_speedup"] - table["predicted_speedup"]
    return table


def speedup_ceiling(tau, start_batch: float, max_batch: float, profiled: np.ndarray) -> tuple[float, float]:
    """(the largest speedup the profile allows a fixed-epoch run starting at `start_batch`, the batch size
    giving it): 1 - (tau(b)/b) / (tau(b0)/b0) at the cheapest per-image batch b in [b0, max_batch].

    A run of fixed length processes the same images whatever its batch sizes (up to the partial batches it
    drops, `images_skipped`, which is less work rather than cheaper work), so its training time can fall only
    by as much as the cost of an image does; not even a run at that best size from its first step saves more.
    tau(b)/b is monotone between profiled sizes (tau is linear there), so the profiled sizes and the
    interval's ends are the only candidates.
    """
    candidates = np.unique(np.concatenate([[start_batch, max_batch],
                                           profiled[(profiled > start_batch) & (profiled < max_batch)]]))
    per_image = tau(candidates) / candidates
    best = int(np.argmin(per_image))
    start_cost = float(tau(np.array([start_batch]))[0]) / start_batch
    return float(1.0 - per_image[best] / start_cost), float(candidates[best])


def cell_ceilings(runs: pd.DataFrame, throughput: pd.DataFrame) -> pd.DataFrame:
    """Per cell: the speedup ceiling of its throughput profile for the grid's start and largest batch size."""
    rows = []
    for (dataset, arch), group in runs.groupby(CELL, sort=True):
        profile = throughput[(throughput["dataset"] == dataset) & (throughput["arch"] == arch)]
        if profile.empty:
            continue
        tau = step_time_model(profile)
        profiled = np.sort(profile["batch_size"].unique().astype(float))
        start = float(group["batch_size"].min())
        largest = float(pd.to_numeric(group.get("max_batch"), errors="coerce").max()) if "max_batch" in group else np.nan
        largest = largest if np.isfinite(largest) else float(profiled[-1])  # no bound recorded: the profile's
        ceiling, best = speedup_ceiling(tau, start, max(start, largest), profiled)
        rows.append({"dataset": dataset, "arch": arch, "start_batch": start, "max_batch": largest,
                     "speedup_ceiling": ceiling, "best_batch": best})
    return pd.DataFrame(rows, columns=CELL + ["start_batch", "max_batch", "speedup_ceiling", "best_batch"])


def throughput_curve(throughput: pd.DataFrame) -> pd.DataFrame:
    """Images per second against batch size, relative to the smallest profiled batch size, per cell."""
    rows = []
    for (dataset, arch), group in throughput.groupby(CELL, sort=True):
        table = group.groupby("batch_size", as_index=False)["images_per_s"].median().sort_values("batch_size")
        table["relative_throughput"] = table["images_per_s"] / table["images_per_s"].iloc[0]
        table.insert(0, "arch", arch)
        table.insert(0, "dataset", dataset)
        rows.append(table)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=CELL + ["batch_size", "images_per_s", "relative_throughput"])
