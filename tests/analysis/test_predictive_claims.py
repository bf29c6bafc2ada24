"""Predictive framework and the claims table with computed verdicts."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from deba.analysis import claims, predictive


def test_correlations_match_scipy(analysed):
    *_, tables = analysed
    cells = predictive.cell_table(tables["characterization"], tables["comparisons"])
    row = tables["correlations"].set_index(["predictor", "outcome"]).loc[("stability_score", "speedup")]
    expected = stats.spearmanr(cells["stability_score"], cells["speedup"])
    assert row["rho"] == pytest.approx(expected.statistic) and row["n_cells"] == 3


def test_threshold_rule_and_loao():
    scores = np.array([0.5, 0.6, 0.8, 0.9])
    threshold, direction = predictive.fit_threshold_rule(scores, np.array([True, True, False, False]))
    assert direction == -1 and 0.6 < threshold < 0.8
    cells = pd.DataFrame({"arch": ["a", "b", "c", "d"], "stability_score": scores, "speedup": [0.4, 0.3, -0.1, -0.2]})
    loao = predictive.leave_one_architecture_out(cells)
    assert loao["correct"].sum() == 4
    summary = predictive.loao_summary(loao)
    assert summary["accuracy"] == 1.0 and summary["correct"] == 4 and summary["majority_rate"] == 0.5
    single = predictive.fit_threshold_rule(np.array([0.1, 0.2]), np.array([True, True]))
    assert single[1] * (0.15 - single[0]) > 0


def test_verdict_rules():
    assert claims.range_verdict(0.46, 0.50, 0.45, 0.62) == claims.SUPPORTED
    assert claims.range_verdict(0.10, 0.20, 0.45, 0.62) == claims.NOT_SUPPORTED
    assert claims.range_verdict(-0.1, 0.5, 0.45, 0.62) == claims.INCONCLUSIVE
    assert claims.range_verdict(float("nan"), float("nan"), 0.45, 0.62) == claims.INCONCLUSIVE
    assert claims.better_verdict([(0.01, 0.02), (-0.1, 0.1)]) == claims.SUPPORTED
    assert claims.better_verdict([(-0.03, -0.01), (-0.1, 0.1)]) == claims.NOT_SUPPORTED
    assert claims.better_verdict([(-0.03, 0.01)]) == claims.INCONCLUSIVE


def test_claims_table_on_known_effects(analysed):
    *_, tables = analysed
    table = tables["claims"].set_index("id")
    assert len(table) == 10
    assert table.loc["light-speedup", "verdict"] == claims.SUPPORTED  # mobilenet_v3: 49 %
    assert table.loc["resnet18-accuracy", "verdict"] == claims.SUPPORTED  # +3 points
    assert table.loc["vit-speedup", "verdict"] == claims.INCONCLUSIVE  # not in the grid
    assert "not in this grid" in table.loc["vit-speedup", "reason"]
    assert table.loc["window", "verdict"] == claims.SUPPORTED
    assert table.loc["cooldown", "verdict"] == claims.SUPPORTED
    assert set(table["verdict"]) <= {claims.SUPPORTED, claims.NOT_SUPPORTED, claims.INCONCLUSIVE}


def test_claims_not_supported_when_effect_outside_range(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    main = (pairs["scheduler"] == "deba") & (pairs["variant"] == "main") & (pairs["arch"] == "resnet18")
    pairs.loc[main, "speedup"] = pairs.loc[main, "speedup"] - 0.3  # about 9 %, far below 36-43 %
    table = claims.claims_table(pairs, tables["ablation_contrasts"], tables["correlations"],
                                n_resamples=500).set_index("id")
    assert table.loc["resnet18-speedup", "verdict"] == claims.NOT_SUPPORTED
