"""The timing noise floor: how far identical work differs in time on the machine that timed the runs.

Two kinds of identical work are in a grid:
- the A/A timing control (`deba.timing_control`): fixed-batch runs trained twice, the designed control;
- DEBA runs that never changed the batch, against their fixed twins: they computed what the baseline computed.
  A DEBA run needs its baseline's thresholds, so it trains after the baselines, beside other neighbours; these
  pairs therefore also show any drift between the two phases of a grid, which every DEBA comparison carries and
  the A/A runs need not.
The floor is the larger of the two reaches (the largest |speedup| the 95 % interval of each reaches). It needs
the A/A runs: kept-batch pairs exist only where DEBA happened not to act, so they can raise the floor but never
make one. A speed estimate no larger than the floor is no evidence of a speed difference (`inside`).

The claims, the tables and the macros import the selection and the floor from here, so each is defined once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deba.timing_control import TIMING_CONTROL, is_timing_control
from paperkit.stats import mean_ci

__all__ = ["TIMING_CONTROL", "Control", "NoiseFloor", "inside", "is_timing_control", "kept_batch_pairs",
           "noise_floor"]


@dataclass(frozen=True)
class Control:
    """The speedups of one kind of identical-work pair: n, mean and its 95 % interval (NaN when n < 2)."""
    n: int
    mean: float
    low: float
    high: float

    def reach(self) -> float:
        """The largest |difference| the interval reaches (the one value's magnitude with a single pair)."""
        if not self.n:
            return math.nan
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return abs(self.mean)
        return max(abs(self.low), abs(self.high))


@dataclass(frozen=True)
class NoiseFloor:
    """How far the machine alone moves a timing: `floor` is the larger reach of the two controls, NaN
    without A/A runs; `aa` the timing-control runs, `kept` the DEBA runs that never changed the batch."""
    floor: float
    aa: Control
    kept: Control

    @property
    def known(self) -> bool:
        return math.isfinite(self.floor)


def _control(values: np.ndarray, **kwargs) -> Control:
    values = values[np.isfinite(values)]
    if not len(values):
        return Control(0, math.nan, math.nan, math.nan)
    if len(values) < 2:
        return Control(1, float(values[0]), math.nan, math.nan)
    mean, low, high = mean_ci(values, **kwargs)
    return Control(len(values), float(mean), float(low), float(high))


def kept_batch_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """DEBA pairs whose DEBA run never changed the batch: it computed what its fixed twin computed."""
    return pairs[(pairs["scheduler"] == "deba") & (pairs["batch_changes"] == 0)]


def noise_floor(pairs: pd.DataFrame, **kwargs) -> NoiseFloor:
    """The timing noise floor from the two kinds of identical work in `pairs` (comparisons.paired_runs);
    `kwargs` go to the bootstrap (module docstring)."""
    aa = _control(pairs.loc[is_timing_control(pairs), "speedup"].to_numpy(float), **kwargs)
    kept = _control(kept_batch_pairs(pairs)["speedup"].to_numpy(float), **kwargs)
    if not aa.n:
        return NoiseFloor(math.nan, aa, kept)
    return NoiseFloor(max(aa.reach(), kept.reach()) if kept.n else aa.reach(), aa, kept)


def inside(value: float, floor: float) -> bool:
    """Whether a speed estimate is no larger than the noise floor (False when either is unknown)."""
    return math.isfinite(value) and math.isfinite(floor) and abs(value) <= floor
