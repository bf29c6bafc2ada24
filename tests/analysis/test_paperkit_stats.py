"""paperkit.stats: every p-value checked against scipy directly; intervals contain known effects."""

import math

import numpy as np
import pytest
from scipy import stats

from paperkit.stats import (
    bootstrap_ci,
    cliffs_delta,
    cliffs_delta_ci,
    holm,
    mean_ci,
    paired_comparison,
    spearman_ci,
    wilcoxon_min_p,
)


def test_bootstrap_ci_contains_known_mean_and_is_reproducible():
    rng = np.random.default_rng(1)
    sample = rng.normal(loc=3.0, scale=1.0, size=40)
    low, high = bootstrap_ci((sample,), np.mean, n_resamples=2000)
    assert low < 3.0 < high
    assert high - low < 1.5
    assert (low, high) == bootstrap_ci((sample,), np.mean, n_resamples=2000)


def test_bootstrap_ci_paired_two_samples():
    rng = np.random.default_rng(2)
    x = rng.normal(size=30)
    y = x + 0.5 + rng.normal(scale=0.1, size=30)
    low, high = bootstrap_ci((y, x), lambda a, b, axis=-1: np.mean(a - b, axis=axis), paired=True,
                             n_resamples=2000)
    assert low < 0.5 < high and low > 0.3


def test_bootstrap_ci_degenerate_samples():
    assert all(math.isnan(v) for v in bootstrap_ci((np.array([1.0]),), np.mean))
    assert bootstrap_ci((np.array([2.0, 2.0, 2.0]),), np.mean) == (2.0, 2.0)
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_ci((np.array([1.0, float("nan")]),), np.mean)
    with pytest.raises(TypeError):
        bootstrap_ci(np.array([1.0, 2.0]), np.mean)


def test_mean_ci_drops_nan():
    mean, low, high = mean_ci([1.0, 2.0, float("nan"), 3.0], n_resamples=500)
    assert mean == 2.0 and low <= 2.0 <= high


def test_holm_matches_hand_computation_and_keeps_nan():
    # sorted: 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.06
    assert holm([0.01, 0.04, float("nan"), 0.03]) == pytest.approx([0.03, 0.06, float("nan"), 0.06], nan_ok=True)
    assert holm([0.5, 0.9]) == [1.0, 1.0]
    assert all(math.isnan(p) for p in holm([float("nan")]))
    with pytest.raises(ValueError):
        holm([1.5])


def test_cliffs_delta_known_values():
    assert cliffs_delta([4, 5], [1, 2]) == 1.0
    assert cliffs_delta([1, 2], [4, 5]) == -1.0
    assert cliffs_delta([1, 2, 3], [1, 2, 3]) == 0.0
    # by hand: pairs (x>y) - (x<y) over 3*2 pairs
    x, y = [1, 3, 5], [2, 4]
    expected = (sum(a > b for a in x for b in y) - sum(a < b for a in x for b in y)) / 6
    assert cliffs_delta(x, y) == pytest.approx(expected)
    delta, low, high = cliffs_delta_ci([5, 6, 7, 8, 4], [1, 2, 3, 4.5, 0], n_resamples=500)
    assert delta == pytest.approx(0.92) and low <= delta <= high


def test_spearman_ci_against_scipy():
    x = np.arange(10.0)
    y = x + np.array([0.5, -0.5, 1, -1, 0, 2, -2, 0.5, 0, 1])
    rho, p, low, high = spearman_ci(x, y, n_resamples=500)
    expected = stats.spearmanr(x, y)
    assert rho == pytest.approx(expected.statistic) and p == pytest.approx(expected.pvalue)
    assert low <= rho <= high
    assert all(math.isnan(v) for v in spearman_ci([1, 2], [2, 1]))
    assert all(math.isnan(v) for v in spearman_ci([1, 1, 1], [1, 2, 3]))


def test_paired_comparison_against_scipy():
    baseline = np.array([0.80, 0.82, 0.79, 0.81, 0.83])
    method = baseline + np.array([0.02, 0.03, 0.01, 0.025, 0.015])
    result = paired_comparison(method, baseline, n_resamples=2000)
    assert result["n"] == 5
    assert result["mean_diff"] == pytest.approx(0.02)
    assert result["ci_low"] < 0.02 < result["ci_high"]
    assert result["t_p"] == pytest.approx(stats.ttest_rel(method, baseline).pvalue)
    assert result["wilcoxon_p"] == pytest.approx(stats.wilcoxon(method, baseline).pvalue)
    # all five differences positive: the exact two-sided Wilcoxon p is its minimum, 2/2^5
    assert result["wilcoxon_p"] == pytest.approx(0.0625) == result["wilcoxon_min_p"]
    diff = method - baseline
    assert result["cohens_dz"] == pytest.approx(diff.mean() / diff.std(ddof=1))


def test_paired_comparison_degenerate():
    one = paired_comparison([0.9], [0.8])
    assert one["n"] == 1 and math.isnan(one["t_p"]) and "n=1" in one["note"]
    same = paired_comparison([0.9, 0.8, 0.7], [0.8, 0.7, 0.6])
    assert same["ci_low"] == same["ci_high"] == pytest.approx(0.1)
    assert math.isnan(same["t_p"]) and "identical" in same["note"]
    dropped = paired_comparison([0.9, float("nan"), 0.8], [0.8, 0.7, 0.75])
    assert dropped["n"] == 2
    with pytest.raises(ValueError):
        paired_comparison([1, 2], [1])


def test_wilcoxon_min_p():
    assert wilcoxon_min_p(5) == 0.0625
    assert wilcoxon_min_p(6) == pytest.approx(stats.wilcoxon(np.arange(1, 7.0)).pvalue)
