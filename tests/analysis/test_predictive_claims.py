"""Predictive framework and the claims table with computed verdicts."""

import math

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
    assert table.loc["vit-speedup", "verdict"] == claims.NOT_RUN  # not in the grid
    assert table.loc["vit-accuracy", "verdict"] == claims.NOT_RUN
    assert "trains none of these architectures" in table.loc["vit-speedup", "reason"]
    assert table.loc["window", "verdict"] == claims.SUPPORTED
    assert table.loc["cooldown", "verdict"] == claims.SUPPORTED
    # three cells: no correlation verdict, whatever rho is
    assert table.loc["predictive", "verdict"] == claims.NOT_TESTABLE_SCALE
    assert "3 cell(s)" in table.loc["predictive", "reason"]
    assert set(table["verdict"]) <= set(claims.VERDICTS)
    assert all("noise floor" in basis and "A/A" in basis for basis in table["basis"])
    assert "5 pairs (5 changed the batch)" in table.loc["resnet18-speedup", "basis"]


def test_claims_not_supported_when_effect_outside_range(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    main = (pairs["scheduler"] == "deba") & (pairs["variant"] == "main") & (pairs["arch"] == "resnet18")
    pairs.loc[main, "speedup"] = pairs.loc[main, "speedup"] - 0.3  # about 9 %, far below 36-43 %
    table = claims.claims_table(pairs, tables["ablation_contrasts"], tables["correlations"],
                                n_resamples=500).set_index("id")
    assert table.loc["resnet18-speedup", "verdict"] == claims.NOT_SUPPORTED


def _claims(tables, pairs=None, contrasts=None, correlations=None, **kwargs):
    pairs = tables["pairs"] if pairs is None else pairs
    contrasts = tables["ablation_contrasts"] if contrasts is None else contrasts
    correlations = tables["correlations"] if correlations is None else correlations
    return claims.claims_table(pairs, contrasts, correlations, n_resamples=500, **kwargs).set_index("id")


def _resnet18_main(pairs):
    return (pairs["scheduler"] == "deba") & (pairs["variant"] == "main") & (pairs["arch"] == "resnet18")


def test_a_scheduler_that_never_changed_the_batch_is_not_exercised(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    pairs.loc[_resnet18_main(pairs), "batch_changes"] = 0
    table = _claims(tables, pairs)
    assert table.loc["resnet18-speedup", "verdict"] == claims.NOT_EXERCISED
    assert table.loc["resnet18-accuracy", "verdict"] == claims.NOT_EXERCISED
    assert table.loc["light-speedup", "verdict"] == claims.SUPPORTED  # mobilenet_v3 still acts


def test_a_speed_claim_beyond_the_device_ceiling_is_not_testable(analysed):
    *_, tables = analysed
    ceilings = pd.DataFrame({"dataset": ["digits"], "arch": ["resnet18"], "speedup_ceiling": [0.05]})
    table = _claims(tables, ceilings=ceilings, device="Test CPU")
    assert table.loc["resnet18-speedup", "verdict"] == claims.NOT_TESTABLE_DEVICE
    assert "at most 5.0" in table.loc["resnet18-speedup", "reason"]
    assert "Test CPU" in table.loc["resnet18-speedup", "basis"]
    assert table.loc["light-speedup", "verdict"] == claims.SUPPORTED  # no ceiling known for mobilenet_v3


def test_the_device_ceiling_comes_from_the_throughput_profile(analysed):
    *_, tables = analysed
    ceilings = tables["comparisons"].groupby("arch")["speedup_ceiling"].first()
    # the fixture's step time 0.05 + 0.0002 b: per image at 2048 over per image at 128
    expected = 1 - ((0.05 + 0.0002 * 2048) / 2048) / ((0.05 + 0.0002 * 128) / 128)
    assert ceilings["resnet18"] == pytest.approx(expected)


def test_a_speed_estimate_inside_the_noise_floor_is_reported_as_such(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    control = (pairs["scheduler"] == "fixed") & (pairs["variant"] == "repeat")
    pairs.loc[control, "speedup"] = np.resize([0.04, -0.05, 0.03, -0.04, 0.05, 0.0], int(control.sum()))
    pairs.loc[_resnet18_main(pairs), "speedup"] = 0.02
    noise = claims.noise_floor(pairs, n_resamples=500)
    assert noise.aa.n == int(control.sum()) and noise.floor > 0.02
    table = _claims(tables, pairs)
    assert table.loc["resnet18-speedup", "verdict"] == claims.WITHIN_NOISE
    without_control = _claims(tables, pairs[~control])
    assert without_control.loc["resnet18-speedup", "verdict"] == claims.INCONCLUSIVE
    assert "no A/A" in without_control.loc["resnet18-speedup", "reason"]


def test_deba_runs_that_kept_the_batch_raise_the_noise_floor_but_cannot_replace_the_aa_runs(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    control = (pairs["scheduler"] == "fixed") & (pairs["variant"] == "repeat")
    deba = (pairs["scheduler"] == "deba") & (pairs["variant"] == "main")
    pairs.loc[control, "speedup"] = np.resize([0.01, -0.01], int(control.sum()))
    pairs.loc[deba, "batch_changes"] = 3
    aa_only = claims.noise_floor(pairs, n_resamples=500)
    assert aa_only.kept.n == 0 and aa_only.floor == pytest.approx(aa_only.aa.reach())
    # identical work timed later in the grid, 8 % slower: the floor is what it reaches, not the A/A's
    kept = deba & (pairs["arch"] == "resnet18")
    pairs.loc[kept, ["batch_changes", "speedup"]] = [0, -0.08]
    noise = claims.noise_floor(pairs, n_resamples=500)
    assert noise.kept.n == int(kept.sum()) and noise.floor == pytest.approx(0.08)
    assert f"{noise.kept.n} kept-batch" in _claims(tables, pairs).loc["resnet18-speedup", "basis"]
    assert math.isnan(claims.noise_floor(pairs[~control], n_resamples=500).floor)


def test_an_accuracy_gain_above_what_the_baseline_leaves_is_not_testable(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    pairs.loc[_resnet18_main(pairs), "acc_fixed"] = 0.99  # 1 point of room, the claim is +2.4 to +4.0
    table = _claims(tables, pairs)
    assert table.loc["resnet18-accuracy", "verdict"] == claims.NOT_TESTABLE_SCALE
    assert "leaving 1.0" in table.loc["resnet18-accuracy", "reason"]


def test_an_ablation_whose_sides_decide_alike_is_not_exercised(analysed):
    from deba.analysis import ablations

    *_, tables = analysed
    pairs = tables["pairs"].copy()
    full = (pairs["scheduler"] == "deba") & (pairs["variant"] == "window-full")
    main = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")].set_index(["arch", "seed"])
    pairs.loc[full, "trajectory"] = [main.loc[(a, s), "trajectory"] for a, s in pairs.loc[full, ["arch", "seed"]].to_numpy()]
    contrasts = ablations.ablation_contrasts(pairs, n_resamples=500)
    window = contrasts.set_index("ablation").loc["window"]
    assert window["n_different"] == 0 and window["n_changed"] > 0
    table = _claims(tables, pairs, contrasts)
    assert table.loc["window", "verdict"] == claims.NOT_EXERCISED
    assert "same batch-size decisions" in table.loc["window", "reason"]
    assert table.loc["cooldown", "verdict"] == claims.SUPPORTED


def test_a_correlation_needs_five_cells_and_a_permutation_p(analysed):
    *_, tables = analysed

    def correlation(n, rho, p):
        return pd.DataFrame([{"predictor": "stability_score", "outcome": "speedup", "n_cells": n, "rho": rho,
                              "p": p, "p_permutation": p, "rho_low": np.nan, "rho_high": np.nan, "note": ""}])

    verdict = lambda n, rho, p: _claims(tables, correlations=correlation(n, rho, p)).loc["predictive", "verdict"]
    assert verdict(4, -1.0, 0.08) == claims.NOT_TESTABLE_SCALE
    assert verdict(6, -0.9, 0.01) == claims.SUPPORTED
    assert verdict(6, 0.9, 0.01) == claims.NOT_SUPPORTED
    assert verdict(6, -0.5, 0.3) == claims.INCONCLUSIVE


def test_permutation_p_is_exact_over_all_pairings():
    from itertools import permutations

    from paperkit.stats import spearman_permutation_p

    x = np.array([0.1, 0.4, 0.35, 0.8, 0.6, 0.9])
    y = np.array([0.3, 0.2, 0.5, 0.1, 0.15, 0.05])
    observed = stats.spearmanr(x, y).statistic
    rhos = np.array([stats.spearmanr(x, y[list(order)]).statistic for order in permutations(range(6))])
    # two-sided as scipy defines it: twice the smaller exact one-sided tail over all 720 pairings
    exact = min(1.0, 2 * min(np.mean(rhos <= observed + 1e-12), np.mean(rhos >= observed - 1e-12)))
    assert spearman_permutation_p(x, y) == pytest.approx(exact)
    cells = pd.DataFrame({"stability_score": x, "speedup": y, "grad_norm_variation": x, "loss_variation": x,
                          "acc_diff": y})
    table = predictive.correlations(cells, n_resamples=999).set_index(["predictor", "outcome"])
    assert table.loc[("stability_score", "speedup"), "p_permutation"] == pytest.approx(exact)
    few = predictive.correlations(cells.iloc[:4], n_resamples=999).set_index(["predictor", "outcome"])
    assert np.isnan(few.loc[("stability_score", "speedup"), "rho_low"])  # no interval from 4 points


def test_an_interval_over_fewer_than_five_pairs_gives_no_verdict(analysed):
    *_, tables = analysed
    pairs = tables["pairs"]
    four = pairs[~(_resnet18_main(pairs) & (pairs["seed"] == 4))]
    table = _claims(tables, four)
    assert table.loc["resnet18-accuracy", "verdict"] == claims.NOT_TESTABLE_SCALE
    assert table.loc["resnet18-accuracy", "reason"] == "n=4 pairs: an interval needs at least 5"
    assert _claims(tables).loc["resnet18-accuracy", "verdict"] == claims.SUPPORTED  # the same effect, 5 pairs


def _window_contrast(tables, **values):
    contrasts = tables["ablation_contrasts"].copy()
    window = contrasts["ablation"] == "window"
    for column, value in values.items():
        contrasts.loc[window, column] = value
    return contrasts


def _with_aa(pairs, values):
    pairs = pairs.copy()
    control = (pairs["scheduler"] == "fixed") & (pairs["variant"] == "repeat")
    pairs.loc[control, "speedup"] = np.resize(values, int(control.sum()))
    return pairs


def test_an_ablation_speed_difference_inside_the_noise_floor_decides_nothing(analysed):
    *_, tables = analysed
    # no accuracy difference; full history 2 % slower, with a tight interval
    contrasts = _window_contrast(tables, n=6, acc_diff_delta=0.0, acc_diff_low=-0.01, acc_diff_high=0.01,
                                 speedup_delta=0.02, speedup_low=0.01, speedup_high=0.03)
    noisy = _claims(tables, _with_aa(tables["pairs"], [0.05, -0.04, 0.03, -0.05, 0.04, 0.0]), contrasts)
    assert noisy.loc["window", "verdict"] == claims.INCONCLUSIVE
    assert "inside the timing noise floor" in noisy.loc["window", "reason"]
    quiet = _claims(tables, _with_aa(tables["pairs"], [0.001, -0.001, 0.0005, -0.0005, 0.0, 0.001]), contrasts)
    assert quiet.loc["window", "verdict"] == claims.SUPPORTED


def test_an_ablation_over_fewer_than_five_pairs_gives_no_verdict(analysed):
    *_, tables = analysed
    contrasts = _window_contrast(tables, n=2, n_different=2, acc_diff_low=0.01, acc_diff_high=0.03)
    table = _claims(tables, contrasts=contrasts)
    assert table.loc["window", "verdict"] == claims.NOT_TESTABLE_SCALE
    assert table.loc["window", "reason"] == "n=2 pairs: an interval needs at least 5; 2 of them decided differently"


def test_an_ablation_where_fewer_than_five_pairs_decide_differently_is_not_exercised(analysed):
    *_, tables = analysed
    # six pairs with a clear accuracy interval, but only one of them decided differently: the interval is the
    # other five pairs' seed noise, not the ablation
    contrasts = _window_contrast(tables, n=6, n_different=1, acc_diff_low=0.01, acc_diff_high=0.03)
    table = _claims(tables, contrasts=contrasts)
    assert table.loc["window", "verdict"] == claims.NOT_EXERCISED
    assert table.loc["window", "reason"] == "only 1 of 6 pairs decided differently; a verdict needs at least 5"
    decided = _claims(tables, contrasts=_window_contrast(tables, n=6, n_different=5, acc_diff_low=0.01,
                                                         acc_diff_high=0.03))
    assert decided.loc["window", "verdict"] == claims.SUPPORTED


def test_an_ablation_the_grid_did_not_run_is_not_run(analysed):
    *_, tables = analysed
    contrasts = tables["ablation_contrasts"]
    table = _claims(tables, contrasts=contrasts[contrasts["ablation"] != "cooldown"])
    assert table.loc["cooldown", "verdict"] == claims.NOT_RUN
    assert table.loc["window", "verdict"] == claims.SUPPORTED


def test_resnet50_row_prints_its_numbers_even_without_a_verdict(analysed):
    *_, tables = analysed
    row = _claims(tables).loc["resnet50-variance"]
    assert row["verdict"] == claims.NOT_TESTABLE_SCALE  # four pairs: one run diverged
    per_seed = [float(value) for value in row["per_pair"].split()]
    assert len(per_seed) == row["n"] == 4 and row["estimate"] == pytest.approx(np.mean(per_seed))
    assert row["n_degraded"] == sum(value < 0 for value in per_seed) and row["spread"] > 0
    assert not row["interpretable"]
    pairs = tables["pairs"]
    without = _claims(tables, pairs[pairs["arch"] != "resnet50"]).loc["resnet50-variance"]
    assert without["verdict"] == claims.NOT_RUN


def test_the_estimate_over_pairs_that_changed_the_batch_is_beside_the_intention_to_treat_one(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    kept = _resnet18_main(pairs) & pairs["seed"].isin([0, 1])
    pairs.loc[kept, "batch_changes"] = 0
    pairs.loc[kept, "acc_diff"] = 0.0  # the pairs where DEBA did nothing changed nothing
    row = _claims(tables, pairs).loc["resnet18-accuracy"]
    changed = pairs[_resnet18_main(pairs) & ~kept]["acc_diff"]
    assert row["n"] == 5 and row["n_changed"] == 3
    assert row["changed_estimate"] == pytest.approx(changed.mean())
    assert row["estimate"] == pytest.approx(pairs[_resnet18_main(pairs)]["acc_diff"].mean())


def test_a_baseline_at_chance_is_flagged_and_the_estimate_without_it_is_given(analysed):
    *_, tables = analysed
    pairs = tables["pairs"].copy()
    collapsed = (pairs["arch"] == "mobilenet_v3") & (pairs["seed"] == 2)
    pairs.loc[collapsed, "baseline_collapsed"] = True  # digits has ten classes: a baseline at 10 % learned nothing
    row = _claims(tables, pairs).loc["light-accuracy"]
    light = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main") & (pairs["arch"] == "mobilenet_v3")]
    assert row["n_collapsed"] == 1 and "digits/mobilenet_v3 seed 2" in row["collapsed"]
    assert row["without_collapsed_estimate"] == pytest.approx(light.loc[~collapsed[light.index], "acc_diff"].mean())
    assert row["verdict"] == _claims(tables).loc["light-accuracy", "verdict"]  # the verdict is on every pair


def test_the_predictive_claim_never_correlates_a_speedup_inside_the_noise_floor(analysed):
    *_, tables = analysed

    def correlation(outcome, rho, p, n=6):
        return {"predictor": "stability_score", "outcome": outcome, "n_cells": n, "rho": rho, "p": p,
                "p_permutation": p, "rho_low": np.nan, "rho_high": np.nan, "note": ""}

    correlations = pd.DataFrame([correlation("speedup", -0.9, 0.01), correlation("acc_diff", 0.9, 0.01)])
    measured = _claims(tables, correlations=correlations).loc["predictive"]
    assert measured["outcome"] == "speedup" and measured["verdict"] == claims.SUPPORTED  # cells 20-49 %, floor <1 %
    # identical runs now differ by up to 90 %: every cell's speedup is inside the floor, so accuracy decides
    noisy = _with_aa(tables["pairs"], [0.9, -0.9, 0.8, -0.8, 0.9, 0.0])
    row = _claims(tables, noisy, correlations=correlations).loc["predictive"]
    assert row["outcome"] == "acc_diff" and row["verdict"] == claims.NOT_SUPPORTED and row["rho"] == 0.9
    assert "inside the timing noise floor" in row["basis"]
    flat = pd.DataFrame([correlation("speedup", -0.9, 0.01), correlation("acc_diff", np.nan, np.nan)])
    assert _claims(tables, noisy, correlations=flat).loc["predictive", "verdict"] == claims.NOT_TESTABLE_DEVICE


def test_claims_csv_holds_numbers_and_codes_not_latex(analysed):
    _, _, stats_out, tables = analysed
    written = pd.read_csv(stats_out["claims"])
    assert list(written.columns) == claims.COLUMNS and set(written["verdict"]) <= set(claims.VERDICTS)
    text = [cell for column in written.columns for cell in written[column] if isinstance(cell, str)]
    assert text and not any("$" in cell or "\\" in cell for cell in text)
    assert pd.api.types.is_float_dtype(written["estimate"]) and pd.api.types.is_float_dtype(written["paper_low"])


def test_every_verdict_category_comes_from_constructed_input(analysed):
    """Each verdict the claims table can give, produced by a constructed input (the cases above, gathered)."""
    *_, tables = analysed
    pairs = tables["pairs"]
    seen = set(_claims(tables)["verdict"])  # supported, not run, not testable at this scale
    kept = pairs.copy()
    kept.loc[_resnet18_main(kept), "batch_changes"] = 0
    seen |= set(_claims(tables, kept)["verdict"])  # not exercised
    worse = pairs.copy()
    worse.loc[_resnet18_main(worse), "speedup"] -= 0.3
    seen |= set(_claims(tables, worse)["verdict"])  # not supported
    ceilings = pd.DataFrame({"dataset": ["digits"], "arch": ["resnet18"], "speedup_ceiling": [0.05]})
    seen |= set(_claims(tables, ceilings=ceilings)["verdict"])  # not testable on this device
    noisy = _with_aa(pairs, [0.9, -0.9, 0.8, -0.8, 0.9, 0.0])
    seen |= set(_claims(tables, noisy)["verdict"])  # within the timing noise floor
    seen |= set(_claims(tables, contrasts=_window_contrast(tables, n=6, n_different=6, acc_diff_low=-0.01,
                                                            acc_diff_high=0.01, speedup_delta=0.0))["verdict"])
    assert seen == set(claims.VERDICTS), set(claims.VERDICTS) - seen
