"""The DEBA paper's abstract claims beside this reproduction's numbers, with a computed verdict.

Claims (arXiv:2511.03809, abstract), each turned into a quantity we measure:
1-2. MobileNet-V3, DenseNet-121, EfficientNet-B0: 45-62 % speedup; +1 to +7 points of accuracy.
3-4. ResNet-18: +2.4 to +4.0 points of accuracy; 36-43 % speedup.
5.   ResNet-50: high variance and occasional degradation (seed-to-seed spread of the accuracy change
     larger than the other architectures', and at least one seed worse than its baseline).
6-7. ViT-B16: about 6 % speedup (read as 1-11 %), accuracy maintained (within 1 point).
8.   Sliding-window statistics beat full history. 9. Cooldowns of 5+ epochs beat shorter ones.
10.  The stability score predicts the benefit: lower baseline stability, larger speedup (rho < 0).

Verdict rules (every estimate is a mean over pooled seed pairs with a bootstrap 95 % interval):
- range claims: "supported" if the interval overlaps the claimed range and excludes 0 on the claimed
  side; "not supported" if the interval lies entirely outside the range; otherwise "inconclusive".
- "A beats B" claims (8, 9): "supported" if an interval of the paired difference (accuracy or speedup) lies
  above 0 and neither lies below; "not supported" if one lies below 0 and none above; else "inconclusive".
- non-inferiority (7): "supported" if the interval's lower end is above -1 point, "not supported" if its
  upper end is below -1 point, else "inconclusive".
- variance (5): "supported" if Levene's test (scipy.stats.levene) finds ResNet-50's spread larger at
  p < 0.05 and some seed degrades; "not supported" if its spread is not larger and no seed degrades.
- correlation (10): "supported" if the interval of rho lies below 0, "not supported" if above, else
  "inconclusive".
A claim whose architectures were not run, or with fewer than two pairs, is "inconclusive at this scale".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from paperkit.latex import format_number
from paperkit.stats import mean_ci

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive at this scale"
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


def _pooled(pairs: pd.DataFrame, archs, measure: str, **kwargs) -> tuple[int, float, float, float]:
    deba = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main") & pairs["arch"].isin(archs)]
    values = deba[measure].to_numpy(float)
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
    return (f"{format_number(mean * scale, digits)} [{format_number(low * scale, digits)}, "
            f"{format_number(high * scale, digits)}]")


def claims_table(pairs: pd.DataFrame, contrasts: pd.DataFrame, correlations: pd.DataFrame,
                 **kwargs) -> pd.DataFrame:
    """One row per claim: id, claim, paper, ours (LaTeX text), n, verdict, reason."""
    rows = []
    for claim_id, text, archs, measure, low, high in RANGE_CLAIMS:
        n, mean, ci_low, ci_high = _pooled(pairs, archs, measure, **kwargs)
        present = sorted(set(archs) & set(pairs["arch"]))
        unit = "\\%" if measure == "speedup" else " pts"
        verdict = range_verdict(ci_low, ci_high, low, high) if n >= 2 else INCONCLUSIVE
        reason = ("architectures not in this grid" if not present else
                  f"n={n} pairs" + ("" if n >= 2 else ": too few for an interval"))
        rows.append({"id": claim_id, "claim": text, "paper": f"{low * 100:g}--{high * 100:g}{unit}",
                     "ours": _interval(mean, ci_low, ci_high) + (unit if math.isfinite(mean) else ""),
                     "n": n, "verdict": verdict, "reason": reason})
    rows.append(_resnet50_claim(pairs))
    rows.append(_vit_accuracy_claim(pairs, **kwargs))
    for ablation, claim in (("window", "Sliding-window statistics beat full history"),
                            ("cooldown", "Cooldowns of 5+ epochs beat shorter ones")):
        row = contrasts[contrasts["ablation"] == ablation] if len(contrasts) else contrasts
        if row.empty or row.iloc[0]["n"] < 2:
            rows.append({"id": ablation, "claim": claim, "paper": "essential", "ours": "n/a",
                         "n": int(row.iloc[0]["n"]) if not row.empty else 0, "verdict": INCONCLUSIVE,
                         "reason": "ablation runs missing or fewer than 2 pairs"})
            continue
        r = row.iloc[0]
        verdict = better_verdict([(r["acc_diff_low"], r["acc_diff_high"]), (r["speedup_low"], r["speedup_high"])])
        ours = (f"acc. {_interval(r['acc_diff_delta'], r['acc_diff_low'], r['acc_diff_high'])} pts; "
                f"speedup {_interval(r['speedup_delta'], r['speedup_low'], r['speedup_high'])}\\%")
        rows.append({"id": ablation, "claim": claim, "paper": "essential", "ours": ours, "n": int(r["n"]),
                     "verdict": verdict, "reason": f"paired by cell and seed, n={int(r['n'])}"})
    rows.append(_predictive_claim(correlations))
    return pd.DataFrame(rows, columns=["id", "claim", "paper", "ours", "n", "verdict", "reason"])


def _resnet50_claim(pairs: pd.DataFrame) -> dict:
    deba = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")]
    target = deba[deba["arch"] == "resnet50"]["acc_diff"].dropna().to_numpy(float)
    others = deba[deba["arch"] != "resnet50"]
    # Spread is measured around each cell's own mean, so differences between cells do not count as variance.
    centred = (others["acc_diff"] - others.groupby(["dataset", "arch"])["acc_diff"].transform("mean")).dropna()
    row = {"id": "resnet50-variance", "claim": "ResNet-50: high variance, occasional degradation",
           "paper": "qualitative", "n": len(target)}
    if len(target) < 2 or len(centred) < 2:
        return {**row, "ours": "n/a", "verdict": INCONCLUSIVE,
                "reason": "ResNet-50 or other architectures have fewer than 2 pairs"}
    target_centred = target - target.mean()
    sd_target, sd_others = float(np.std(target, ddof=1)), float(np.std(centred, ddof=1))
    p = float(stats.levene(target_centred, centred.to_numpy(float), center="median").pvalue)
    degraded = int((target < 0).sum())
    larger = sd_target > sd_others
    if larger and p < 0.05 and degraded:
        verdict = SUPPORTED
    elif not larger and not degraded:
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE
    ours = (f"SD {format_number(sd_target * 100, 1)} vs {format_number(sd_others * 100, 1)} pts "
            f"(Levene p={format_number(p, 3)}); {degraded} of {len(target)} seeds worse")
    return {**row, "ours": ours, "verdict": verdict, "reason": "spread of per-seed accuracy change"}


def _vit_accuracy_claim(pairs: pd.DataFrame, **kwargs) -> dict:
    n, mean, low, high = _pooled(pairs, ("vit_b16",), "acc_diff", **kwargs)
    if n < 2 or not math.isfinite(low):
        verdict, reason = INCONCLUSIVE, "ViT-B16 not in this grid or fewer than 2 pairs"
    elif low > NON_INFERIORITY_MARGIN:
        verdict, reason = SUPPORTED, "interval above $-$1 point"
    elif high < NON_INFERIORITY_MARGIN:
        verdict, reason = NOT_SUPPORTED, "interval below $-$1 point"
    else:
        verdict, reason = INCONCLUSIVE, "interval contains $-$1 point"
    return {"id": "vit-accuracy", "claim": "ViT-B16: accuracy maintained", "paper": "maintained",
            "ours": _interval(mean, low, high) + (" pts" if math.isfinite(mean) else ""), "n": n,
            "verdict": verdict, "reason": reason}


def _predictive_claim(correlations: pd.DataFrame) -> dict:
    row = correlations[(correlations["predictor"] == "stability_score") & (correlations["outcome"] == "speedup")]
    base = {"id": "predictive", "claim": "Baseline stability predicts the benefit", "paper": "predicts"}
    if row.empty or not math.isfinite(row.iloc[0]["rho"]):
        n = int(row.iloc[0]["n_cells"]) if not row.empty else 0
        return {**base, "ours": "n/a", "n": n, "verdict": INCONCLUSIVE,
                "reason": f"{n} cell(s): Spearman needs at least 3 with variation"}
    r = row.iloc[0]
    ours = (f"$\\rho$ = {format_number(r['rho'], 2)} [{format_number(r['rho_low'], 2)}, "
            f"{format_number(r['rho_high'], 2)}]")
    if math.isfinite(r["rho_high"]) and r["rho_high"] < 0:
        verdict = SUPPORTED
    elif math.isfinite(r["rho_low"]) and r["rho_low"] > 0:
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE
    return {**base, "ours": ours, "n": int(r["n_cells"]), "verdict": verdict,
            "reason": "Spearman, stability score vs speedup across cells"}
