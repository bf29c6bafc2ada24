"""Walltime of the workflow's GPU jobs on a cluster (the `runtime` resource, SLURM's --time), from the cost
estimate instead of one flat limit for every run.

A training job gets the `deba.cost` estimate of its own run, priced on the throughput profile that the
workflow measured for its cell (rule `throughput`, on the same partition and GPU model), times MARGIN, plus
OVERHEAD_MINUTES. Snakemake evaluates a job's resources again when it submits the job, so every job
submitted after its cell's profile exists is priced: run the workflow's `cost` target first and all are. The
margin covers what the estimate leaves out or bounds only loosely: checkpoint writes, a DEBA run rolling
back below its starting batch, a `gns` run's estimate, a slower node. The overhead covers start-up: imports,
loading the data, building the model. A throughput job is priced the same way from its cell's previous
profile, if one exists: warm-up plus timed steps at every batch size of the config.

Where nothing prices a job (no profile yet, a profile measured at another scale, an unreadable one) it
gets FALLBACK_MINUTES. A retry gets the attempt number times as much: a job stopped at its
limit writes a checkpoint and its retry resumes, so an estimate that was too short costs one restart. A
site's cap (`max_minutes`, the partition's MaxTime) bounds every value; a run longer than the cap then
finishes over several attempts (profiles/slurm retries twice).

These numbers are assumptions, not measurements: a margin generous enough that an estimate is rarely cut
short, and a fallback as long as the old flat limit.

Pure pandas (no torch), cheap enough for the workflow to call while it builds the DAG and again when it
submits each job.
"""

from __future__ import annotations

import math
import os
from typing import Callable

from .analysis.hardware import step_time_model
from .cost import estimate_runs, read_profile
from .grid import Run

MARGIN = 2.0
OVERHEAD_MINUTES = 10
FALLBACK_MINUTES = {"train": 720, "throughput": 60}
WARMUP_STEPS = 1  # deba.throughput.measure's default, which rule `throughput` uses


class Walltimes:
    """Minutes per job of one config's grid. A cell is priced when its profile first prices it and again
    whenever that file changes (a profile written during the run prices the jobs submitted after it)."""

    def __init__(self, config: dict, profile_path: Callable[[str, str], str], max_minutes: int | None = None):
        self.config = config
        self.profile_path = profile_path
        self.max_minutes = max_minutes
        self._priced: dict[tuple[str, str], tuple[int | None, dict | None]] = {}

    def train(self, run: Run, attempt: int = 1) -> int:
        seconds = (self._cell(run.dataset, run.arch) or {}).get("runs", {}).get(run)
        return self._minutes(seconds, "train", attempt)

    def throughput(self, dataset: str, arch: str, attempt: int = 1) -> int:
        return self._minutes((self._cell(dataset, arch) or {}).get("throughput"), "throughput", attempt)

    def _minutes(self, seconds: float | None, rule: str, attempt: int) -> int:
        minutes = (FALLBACK_MINUTES[rule] if seconds is None
                   else math.ceil(MARGIN * seconds / 60) + OVERHEAD_MINUTES) * max(1, int(attempt))
        return min(minutes, self.max_minutes) if self.max_minutes else minutes

    def _cell(self, dataset: str, arch: str) -> dict | None:
        """{"runs": {Run: seconds}, "throughput": seconds} of a cell, from its profile; None if unpriced."""
        path = self.profile_path(dataset, arch)
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            stamp = None
        cached = self._priced.get((dataset, arch))
        if cached is None or cached[0] != stamp:
            cached = (stamp, None if stamp is None else price_cell(self.config, dataset, arch, path))
            self._priced[(dataset, arch)] = cached
        return cached[1]


def price_cell(config: dict, dataset: str, arch: str, profile_path: str) -> dict | None:
    """Seconds of every training run of one cell and of its throughput profile, priced by `profile_path`;
    None where that profile cannot price them (the message of why is not needed: the fallback applies)."""
    try:
        profile, _ = read_profile([profile_path])
        # The grid's runs of one cell depend on that cell alone (deba.grid.training_runs), so the grid of a
        # config narrowed to it holds exactly the full grid's runs of this cell.
        runs = estimate_runs({**config, "datasets": [dataset], "architectures": [arch]}, profile)
        tau = step_time_model(profile[profile["arch"] == arch])
    except (ValueError, KeyError, OSError):  # CostError, AnalysisInputError, pandas' parse errors
        return None
    steps = WARMUP_STEPS + config["throughput"]["timed_steps"]
    return {"runs": {Run(row.dataset, row.arch, row.scheduler, row.variant, int(row.seed)): float(row.total_s)
                     for row in runs.itertuples(index=False)},
            "throughput": steps * float(sum(tau(batch) for batch in config["throughput"]["batch_sizes"]))}
