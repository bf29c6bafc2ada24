"""The DEBA paper's abstract claims beside this reproduction's numbers, with a computed verdict.

Claims (arXiv:2511.03809, abstract), each turned into a quantity we measure:
1-2. MobileNet-V3, DenseNet-121, EfficientNet-B0: 45-62 % speedup; +1 to +7 points of accuracy.
3-4. ResNet-18: +2.4 to +4.0 points of accuracy; 36-43 % speedup.
5.   ResNet-50: high variance and occasional degradation (seed-to-seed spread of the accuracy change
     larger than the other architectures', and at least one seed worse than its baseline).
6-7. ViT-B16: about 6 % speedup (read as 1-11 %), accuracy maintained (within 1 point).
8.   Sliding-window statistics beat full history. 9. Cooldowns of 5+ epochs beat shorter ones.
10.  The stability score predicts the benefit: lower baseline stability, larger speedup (rho < 0).

A verdict is earned only by an experiment that could have shown otherwise, so before any estimate is read:
- "not exercised": the DEBA runs of every pair used kept their batch size (they computed what the fixed
  baseline computed), or, for an ablation, both sides made the same batch-size decisions;
- "not testable on this device": a speed claim whose lower end exceeds what the device's throughput profile
  allows any fixed-epoch schedule to save (`hardware.speedup_ceiling`, stated in the row);
- "not testable at this scale": an accuracy gain larger than the baseline leaves room for (its accuracy
  is within the claimed gain of 100 %), or a correlation over fewer than `predictive.MIN_CELLS` cells;
- "within the timing noise floor": a speed estimate no larger than identical work differs in time: the A/A
  `timing_control` runs and the DEBA runs that kept the batch against their fixed twins (`noise_floor`).
  Without A/A runs a speed claim is inconclusive. In an ablation (8, 9) a speed difference inside the floor
  is no evidence either way, so only its accuracy difference can decide;
- "not testable at this scale" also: an estimate over fewer than `MIN_PAIRS` seed pairs. A bootstrap
  interval over 2-4 pairs excludes 0 whenever they share a sign, which 4 pairs do by chance alone with
  probability 1/8 (1/16 on the claimed side); from 5 it is 1/32 on the claimed side, below 0.05.
Then (every estimate is a mean over pooled seed pairs with a bootstrap 95 % interval):
- range claims: "supported" if the interval overlaps the claimed range and excludes 0 on the claimed
  side; "not supported" if the interval lies entirely outside the range; otherwise "inconclusive".
- "A beats B" claims (8, 9): "supported" if an interval of the paired difference (accuracy or speedup) lies
  above 0 and neither lies below; "not supported" if one lies below 0 and none above; else "inconclusive".
- non-inferiority (7): "supported" if the interval's lower end is above -1 point, "not supported" if its
  upper end is below -1 point, else "inconclusive".
- variance (5): "supported" if Levene's test (scipy.stats.levene) finds ResNet-50's spread larger at
  p < 0.05 and some seed degrades; "not supported" if its spread is not larger and no seed degrades.
- correlation (10): Spearman's rho with an exact permutation p-value: "supported" if rho < 0 at p < 0.05,
  "not supported" if rho > 0 at p < 0.05, else "inconclusive".
A claim whose architectures were not run, or with fewer than two pairs, is "inconclusive at this scale".
Every row names its basis: pairs (and how many changed the batch), cells, device and noise floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from deba.analysis.predictive import MIN_CELLS
from paperkit.latex import escape, format_number
from paperkit.stats import mean_ci

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive at this scale"
NOT_EXERCISED = "not exercised"
NOT_TESTABLE_DEVICE, NOT_TESTABLE_SCALE = "not testable on this device", "not testable at this scale"
WITHIN_NOISE = "within the timing noise floor"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, NOT_EXERCISED, NOT_TESTABLE_DEVICE, NOT_TESTABLE_SCALE,
            WITHIN_NOISE)
LIGHT = ("mobilenet_v3", "densenet121", "efficientnet_b0")
RANGE_CLAIMS = (
    # id, claim text, architectures, measure, low, high
    ("light-speedup", "MobileNet-V3, DenseNet-121, EfficientNet-B0: 45--62\\% speedup", LIGHT, "speedup", 0.45, 0.62),
    ("light-accuracy", "MobileNet-V3, DenseNet-121, EfficientNet-B0: +1 to +7 points accuracy", LIGHT,
     "acc_diff", 0.01, 0.07),
    ("resnet18-accuracy", "ResNet-18: +2.4 to +4.0 points accuracy", ("resnet18",), "acc_diff", 0.024, 0.040),
    ("resnet18-speedup", "ResNet-18: 36--43\\% speedup", ("resnet18",), "speedup", 0.36, 0.43),
    ("vit-speedup", "ViT-B16: minimal speedup (about 6\\%)", ("vit_b16",), "speedup", 0.01, 0.11),
)
NON_INFERIORITY_MARGIN = -0.01
MIN_PAIRS = 5  # the fewest seed pairs an interval-based verdict rests on (module docstring)
TIMING_CONTROL = ("fixed", "repeat")  # deba.grid.TIMING_CONTROL: the A/A runs
COLUMNS = ["id", "claim", "paper", "ours", "n", "verdict", "reason", "basis"]


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
    without A/A runs; `aa` the timing_control runs, `kept` the DEBA runs that never changed the batch."""
    floor: float
    aa: Control
    kept: Control


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
    """The timing noise floor from the two kinds of identical work a grid holds.

    A/A: the timing_control runs, fixed-batch runs trained twice. Kept batch: DEBA runs that never changed
    the batch against their fixed twins. A DEBA run needs its baseline's thresholds, so it trains after the
    baselines, next to other neighbours; a kept-batch pair therefore also shows any drift between the two
    phases of a grid, which every DEBA comparison carries and the A/A runs need not. The floor is the larger
    of the two reaches; it needs the A/A runs (the designed control: kept-batch pairs exist only where DEBA
    happened not to act), and kept-batch pairs can only raise it.
    """
    control = pairs[(pairs["scheduler"] == TIMING_CONTROL[0]) & (pairs["variant"] == TIMING_CONTROL[1])]
    aa = _control(control["speedup"].to_numpy(float), **kwargs)
    kept = _control(kept_batch_pairs(pairs)["speedup"].to_numpy(float), **kwargs)
    if not aa.n:
        return NoiseFloor(math.nan, aa, kept)
    return NoiseFloor(max(aa.reach(), kept.reach()) if kept.n else aa.reach(), aa, kept)


def _main_pairs(pairs: pd.DataFrame, archs) -> pd.DataFrame:
    return pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main") & pairs["arch"].isin(archs)]


def _pooled(pairs: pd.DataFrame, archs, measure: str, **kwargs) -> tuple[int, float, float, float]:
    values = _main_pairs(pairs, archs)[measure].to_numpy(float)
    values = values[np.isfinite(values)]
    mean, low, high = mean_ci(values, **kwargs)
    return len(values), mean, low, high


def range_verdict(low: float, high: float, claim_low: float, claim_high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return INCONCLUSIVE
    if high < claim_low or low > claim_high:
        return NOT_SUPPORTED
    side_ok = low > 0 if claim_low > 0 else (high < 0 if claim_high < 0 else True)
    return SUPPORTED if side_ok else INCONCLUSIVE


def better_verdict(intervals: list[tuple[float, float]]) -> str:
    finite = [(lo, hi) for lo, hi in intervals if math.isfinite(lo) and math.isfinite(hi)]
    above = any(lo > 0 for lo, hi in finite)
    below = any(hi < 0 for lo, hi in finite)
    if above and not below:
        return SUPPORTED
    if below and not above:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def _interval(mean: float, low: float, high: float, scale: float = 100.0, digits: int = 1) -> str:
    if not math.isfinite(mean):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(high)):
        return format_number(mean * scale, digits)
    return (f"{format_number(mean * scale, digits)} [{format_number(low * scale, digits)}, "
            f"{format_number(high * scale, digits)}]")


def _percent(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{format_number(value * 100, 1)}\\%"


class Basis:
    """What every verdict rests on: the device, the timing noise floor, and per claim its pairs and cells."""

    def __init__(self, pairs: pd.DataFrame, device: str, ceilings: pd.DataFrame, **kwargs):
        self.noise = noise_floor(pairs, **kwargs)
        self.floor = self.noise.floor
        self.device = escape(device) if device else "unknown device"
        self.ceilings = ceilings

    def floor_text(self) -> str:
        if not math.isfinite(self.floor):
            return "no A/A timing control"
        kept = f", {self.noise.kept.n} kept-batch" if self.noise.kept.n else ""
        return f"noise floor {_percent(self.floor)} (identical work: {self.noise.aa.n} A/A{kept})"

    def describe(self, used: pd.DataFrame) -> str:
        changed = int((used["batch_changes"] > 0).sum()) if len(used) else 0
        cells = used[["dataset", "arch"]].drop_duplicates() if len(used) else used
        return (f"{len(used)} pairs ({changed} changed the batch), {len(cells)} cells; {self.device}; "
                f"{self.floor_text()}")

    def ceiling(self, archs) -> float:
        rows = self.ceilings[self.ceilings["arch"].isin(archs)] if len(self.ceilings) else self.ceilings
        return float(rows["speedup_ceiling"].max()) if len(rows) else math.nan


def claims_table(pairs: pd.DataFrame, contrasts: pd.DataFrame, correlations: pd.DataFrame, *,
                 ceilings: pd.DataFrame | None = None, device: str = "", **kwargs) -> pd.DataFrame:
    """One row per claim: id, claim, paper, ours (LaTeX text), n, verdict, reason, basis."""
    ceilings = ceilings if ceilings is not None else pd.DataFrame(columns=["dataset", "arch", "speedup_ceiling"])
    basis = Basis(pairs, device, ceilings, **kwargs)
    rows = [_range_claim(pairs, basis, claim, **kwargs) for claim in RANGE_CLAIMS]
    rows.append(_resnet50_claim(pairs, basis))
    rows.append(_vit_accuracy_claim(pairs, basis, **kwargs))
    for ablation, claim in (("window", "Sliding-window statistics beat full history"),
                            ("cooldown", "Cooldowns of 5+ epochs beat shorter ones")):
        rows.append(_ablation_claim(contrasts, ablation, claim, basis))
    rows.append(_predictive_claim(correlations, basis))
    return pd.DataFrame(rows, columns=COLUMNS)


def _precondition(used: pd.DataFrame, archs, present) -> tuple[str, str] | None:
    """(verdict, reason) when the pairs cannot decide the claim at all, else None."""
    if not present:
        return INCONCLUSIVE, "architectures not in this grid"
    n = int(used["acc_diff"].notna().sum())
    if n < 2:
        return INCONCLUSIVE, f"n={n} pairs: too few for an interval"
    if not (used["batch_changes"] > 0).any():
        return NOT_EXERCISED, "DEBA kept the batch size in every pair: it computed what the baseline did"
    return None


def _range_claim(pairs: pd.DataFrame, basis: Basis, claim, **kwargs) -> dict:
    claim_id, text, archs, measure, low, high = claim
    used = _main_pairs(pairs, archs)
    present = sorted(set(archs) & set(pairs["arch"]))
    n, mean, ci_low, ci_high = _pooled(pairs, archs, measure, **kwargs)
    unit = "\\%" if measure == "speedup" else " pts"
    row = {"id": claim_id, "claim": text, "paper": f"{low * 100:g}--{high * 100:g}{unit}",
           "ours": _interval(mean, ci_low, ci_high) + (unit if math.isfinite(mean) else ""), "n": n,
           "basis": basis.describe(used)}
    blocked = _precondition(used, archs, present)
    if blocked:
        return {**row, "verdict": blocked[0], "reason": blocked[1]}
    if measure == "speedup":
        ceiling = basis.ceiling(archs)
        if math.isfinite(ceiling) and ceiling < low:
            return {**row, "verdict": NOT_TESTABLE_DEVICE,
                    "reason": f"the throughput profile allows at most {_percent(ceiling)} in a fixed number of "
                              "epochs, below the claimed range"}
        if not math.isfinite(basis.floor):
            return {**row, "verdict": INCONCLUSIVE, "reason": "no A/A timing control to judge timing noise"}
        if abs(mean) <= basis.floor:
            return {**row, "verdict": WITHIN_NOISE,
                    "reason": f"|{_percent(mean)}| is no larger than identical runs differ ({_percent(basis.floor)})"}
    else:
        room = 1.0 - float(used["acc_fixed"].max())
        if room < low:
            return {**row, "verdict": NOT_TESTABLE_SCALE,
                    "reason": f"the baseline reaches {_percent(1 - room)}, leaving {_percent(room)} to gain"}
    if n < MIN_PAIRS:
        return {**row, "verdict": NOT_TESTABLE_SCALE, "reason": _too_few_pairs(n)}
    return {**row, "verdict": range_verdict(ci_low, ci_high, low, high), "reason": f"n={n} pairs"}


def _too_few_pairs(n: int) -> str:
    return f"n={n} pairs: an interval needs at least {MIN_PAIRS}"


def _resnet50_claim(pairs: pd.DataFrame, basis: Basis) -> dict:
    deba = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")]
    used = deba[deba["arch"] == "resnet50"]
    target = used["acc_diff"].dropna().to_numpy(float)
    others = deba[deba["arch"] != "resnet50"]
    # Spread is measured around each cell's own mean, so differences between cells do not count as variance.
    centred = (others["acc_diff"] - others.groupby(["dataset", "arch"])["acc_diff"].transform("mean")).dropna()
    row = {"id": "resnet50-variance", "claim": "ResNet-50: high variance, occasional degradation",
           "paper": "qualitative", "n": len(target), "basis": basis.describe(used)}
    if len(target) < 2 or len(centred) < 2:
        return {**row, "ours": "n/a", "verdict": INCONCLUSIVE,
                "reason": "ResNet-50 or other architectures have fewer than 2 pairs"}
    if len(target) < MIN_PAIRS:
        return {**row, "ours": "n/a", "verdict": NOT_TESTABLE_SCALE, "reason": _too_few_pairs(len(target))}
    target_centred = target - target.mean()
    sd_target, sd_others = float(np.std(target, ddof=1)), float(np.std(centred, ddof=1))
    p = float(stats.levene(target_centred, centred.to_numpy(float), center="median").pvalue)
    degraded = int((target < 0).sum())
    ours = (f"SD {format_number(sd_target * 100, 1)} vs {format_number(sd_others * 100, 1)} pts "
            f"(Levene p={format_number(p, 3)}); {degraded} of {len(target)} seeds worse")
    if not (used["batch_changes"] > 0).any():
        return {**row, "ours": ours, "verdict": NOT_EXERCISED,
                "reason": "DEBA kept the batch size in every ResNet-50 pair"}
    larger = sd_target > sd_others
    if larger and p < 0.05 and degraded:
        verdict = SUPPORTED
    elif not larger and not degraded:
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE
    return {**row, "ours": ours, "verdict": verdict, "reason": "spread of per-seed accuracy change"}


def _vit_accuracy_claim(pairs: pd.DataFrame, basis: Basis, **kwargs) -> dict:
    used = _main_pairs(pairs, ("vit_b16",))
    n, mean, low, high = _pooled(pairs, ("vit_b16",), "acc_diff", **kwargs)
    row = {"id": "vit-accuracy", "claim": "ViT-B16: accuracy maintained", "paper": "maintained",
           "ours": _interval(mean, low, high) + (" pts" if math.isfinite(mean) else ""), "n": n,
           "basis": basis.describe(used)}
    blocked = _precondition(used, ("vit_b16",), "vit_b16" in set(pairs["arch"]))
    if blocked:
        return {**row, "verdict": blocked[0], "reason": blocked[1]}
    if n < MIN_PAIRS:
        return {**row, "verdict": NOT_TESTABLE_SCALE, "reason": _too_few_pairs(n)}
    if not math.isfinite(low):
        verdict, reason = INCONCLUSIVE, "no interval"
    elif low > NON_INFERIORITY_MARGIN:
        verdict, reason = SUPPORTED, "interval above $-$1 point"
    elif high < NON_INFERIORITY_MARGIN:
        verdict, reason = NOT_SUPPORTED, "interval below $-$1 point"
    else:
        verdict, reason = INCONCLUSIVE, "interval contains $-$1 point"
    return {**row, "verdict": verdict, "reason": reason}


def _ablation_claim(contrasts: pd.DataFrame, ablation: str, claim: str, basis: Basis) -> dict:
    found = contrasts[contrasts["ablation"] == ablation] if len(contrasts) else contrasts
    base = {"id": ablation, "claim": claim, "paper": "essential"}
    if found.empty or found.iloc[0]["n"] < 2:
        return {**base, "ours": "n/a", "n": int(found.iloc[0]["n"]) if not found.empty else 0,
                "verdict": INCONCLUSIVE, "reason": "ablation runs missing or fewer than 2 pairs",
                "basis": basis.floor_text()}
    r = found.iloc[0]
    n = int(r["n"])
    ours = (f"acc. {_interval(r['acc_diff_delta'], r['acc_diff_low'], r['acc_diff_high'])} pts; "
            f"speedup {_interval(r['speedup_delta'], r['speedup_low'], r['speedup_high'])}\\%")
    row = {**base, "ours": ours, "n": n,
           "basis": f"{n} pairs by cell and seed, {int(r['n_changed'])} with a batch change on either side, "
                    f"{int(r['n_different'])} deciding differently; {basis.device}; {basis.floor_text()}"}
    if int(r["n_changed"]) == 0:
        return {**row, "verdict": NOT_EXERCISED, "reason": "neither side changed the batch size in any pair"}
    if int(r["n_different"]) == 0:
        return {**row, "verdict": NOT_EXERCISED, "reason": "both sides made the same batch-size decisions"}
    if n < MIN_PAIRS:
        return {**row, "verdict": NOT_TESTABLE_SCALE, "reason": _too_few_pairs(n)}
    intervals, reason = [(r["acc_diff_low"], r["acc_diff_high"])], f"paired by cell and seed, n={n}"
    if math.isfinite(basis.floor) and abs(r["speedup_delta"]) > basis.floor:
        intervals.append((r["speedup_low"], r["speedup_high"]))
    else:
        reason += "; the speed difference is " + ("inside the timing noise floor" if math.isfinite(basis.floor)
                                                  else "not judged without an A/A timing control")
    return {**row, "verdict": better_verdict(intervals), "reason": reason}


def _predictive_claim(correlations: pd.DataFrame, basis: Basis) -> dict:
    row = correlations[(correlations["predictor"] == "stability_score") & (correlations["outcome"] == "speedup")]
    base = {"id": "predictive", "claim": "Baseline stability predicts the benefit", "paper": "predicts",
            "basis": f"cells of DEBA main vs fixed; {basis.device}; {basis.floor_text()}"}
    n = int(row.iloc[0]["n_cells"]) if not row.empty else 0
    if n < MIN_CELLS:
        return {**base, "ours": "n/a", "n": n, "verdict": NOT_TESTABLE_SCALE,
                "reason": f"{n} cell(s): a correlation needs at least {MIN_CELLS}"}
    r = row.iloc[0]
    if not math.isfinite(r["rho"]):
        return {**base, "ours": "n/a", "n": n, "verdict": INCONCLUSIVE, "reason": "no variation across cells"}
    p = float(r["p_permutation"])
    ours = f"$\\rho$ = {format_number(r['rho'], 2)} (permutation p={format_number(p, 3)}, n={n})"
    if p < 0.05 and r["rho"] < 0:
        verdict = SUPPORTED
    elif p < 0.05 and r["rho"] > 0:
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE
    return {**base, "ours": ours, "n": n, "verdict": verdict,
            "reason": "Spearman, stability score vs speedup across cells, exact permutation test"}
