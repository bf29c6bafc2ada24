"""The reconstruction-sensitivity table: generic over whichever settings a variant changes, with the batch's moves,
the accuracy change and the priced speedups, and the conclusions that survive each choice; plus the
per-pair quantities it and the claims rest on (moves, collapsed baselines, the charged speedup)."""

import math

import numpy as np
import pandas as pd
import pytest

from deba.analysis import (
    ablations,
    comparisons,
    layout,
    macros,
    tables,
)
from deba.analysis.render import render_all

from .analysis_resultset import Grid, analyse_result_set, write_result_set

SWEEP = Grid(archs=("resnet18", "mobilenet_v3"),
             methods=(("deba", "main", 15, 5), ("deba", "floor-min_batch", 15, 5), ("deba", "lr-linear", 15, 5),
                      ("deba", "window-full", None, 5), ("fixed", "repeat", 15, 5)),
             settings={"floor-min_batch": {"rollback_floor": "min_batch"}, "lr-linear": {"lr_scaling": "linear"}},
             diverged=(), baseline_acc={("digits", "mobilenet_v3", 2): 0.08})


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    aggregate_out, stats_out, result = analyse_result_set(root, write_result_set(root, SWEEP), n_resamples=200)
    return root, aggregate_out, stats_out, result


def test_each_variant_names_the_settings_it_changed_and_only_the_sweep_is_in_the_table(swept):
    *_, result = swept
    table = result["sensitivity"].set_index(["arch", "variant"])
    assert set(table.index.get_level_values("variant")) == {"main", "floor-min_batch", "lr-linear"}
    assert table.loc[("resnet18", "floor-min_batch"), "changed"] == "rollback_floor=min_batch"
    assert table.loc[("resnet18", "lr-linear"), "changed"] == "lr_scaling=linear"
    assert table.loc[("resnet18", "main"), "changed"] == ""
    # the main run first, then the variants by the settings they change
    assert list(result["sensitivity"]["variant"][:3]) == ["main", "lr-linear", "floor-min_batch"]
    # the window ablation has the main run's reconstruction settings: it stays in the ablations, not here
    assert "window-full" in set(result["ablations"]["variant"])
    assert "floor-min_batch" not in set(result["ablations"]["variant"])


def test_the_batch_moves_are_counted_per_run(swept):
    *_, result = swept
    table = result["sensitivity"].set_index(["arch", "variant"])
    floor = table.loc[("resnet18", "floor-min_batch")]
    # 128 128 192 153 153 153: one grow into epoch 3, one roll-back into epoch 4
    assert (floor["grows_per_run"], floor["rollbacks_per_run"], floor["n_shrank"]) == (1.0, 1.0, 5)
    assert floor["first_change_median"] == floor["first_change_min"] == 3
    main = table.loc[("resnet18", "main")]
    assert (main["grows_per_run"], main["rollbacks_per_run"], main["first_change_median"]) == (2.0, 0.0, 3)


def test_a_blocked_roll_back_is_a_bound_decision_below_the_cap():
    epochs = pd.DataFrame({"dataset": "d", "arch": "a", "scheduler": "deba", "variant": "main", "seed": 0,
                           "decision": ["hold", "bound", "grow", "bound", "bound"],
                           "batch_size": [64, 64, 96, 1024, 64], "batch_cap": [1024] * 5})
    blocked = ablations.blocked_rollbacks(epochs)
    assert blocked["blocked_rollbacks"].tolist() == [2]  # the bound at the cap was a blocked grow


def test_settings_are_compared_as_written():
    assert ablations.setting_text(0.5) == "0.5" and ablations.setting_text(2.0) == "2"
    assert ablations.setting_text(float("nan")) == "rule's own" and ablations.setting_text("linear") == "linear"


def test_which_conclusions_survive_which_choice(swept):
    *_, result = swept
    conclusions = ablations.sensitivity_conclusions(result["sensitivity"], result["device_pricing"])
    floor = conclusions[(conclusions["arch"] == "resnet18") & (conclusions["variant"] == "floor-min_batch")]
    floor = floor.set_index("conclusion")
    assert floor.loc["DEBA acts", "survives"]  # both act
    assert floor.loc["direction", "main"] == "grows only"
    assert floor.loc["direction", "variant_reading"] == "grows and rolls back"
    assert not floor.loc["direction", "survives"]
    assert floor.loc["accuracy", "main"] == "higher" and floor.loc["accuracy", "survives"]
    priced = [name for name in floor.index if name.startswith("speedup priced on")]
    assert priced == ["speedup priced on result-set-cpu (cpu scale)",
                      "speedup priced on result-set-paper (paper scale)"]
    paragraph = macros.conclusions_paragraph(conclusions)
    assert "rollback\\_floor=min\\_batch" in paragraph and "change (direction: grows and rolls back)" in paragraph
    assert "No reconstruction choice" in macros.conclusions_paragraph(conclusions.iloc[0:0])


def test_a_conclusion_resting_on_too_few_pairs_cannot_be_told():
    row = {"n_changed": 3, "n_runs": 3, "n_grew": 3, "n_shrank": 0, "n_pairs": 3, "acc_diff_low": 0.01,
           "acc_diff_high": 0.02, "dataset": "d", "arch": "a", "changed": ""}
    sensitivity = pd.DataFrame([{**row, "variant": "main"}, {**row, "variant": "v", "changed": "lr_scaling=sqrt"}])
    conclusions = ablations.sensitivity_conclusions(sensitivity, pd.DataFrame()).set_index("conclusion")
    assert conclusions.loc["accuracy", "main"] == "not interpretable"
    assert pd.isna(conclusions.loc["accuracy", "survives"])


def test_the_sensitivity_table_has_a_column_per_priced_profile_and_renders(swept, tmp_path):
    _, aggregate_out, stats_out, result = swept
    frame = tables.sensitivity_table(pd.read_csv(stats_out["sensitivity"]), pd.read_csv(stats_out["device_pricing"]))
    assert [c for c in frame.columns if c.endswith(" scale (%)")] == ["result-set-cpu, cpu scale (%)",
                                                                     "result-set-paper, paper scale (%)"]
    assert frame.loc[frame["Variant"] == "main", "Changed"].tolist() == ["(main settings)"] * 2
    written = render_all(aggregate_out, stats_out, tmp_path / "generated", n_resamples=200)
    text = (tmp_path / "generated" / "tables" / "sensitivity.tex").read_text()
    assert "rollback\\_floor=min\\_batch" in text and "result-set-paper, paper scale" in text
    macro_text = (tmp_path / "generated" / "macros.tex").read_text()
    assert "\\newcommand{\\DebaNumSensitivityVariants}{2}" in macro_text
    assert "\\DebaSensitivityConclusions}{On mobilenet\\_v3 (digits)" in macro_text
    assert len(written) == len(layout.FIGURE_INPUTS) + len(layout.TABLE_INPUTS) + 1


def test_a_baseline_at_chance_is_flagged_with_the_cell_estimate_without_it(swept, tmp_path):
    _, _, stats_out, result = swept
    cell = result["comparisons"].set_index(["arch", "scheduler", "variant"]).loc[("mobilenet_v3", "deba", "main")]
    pairs = result["pairs"]
    main = pairs[(pairs["arch"] == "mobilenet_v3") & (pairs["scheduler"] == "deba") & (pairs["variant"] == "main")]
    assert main["baseline_collapsed"].tolist() == [False, False, True, False, False]  # 8 % on ten classes
    assert cell["n_collapsed"] == 1
    assert cell["acc_diff_without_collapsed"] == pytest.approx(main.loc[~main["baseline_collapsed"], "acc_diff"].mean())
    assert cell["acc_diff"] == pytest.approx(main["acc_diff"].mean())
    text = tables.render("main", stats_out, tmp_path / "main.tex").read_text()
    assert "$^\\ddagger$" in text and "digits/mobilenet\\_v3: 1 baseline(s), change without them" in text
    headline = tables.headline_markdown(result["comparisons"])
    assert "\u2021: a fixed-batch baseline ended at or below chance" in headline
    assert "mobilenet_v3: 1 baseline" in headline


def test_chance_follows_the_datasets_classes():
    from deba import data

    for name, classes in data.CIFAR_CLASSES.items():
        assert comparisons.CLASSES[name] == classes
    for name in ("digits", "synthetic"):
        assert comparisons.CLASSES[name] == data.load_dataset(name, "data").num_classes
    assert math.isnan(comparisons.chance("unknown"))


def test_moves_of_a_trajectory():
    assert comparisons.batch_moves("64 64 96 144 115 115") == (2, 1, 3.0)
    grows, rollbacks, first = comparisons.batch_moves("64 64 64")
    assert (grows, rollbacks) == (0, 0) and math.isnan(first)


def test_the_charged_speedup_counts_the_characterization_once():
    # two DEBA runs of 80 s against fixed twins of 100 s, thresholds from three fixed runs of 100 s
    charged, break_even = comparisons.charged_speedup([80, 80], [100, 100], 300.0)
    assert charged == pytest.approx(1 - (300 + 160) / 200) and break_even == pytest.approx(300 / 20)
    assert comparisons.charged_speedup([120], [100], 300.0)[1] == math.inf
    assert np.isnan(comparisons.charged_speedup([], [], 300.0)[0])


def test_the_comparisons_charge_deba_and_no_other_method(swept):
    *_, result = swept
    table = result["comparisons"].set_index(["arch", "scheduler", "variant"])
    runs = pd.read_csv(swept[1]["runs"])
    fixed = runs[(runs["arch"] == "resnet18") & (runs["scheduler"] == "fixed") & (runs["variant"] == "main")]
    deba = runs[(runs["arch"] == "resnet18") & (runs["scheduler"] == "deba") & (runs["variant"] == "main")]
    row = table.loc[("resnet18", "deba", "main")]
    assert row["characterization_s"] == pytest.approx(fixed["train_time_s"].sum())
    expected = 1 - (fixed["train_time_s"].sum() + deba["train_time_s"].sum()) / fixed["train_time_s"].sum()
    assert row["charged_speedup"] == pytest.approx(expected)
    assert np.isnan(table.loc[("resnet18", "fixed", "repeat"), "charged_speedup"])
