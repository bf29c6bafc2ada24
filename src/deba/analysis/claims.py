"""The DEBA paper's abstract claims beside this reproduction's numbers, with a computed verdict.

Claims (arXiv:2511.03809, abstract), each turned into a quantity we measure:
1-2. MobileNet-V3, DenseNet-121, EfficientNet-B0: 45-62 % speedup; +1 to +7 points of accuracy.
3-4. ResNet-18: +2.4 to +4.0 points of accuracy; 36-43 % speedup.
5.   ResNet-50: high variance and occasional degradation (seed-to-seed spread of the accuracy change
     larger than the other architectures', and at least one seed worse than its baseline).
6-7. ViT-B16: about 6 % speedup (read as 1-11 %), accuracy maintained (within 1 point).
8.   Sliding-window statistics beat full history. 9. Cooldowns of 5+ epochs beat shorter ones.
10.  The stability score predicts the benefit: lower baseline stability, larger benefit (rho < 0).

A verdict is earned only by an experiment that could have shown otherwise, so before any estimate is read:
- "not run": the grid trains none of the claim's architectures, or has no runs of the ablation;
- "not exercised": the DEBA runs of every pair used kept their batch size (they computed what the fixed
  baseline computed), or, for an ablation, fewer than `MIN_PAIRS` of its seed pairs made different batch-size
  decisions on its two sides (an interval over the others is made of pairs that test nothing);
- "not testable on this device": a speed claim whose lower end exceeds what the device's throughput profile
  allows any fixed-epoch schedule to save (`hardware.speedup_ceiling`, stated in the row); the predictive
  claim when no outcome the device measures varies across cells (see 10 below);
- "not testable at this scale": an accuracy gain larger than the baseline leaves room for (its accuracy
  is within the claimed gain of 100 %), a correlation over fewer than `predictive.MIN_CELLS` cells, or an
  estimate over fewer than `MIN_PAIRS` seed pairs (`comparisons.MIN_PAIRS`);
- "within the timing noise floor": a speed estimate no larger than identical work differs in time
  (`noise.noise_floor`). Without A/A runs a speed claim is inconclusive. In an ablation (8, 9) a speed
  difference inside the floor is no evidence either way, so only its accuracy difference can decide.
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
  "not supported" if rho > 0 at p < 0.05, else "inconclusive". The outcome is one the device measures: the
  measured speedup only when every cell's speedup lies outside the timing noise floor, else the accuracy
  change; a speedup inside the floor is never correlated. The speedups a stored device profile prices are
  judged per profile in `deba.analysis.pricing` (predicted rows).

Every row is data (results/stats/claims.csv): the claimed range and every estimate as numbers (fractions),
the verdict as a code (VERDICTS; `label` words it), and its reason and basis (pairs, how many changed the
batch, cells, device, noise floor) as plain text. Beside the intention-to-treat estimate (every pair) a row
gives the estimate over the pairs whose batch changed (`changed_*`) and, for accuracy, the estimate without
pairs whose baseline collapsed to chance (`without_collapsed_*`); `interpretable` says whether the interval
rests on at least `MIN_PAIRS` pairs. `deba.analysis.tables` formats them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from deba.analysis.comparisons import MIN_PAIRS, interpretable
from deba.analysis.noise import NoiseFloor, inside, noise_floor
from deba.analysis.predictive import MIN_CELLS
from paperkit.stats import mean_ci

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not_supported", "inconclusive"
NOT_RUN, NOT_EXERCISED = "not_run", "not_exercised"
NOT_TESTABLE_DEVICE, NOT_TESTABLE_SCALE = "not_testable_device", "not_testable_scale"
WITHIN_NOISE = "within_noise"
# verdict code -> its words in tables and prose
VERDICT_LABELS = {SUPPORTED: "supported", NOT_SUPPORTED: "not supported", INCONCLUSIVE: "inconclusive at this scale",
                  NOT_RUN: "not run", NOT_EXERCISED: "not exercised",
                  NOT_TESTABLE_DEVICE: "not testable on this device", NOT_TESTABLE_SCALE: "not testable at this scale",
                  WITHIN_NOISE: "within the timing noise floor"}
VERDICTS = tuple(VERDICT_LABELS)
LIGHT = ("mobilenet_v3", "densenet121", "efficientnet_b0")
RANGE_CLAIMS = (
    # id, claim text (plain), architectures, measure, low, high
    ("light-speedup", "MobileNet-V3, DenseNet-121, EfficientNet-B0: 45-62% speedup", LIGHT, "speedup", 0.45, 0.62),
    ("light-accuracy", "MobileNet-V3, DenseNet-121, EfficientNet-B0: +1 to +7 points accuracy", LIGHT,
     "acc_diff", 0.01, 0.07),
    ("resnet18-accuracy", "ResNet-18: +2.4 to +4.0 points accuracy", ("resnet18",), "acc_diff", 0.024, 0.040),
    ("resnet18-speedup", "ResNet-18: 36-43% speedup", ("resnet18",), "speedup", 0.36, 0.43),
    ("vit-speedup", "ViT-B16: minimal speedup (about 6%)", ("vit_b16",), "speedup", 0.01, 0.11),
)
NON_INFERIORITY_MARGIN = -0.01
COLUMNS = ["id", "claim", "measure", "paper_low", "paper_high", "paper", "n", "n_changed", "estimate", "low", "high",
           "interpretable", "changed_estimate", "changed_low", "changed_high", "n_collapsed", "collapsed",
           "without_collapsed_estimate", "without_collapsed_low", "without_collapsed_high", "speedup_delta",
           "speedup_low", "speedup_high", "n_different", "per_pair", "spread", "spread_others", "levene_p",
           "n_degraded", "outcome", "rho", "p", "noise_floor", "verdict", "reason", "basis"]


def label(verdict: str) -> str:
    """A verdict code in words ("not_testable_device" -> "not testable on this device")."""
    return VERDICT_LABELS[verdict]


def text_percent(value: float) -> str:
    """A fraction as plain-text percent for the reasons and bases the claims files hold ("9.6%", "n/a"); the
    tables' numbers are formatted by paperkit.latex, but these sentences are data, written once."""
    return f"{value * 100:.1f}%" if math.isfinite(value) else "n/a"


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


def correlation_verdict(rho: float, p: float) -> str:
    """Spearman's rho with its permutation p: supported if negative at p < 0.05, not supported if positive."""
    if not (math.isfinite(rho) and math.isfinite(p)) or p >= 0.05:
        return INCONCLUSIVE
    return SUPPORTED if rho < 0 else NOT_SUPPORTED


class Basis:
    """What every verdict rests on: the device, the timing noise floor, and per claim its pairs and cells."""

    def __init__(self, pairs: pd.DataFrame, device: str, ceilings: pd.DataFrame, **kwargs):
        self.noise: NoiseFloor = noise_floor(pairs, **kwargs)
        self.floor = self.noise.floor
        self.device = device or "unknown device"
        self.ceilings = ceilings

    def floor_text(self) -> str:
        if not self.noise.known:
            return "no A/A timing control"
        kept = f", {self.noise.kept.n} kept-batch" if self.noise.kept.n else ""
        return f"noise floor {text_percent(self.floor)} (identical work: {self.noise.aa.n} A/A{kept})"

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
    """One row per claim, in COLUMNS (module docstring); `kwargs` go to the bootstrap."""
    ceilings = ceilings if ceilings is not None else pd.DataFrame(columns=["dataset", "arch", "speedup_ceiling"])
    basis = Basis(pairs, device, ceilings, **kwargs)
    rows = [_range_claim(pairs, basis, claim, **kwargs) for claim in RANGE_CLAIMS]
    rows.append(_resnet50_claim(pairs, basis, **kwargs))
    rows.append(_vit_accuracy_claim(pairs, basis, **kwargs))
    for ablation, claim in (("window", "Sliding-window statistics beat full history"),
                            ("cooldown", "Cooldowns of 5+ epochs beat shorter ones")):
        rows.append(_ablation_claim(contrasts, ablation, claim, basis))
    rows.append(_predictive_claim(correlations, pairs, basis))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["noise_floor"] = basis.floor
    return table


def _main_pairs(pairs: pd.DataFrame, archs) -> pd.DataFrame:
    return pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main") & pairs["arch"].isin(archs)]


def _estimates(used: pd.DataFrame, measure: str, **kwargs) -> dict:
    """The intention-to-treat estimate over every completed pair, the one over the pairs whose batch changed
    and, for accuracy, the one without the pairs whose baseline collapsed to chance."""
    done = used[used[measure].notna()]
    mean, low, high = mean_ci(done[measure].to_numpy(float), **kwargs)
    changed = done[done["batch_changes"] > 0]
    c_mean, c_low, c_high = mean_ci(changed[measure].to_numpy(float), **kwargs)
    out = {"n": len(done), "n_changed": len(changed), "estimate": mean, "low": low, "high": high,
           "interpretable": interpretable(len(done)), "changed_estimate": c_mean, "changed_low": c_low,
           "changed_high": c_high}
    if measure == "acc_diff":
        collapsed = done[done["baseline_collapsed"].astype(bool)]
        out.update(_without_collapsed(done, collapsed, **kwargs))
    return out


def _without_collapsed(done: pd.DataFrame, collapsed: pd.DataFrame, **kwargs) -> dict:
    if collapsed.empty:
        return {"n_collapsed": 0, "collapsed": ""}
    mean, low, high = mean_ci(done.loc[~done.index.isin(collapsed.index), "acc_diff"].to_numpy(float), **kwargs)
    names = "; ".join(f"{r['dataset']}/{r['arch']} seed {int(r['seed'])} ({text_percent(r['acc_fixed'])})"
                      for _, r in collapsed.iterrows())
    return {"n_collapsed": len(collapsed), "collapsed": names, "without_collapsed_estimate": mean,
            "without_collapsed_low": low, "without_collapsed_high": high}


def _precondition(used: pd.DataFrame, measure: str, present) -> tuple[str, str] | None:
    """(verdict, reason) when the pairs cannot decide the claim at all, else None."""
    if not present:
        return NOT_RUN, "the grid trains none of these architectures"
    n = int(used[measure].notna().sum())
    if n < 2:
        return INCONCLUSIVE, f"n={n} pairs: too few for an interval"
    if not (used["batch_changes"] > 0).any():
        return NOT_EXERCISED, "DEBA kept the batch size in every pair: it computed what the baseline did"
    return None


def _too_few_pairs(n: int) -> str:
    return f"n={n} pairs: an interval needs at least {MIN_PAIRS}"


def _range_claim(pairs: pd.DataFrame, basis: Basis, claim, **kwargs) -> dict:
    claim_id, text, archs, measure, low, high = claim
    used = _main_pairs(pairs, archs)
    estimates = _estimates(used, measure, **kwargs)
    row = {"id": claim_id, "claim": text, "measure": measure, "paper_low": low, "paper_high": high,
           **estimates, "basis": basis.describe(used)}
    blocked = _precondition(used, measure, sorted(set(archs) & set(pairs["arch"])))
    if blocked:
        return {**row, "verdict": blocked[0], "reason": blocked[1]}
    n, mean = estimates["n"], estimates["estimate"]
    if measure == "speedup":
        ceiling = basis.ceiling(archs)
        if math.isfinite(ceiling) and ceiling < low:
            return {**row, "verdict": NOT_TESTABLE_DEVICE,
                    "reason": f"the throughput profile allows at most {text_percent(ceiling)} in a fixed number of "
                              "epochs, below the claimed range"}
        if not basis.noise.known:
            return {**row, "verdict": INCONCLUSIVE, "reason": "no A/A timing control to judge timing noise"}
        if inside(mean, basis.floor):
            return {**row, "verdict": WITHIN_NOISE,
                    "reason": f"|{text_percent(mean)}| is no larger than identical runs differ "
                              f"({text_percent(basis.floor)})"}
    else:
        room = 1.0 - float(used["acc_fixed"].max())
        if room < low:
            return {**row, "verdict": NOT_TESTABLE_SCALE,
                    "reason": f"the baseline reaches {text_percent(1 - room)}, leaving {text_percent(room)} to gain"}
    if n < MIN_PAIRS:
        return {**row, "verdict": NOT_TESTABLE_SCALE, "reason": _too_few_pairs(n)}
    return {**row, "verdict": range_verdict(estimates["low"], estimates["high"], low, high), "reason": f"n={n} pairs"}


def _resnet50_claim(pairs: pd.DataFrame, basis: Basis, **kwargs) -> dict:
    deba = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")]
    used = deba[deba["arch"] == "resnet50"]
    target = used["acc_diff"].dropna().to_numpy(float)
    others = deba[deba["arch"] != "resnet50"]
    # Spread is measured around each cell's own mean, so differences between cells do not count as variance.
    centred = (others["acc_diff"] - others.groupby(["dataset", "arch"])["acc_diff"].transform("mean")).dropna()
    row = {"id": "resnet50-variance", "claim": "ResNet-50: high variance, occasional degradation",
           "measure": "acc_diff", "paper": "qualitative", **_estimates(used, "acc_diff", **kwargs),
           # every seed's change, so the row shows what the pairs did even where no verdict can be drawn
           "per_pair": " ".join(f"{value:.6g}" for value in target),
           "n_degraded": int((target < 0).sum()), "basis": basis.describe(used)}
    if used.empty:
        return {**row, "verdict": NOT_RUN, "reason": "the grid does not train ResNet-50"}
    if len(target) >= 2:
        row["spread"] = float(np.std(target, ddof=1))
    if len(centred) >= 2:
        row["spread_others"] = float(np.std(centred, ddof=1))
    if len(target) < 2 or len(centred) < 2:
        return {**row, "verdict": INCONCLUSIVE, "reason": "ResNet-50 or other architectures have fewer than 2 pairs"}
    row["levene_p"] = float(stats.levene(target - target.mean(), centred.to_numpy(float), center="median").pvalue)
    if not (used["batch_changes"] > 0).any():
        return {**row, "verdict": NOT_EXERCISED, "reason": "DEBA kept the batch size in every ResNet-50 pair"}
    if len(target) < MIN_PAIRS:
        return {**row, "verdict": NOT_TESTABLE_SCALE, "reason": _too_few_pairs(len(target))}
    larger, degraded = row["spread"] > row["spread_others"], row["n_degraded"] > 0
    if larger and row["levene_p"] < 0.05 and degraded:
        verdict = SUPPORTED
    elif not larger and not degraded:
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE
    return {**row, "verdict": verdict, "reason": "spread of per-seed accuracy change"}


def _vit_accuracy_claim(pairs: pd.DataFrame, basis: Basis, **kwargs) -> dict:
    used = _main_pairs(pairs, ("vit_b16",))
    estimates = _estimates(used, "acc_diff", **kwargs)
    row = {"id": "vit-accuracy", "claim": "ViT-B16: accuracy maintained", "measure": "acc_diff",
           "paper": "maintained", **estimates, "basis": basis.describe(used)}
    blocked = _precondition(used, "acc_diff", "vit_b16" in set(pairs["arch"]))
    if blocked:
        return {**row, "verdict": blocked[0], "reason": blocked[1]}
    n, low, high = estimates["n"], estimates["low"], estimates["high"]
    margin = f"{NON_INFERIORITY_MARGIN * 100:g} point"
    if n < MIN_PAIRS:
        verdict, reason = NOT_TESTABLE_SCALE, _too_few_pairs(n)
    elif not math.isfinite(low):
        verdict, reason = INCONCLUSIVE, "no interval"
    elif low > NON_INFERIORITY_MARGIN:
        verdict, reason = SUPPORTED, f"interval above {margin}"
    elif high < NON_INFERIORITY_MARGIN:
        verdict, reason = NOT_SUPPORTED, f"interval below {margin}"
    else:
        verdict, reason = INCONCLUSIVE, f"interval contains {margin}"
    return {**row, "verdict": verdict, "reason": reason}


def _ablation_claim(contrasts: pd.DataFrame, ablation: str, claim: str, basis: Basis) -> dict:
    found = contrasts[contrasts["ablation"] == ablation] if len(contrasts) else contrasts
    base = {"id": ablation, "claim": claim, "measure": "acc_diff_delta", "paper": "essential"}
    if found.empty or int(found.iloc[0]["n"]) == 0:
        return {**base, "n": 0, "verdict": NOT_RUN, "reason": f"the grid has no {ablation} ablation runs paired "
                                                              "with the main ones", "basis": basis.floor_text()}
    r = found.iloc[0]
    n, different = int(r["n"]), int(r["n_different"])
    row = {**base, "n": n, "n_changed": int(r["n_changed"]), "n_different": different,
           "estimate": r["acc_diff_delta"], "low": r["acc_diff_low"], "high": r["acc_diff_high"],
           "interpretable": interpretable(n), "speedup_delta": r["speedup_delta"], "speedup_low": r["speedup_low"],
           "speedup_high": r["speedup_high"],
           "basis": f"{n} pairs by cell and seed, {int(r['n_changed'])} with a batch change on either side, "
                    f"{different} deciding differently; {basis.device}; {basis.floor_text()}"}
    if int(r["n_changed"]) == 0:
        return {**row, "verdict": NOT_EXERCISED, "reason": "neither side changed the batch size in any pair"}
    if different == 0:
        return {**row, "verdict": NOT_EXERCISED, "reason": "both sides made the same batch-size decisions"}
    if n < MIN_PAIRS:
        return {**row, "verdict": NOT_TESTABLE_SCALE,
                "reason": f"{_too_few_pairs(n)}; {different} of them decided differently"}
    if different < MIN_PAIRS:
        # the other pairs' differences are the two sides' seed noise, not the ablation: an interval over them
        # tests nothing (e.g. five exact zeros beside one pair that differed)
        return {**row, "verdict": NOT_EXERCISED,
                "reason": f"only {different} of {n} pairs decided differently; a verdict needs at least {MIN_PAIRS}"}
    intervals, reason = [(r["acc_diff_low"], r["acc_diff_high"])], f"paired by cell and seed, n={n}"
    if basis.noise.known and not inside(r["speedup_delta"], basis.floor):
        intervals.append((r["speedup_low"], r["speedup_high"]))
    else:
        reason += "; the speed difference is " + ("inside the timing noise floor" if basis.noise.known
                                                  else "not judged without an A/A timing control")
    return {**row, "verdict": better_verdict(intervals), "reason": reason}


def measurable_outcome(pairs: pd.DataFrame, floor: float) -> tuple[str, str]:
    """(outcome, why) for the predictive claim: the measured speedup when every cell's mean speedup lies
    outside the timing noise floor, else the accuracy change (a speedup inside the floor is noise)."""
    main = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")]
    speedups = main.groupby(["dataset", "arch"])["speedup"].mean().dropna()
    if not math.isfinite(floor):
        return "acc_diff", "no A/A timing control to tell measured speedups from noise"
    noisy = int(sum(inside(value, floor) for value in speedups))
    if speedups.empty or noisy:
        return "acc_diff", (f"the measured speedups of {noisy} of {len(speedups)} cells lie inside the timing "
                            f"noise floor ({text_percent(floor)})")
    return "speedup", f"every cell's measured speedup lies outside the timing noise floor ({text_percent(floor)})"


OUTCOME_WORDS = {"speedup": "measured speedup", "acc_diff": "accuracy change"}


def _predictive_claim(correlations: pd.DataFrame, pairs: pd.DataFrame, basis: Basis) -> dict:
    outcome, why = measurable_outcome(pairs, basis.floor)
    row = correlations[(correlations["predictor"] == "stability_score") & (correlations["outcome"] == outcome)]
    base = {"id": "predictive", "claim": "Baseline stability predicts the benefit", "measure": "rho",
            "paper": "predicts", "outcome": outcome,
            "basis": f"cells of DEBA main vs fixed; outcome {OUTCOME_WORDS[outcome]}: {why}; {basis.device}; "
                     f"{basis.floor_text()}"}
    n = int(row.iloc[0]["n_cells"]) if not row.empty else 0
    if n < MIN_CELLS:
        return {**base, "n": n, "verdict": NOT_TESTABLE_SCALE,
                "reason": f"{n} cell(s): a correlation needs at least {MIN_CELLS}"}
    r = row.iloc[0]
    if not math.isfinite(r["rho"]):
        verdict = NOT_TESTABLE_DEVICE if outcome == "acc_diff" else INCONCLUSIVE
        return {**base, "n": n, "verdict": verdict,
                "reason": f"the {OUTCOME_WORDS[outcome]} does not vary across cells" +
                          ("; the measured speedups are timing noise" if outcome == "acc_diff" else "")}
    return {**base, "n": n, "rho": float(r["rho"]), "p": float(r["p_permutation"]),
            "verdict": correlation_verdict(float(r["rho"]), float(r["p_permutation"])),
            "reason": f"Spearman, stability score vs {OUTCOME_WORDS[outcome]} across cells, exact permutation test"}
