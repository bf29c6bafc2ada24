"""Statistics for papers: bootstrap intervals, paired comparisons, effect sizes and multiple-testing control.

Every test and every interval comes from `scipy.stats`; this module only chooses the settings, handles the
degenerate samples a small study produces (one or two seeds, identical values) and returns plain numbers.

Degenerate samples, one rule throughout:
- fewer than two observations: no interval or test can be computed, the result is NaN;
- no spread at all (every observation, or every paired difference, identical): the bootstrap distribution
  is a single point, so the interval is that point, `(value, value)`; tests that need spread give NaN.
Callers report NaN as "not computable" (see `paperkit.latex.format_number`), never as zero.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats

NAN = float("nan")


def _constant(values: np.ndarray) -> bool:
    """No spread beyond floating-point noise (e.g. differences 0.9-0.8 and 0.8-0.7 count as equal)."""
    if len(values) == 0:
        return True
    scale = max(1.0, float(np.max(np.abs(values))))
    return float(np.ptp(values)) <= 1e-12 * scale


def _as_arrays(data: Sequence[Sequence[float]]) -> tuple[np.ndarray, ...]:
    if isinstance(data, np.ndarray) or not isinstance(data, (tuple, list)):
        raise TypeError("data must be a tuple of arrays, e.g. (x,) or (x, y)")
    return tuple(np.asarray(sample, dtype=float) for sample in data)


def bootstrap_ci(data: Sequence[Sequence[float]], statistic: Callable[..., float], *, n_resamples: int = 9999,
                 confidence: float = 0.95, seed: int = 0, paired: bool = False,
                 method: str = "BCa") -> tuple[float, float]:
    """Bootstrap confidence interval of `statistic(*data)` via `scipy.stats.bootstrap`.

    `data` is a tuple of 1-D arrays (one per sample; `paired=True` resamples them with the same indices).
    `statistic` takes one array per sample and may take `axis` (then it is vectorized, much faster).
    Degenerate cases (module docstring): a sample with fewer than 2 values gives (NaN, NaN); when every
    sample is constant the interval is (point, point). BCa needs some spread in its jackknife; when it
    cannot be computed (scipy warns and returns NaN) the percentile interval is returned instead.
    """
    samples = _as_arrays(data)
    if any(sample.ndim != 1 for sample in samples):
        raise ValueError("bootstrap_ci: every sample must be one-dimensional")
    if paired and len({len(sample) for sample in samples}) != 1:
        raise ValueError(f"bootstrap_ci(paired=True): samples have different lengths {[len(s) for s in samples]}")
    if any(len(sample) < 2 for sample in samples):
        return NAN, NAN
    if any(not np.all(np.isfinite(sample)) for sample in samples):
        raise ValueError("bootstrap_ci: data contain NaN or infinite values; drop them first")
    if all(_constant(sample) for sample in samples):
        point = float(statistic(*samples))
        return point, point
    rng = np.random.default_rng(seed)
    for attempt in (method, "percentile"):
        with warnings.catch_warnings():
            # BCa on tiny samples warns (degenerate jackknife) and returns NaN; we fall back explicitly.
            warnings.simplefilter("ignore")
            result = stats.bootstrap(samples, statistic, n_resamples=n_resamples, confidence_level=confidence,
                                     method=attempt, paired=paired, random_state=rng)
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if math.isfinite(low) and math.isfinite(high):
            return low, high
        rng = np.random.default_rng(seed)
    # Every resample gave the same statistic (e.g. a median of mostly tied values): a point interval.
    point = float(statistic(*samples))
    return (point, point) if math.isfinite(point) else (NAN, NAN)


def mean_ci(values: Sequence[float], **kwargs) -> tuple[float, float, float]:
    """(mean, low, high) of one sample: a convenience over `bootstrap_ci` with `np.mean`."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    mean = float(np.mean(values)) if len(values) else NAN
    low, high = bootstrap_ci((values,), np.mean, **kwargs)
    return mean, low, high


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error), in the input order.

    NaN entries (tests that could not be computed) stay NaN and do not count towards the family size.
    scipy has no Holm procedure (its `false_discovery_control` is Benjamini-Hochberg/Yekutieli), hence
    these few lines: sort the m finite p-values ascending, multiply the k-th (0-based) by (m - k), take the
    running maximum so the order is kept, and cap at 1.
    """
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, NAN)
    finite = np.flatnonzero(np.isfinite(p))
    if len(finite) == 0:
        return adjusted.tolist()
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError(f"holm: p-values must lie in [0, 1], got {p[finite].tolist()}")
    m = len(finite)
    order = finite[np.argsort(p[finite], kind="stable")]
    running = 0.0
    for k, index in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[index]))
        adjusted[index] = running
    return adjusted.tolist()


def cliffs_delta(x: Sequence[float], y: Sequence[float]) -> float:
    """Cliff's delta = P(X > Y) - P(X < Y), from the Mann-Whitney U statistic (scipy.stats.mannwhitneyu).

    U1 counts pairs with x > y plus half the ties, so delta = 2 U1 / (n_x n_y) - 1. NaN if a sample is empty.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) == 0 or len(y) == 0:
        return NAN
    u1 = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").statistic
    return float(2.0 * u1 / (len(x) * len(y)) - 1.0)


def _cliffs_delta_axis(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    # Vectorized form for the bootstrap: sign of every pairwise difference, averaged.
    x = np.moveaxis(np.asarray(x), axis, -1)
    y = np.moveaxis(np.asarray(y), axis, -1)
    return np.sign(x[..., :, None] - y[..., None, :]).mean(axis=(-2, -1))


def cliffs_delta_ci(x: Sequence[float], y: Sequence[float], **kwargs) -> tuple[float, float, float]:
    """(delta, low, high): Cliff's delta with a bootstrap interval (independent resampling of x and y)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    delta = cliffs_delta(x, y)
    low, high = bootstrap_ci((x, y), _cliffs_delta_axis, **kwargs)
    return delta, low, high


def _spearman_rows(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair (Pearson correlation of average ranks); NaN for a constant row."""
    rx = stats.rankdata(xs, axis=1)
    ry = stats.rankdata(ys, axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    denominator = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (rx * ry).sum(axis=1) / denominator, np.nan)


def spearman_ci(x: Sequence[float], y: Sequence[float], *, n_resamples: int = 9999, confidence: float = 0.95,
                seed: int = 0) -> tuple[float, float, float, float]:
    """(rho, p, low, high): Spearman's rank correlation (scipy.stats.spearmanr) with a paired bootstrap interval.

    Pairs with a non-finite value are dropped. With fewer than 3 pairs, or a constant variable, rho and p are
    NaN. The interval is the percentile interval over resamples whose rho is defined (a resample that
    repeats one pair is constant); NaN if fewer than half of them are.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"spearman_ci: x and y differ in length ({len(x)} vs {len(y)})")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or _constant(x) or _constant(y):
        return NAN, NAN, NAN, NAN
    result = stats.spearmanr(x, y)
    rho, p = float(result.statistic), float(result.pvalue)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(x), size=(n_resamples, len(x)))
    rhos = _spearman_rows(x[indices], y[indices])
    rhos = rhos[np.isfinite(rhos)]
    if len(rhos) < n_resamples / 2:
        return rho, p, NAN, NAN
    alpha = (1 - confidence) / 2
    low, high = np.quantile(rhos, [alpha, 1 - alpha])
    return rho, p, float(low), float(high)


def spearman_permutation_p(x: Sequence[float], y: Sequence[float], *, n_resamples: int = 9999,
                           seed: int = 0) -> float:
    """Two-sided permutation p-value of Spearman's rho (scipy.stats.permutation_test, pairings permuted; twice
    the smaller one-sided tail): exact, over all n! pairings, whenever n! <= n_resamples (n <= 7 at the
    default). NaN as `spearman_ci`."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or _constant(x) or _constant(y):
        return NAN
    # Only x is permuted (y is held in the statistic), so there are n! pairings, not (n!)^2.
    result = stats.permutation_test((x,), lambda a: stats.spearmanr(a, y).statistic,
                                    permutation_type="pairings", n_resamples=n_resamples,
                                    alternative="two-sided", random_state=seed)
    return float(result.pvalue)


def wilcoxon_min_p(n: int) -> float:
    """The smallest two-sided p an exact Wilcoxon signed-rank test can give with n untied pairs: 2 / 2**n.

    With 5 seeds this is 0.0625, so the test can never reach p < 0.05 at the paper's scale.
    """
    return 2.0 / 2.0 ** n if n >= 1 else NAN


def paired_comparison(method: Sequence[float], baseline: Sequence[float], *, n_resamples: int = 9999,
                      confidence: float = 0.95, seed: int = 0) -> dict[str, float | int | str]:
    """Compare paired measurements (e.g. final accuracy of a method and of the baseline, same seed).

    Returns n (pairs with both values finite), the two means, mean_diff (method - baseline) with its
    bootstrap interval ci_low/ci_high, t_p (scipy.stats.ttest_rel), wilcoxon_p (scipy.stats.wilcoxon,
    exact when possible), wilcoxon_min_p (the smallest p attainable with n pairs), cohens_dz
    (mean difference / standard deviation of the differences) and a `note` saying why a value is NaN.
    """
    method, baseline = np.asarray(method, dtype=float), np.asarray(baseline, dtype=float)
    if method.shape != baseline.shape:
        raise ValueError(f"paired_comparison: {len(method)} method values but {len(baseline)} baseline values")
    keep = np.isfinite(method) & np.isfinite(baseline)
    method, baseline = method[keep], baseline[keep]
    diff = method - baseline
    n = len(diff)
    out: dict[str, float | int | str] = {
        "n": n, "mean_method": float(np.mean(method)) if n else NAN,
        "mean_baseline": float(np.mean(baseline)) if n else NAN,
        "mean_diff": float(np.mean(diff)) if n else NAN, "ci_low": NAN, "ci_high": NAN,
        "t_p": NAN, "wilcoxon_p": NAN, "wilcoxon_min_p": wilcoxon_min_p(n), "cohens_dz": NAN, "note": "",
    }
    if n < 2:
        out["note"] = f"n={n} pair(s): no interval or test is computable"
        return out
    out["ci_low"], out["ci_high"] = bootstrap_ci((diff,), np.mean, n_resamples=n_resamples,
                                                 confidence=confidence, seed=seed)
    if _constant(diff):
        out["note"] = "all paired differences are identical: t-test, Wilcoxon and d_z undefined"
        return out
    out["cohens_dz"] = float(np.mean(diff) / np.std(diff, ddof=1))
    out["t_p"] = float(stats.ttest_rel(method, baseline).pvalue)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns that exact p is unavailable with ties/zeros
        out["wilcoxon_p"] = float(stats.wilcoxon(method, baseline).pvalue)
    return out
