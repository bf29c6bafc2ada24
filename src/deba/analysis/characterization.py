"""Baseline characterization: how stable is an architecture's optimization under a fixed batch size?

From each fixed-batch baseline run's per-epoch signals (docs/results.md):

- gradient-norm variation  g = mean over epochs t = 2..T of |n_t - n_(t-1)| / (n_(t-1) + eps)
- loss variation           l = mean over epochs t = 2..T of |L_t - L_(t-1)| / (L_(t-1) + eps)
- stability score          S = 1 / (1 + (g + l) / 2)            in (0, 1], 1 = perfectly stable

S is our formula (the DEBA paper names a stability score but does not define it): it maps the mean relative
epoch-to-epoch change of the two signals DEBA reacts to onto (0, 1], monotone decreasing in either, with
S = 0.5 when they change by 100 % per epoch on average. Non-finite signal values (a diverged epoch) are
ignored; a run needs at least one finite value of each signal. Cell values are means over seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASELINE = ("fixed", "main")
METRICS = ("grad_norm_variation", "loss_variation", "stability_score", "grad_var")


def stability_score(grad_norm_variation: float, loss_variation: float) -> float:
    """S = 1 / (1 + (g + l) / 2); NaN if either input is NaN. Inputs are non-negative relative changes."""
    if not (np.isfinite(grad_norm_variation) and np.isfinite(loss_variation)):
        return float("nan")
    if grad_norm_variation < 0 or loss_variation < 0:
        raise ValueError("variations are absolute relative changes and cannot be negative")
    return 1.0 / (1.0 + (grad_norm_variation + loss_variation) / 2.0)


def run_metrics(epochs: pd.DataFrame) -> dict[str, float]:
    """The characterization metrics of one run from its epochs.csv rows."""
    def finite_mean(column: str) -> float:
        values = pd.to_numeric(epochs[column], errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        return float(values.mean()) if len(values) else float("nan")

    g, l = finite_mean("grad_norm_variation"), finite_mean("loss_variation")
    return {"grad_norm_variation": g, "loss_variation": l, "stability_score": stability_score(g, l),
            "grad_var": finite_mean("grad_var")}


def characterize_runs(runs: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """One row per fixed-batch baseline run: run keys, status and the metrics."""
    baseline = runs[(runs["scheduler"] == BASELINE[0]) & (runs["variant"] == BASELINE[1])]
    rows = []
    for _, run in baseline.iterrows():
        mask = ((epochs["dataset"] == run["dataset"]) & (epochs["arch"] == run["arch"]) &
                (epochs["scheduler"] == run["scheduler"]) & (epochs["variant"] == run["variant"]) &
                (epochs["seed"] == run["seed"]))
        rows.append({"dataset": run["dataset"], "arch": run["arch"], "seed": int(run["seed"]),
                     "status": run["status"], **run_metrics(epochs[mask])})
    return pd.DataFrame(rows, columns=["dataset", "arch", "seed", "status", *METRICS])


def characterize_cells(per_run: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, arch): mean and standard deviation over seeds of each metric; diverged runs counted.

    A diverged baseline run's finite epochs still characterize the architecture, so it is kept (and counted
    in `n_diverged`); a run without a finite value of a signal is left out of that metric's mean.
    """
    rows = []
    for (dataset, arch), group in per_run.groupby(["dataset", "arch"], sort=True):
        row = {"dataset": dataset, "arch": arch, "n_runs": len(group),
               "n_diverged": int((group["status"] == "diverged").sum())}
        for metric in METRICS:
            values = group[metric].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            row[metric] = float(values.mean()) if len(values) else float("nan")
            row[f"{metric}_sd"] = float(values.std(ddof=1)) if len(values) >= 2 else float("nan")
        rows.append(row)
    columns = ["dataset", "arch", "n_runs", "n_diverged"] + [c for m in METRICS for c in (m, f"{m}_sd")]
    return pd.DataFrame(rows, columns=columns)
