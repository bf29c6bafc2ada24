"""Statistics across seeds on a result set with known effects: scipy p-values, intervals, diverged runs."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from deba.analysis import characterization, hardware
from deba.analysis.comparisons import paired_runs


def _row(table, arch, scheduler="deba", variant="main"):
    rows = table[(table["arch"] == arch) & (table["scheduler"] == scheduler) & (table["variant"] == variant)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_known_effects_inside_intervals(analysed):
    *_, tables = analysed
    comparisons = tables["comparisons"]
    resnet18 = _row(comparisons, "resnet18")
    assert resnet18["acc_diff_low"] <= 0.03 <= resnet18["acc_diff_high"]
    # time ratio 0.6 * (1 + 0.01 seed) over seeds 0..4: mean speedup 1 - 0.6 * 1.02 = 0.388
    assert resnet18["speedup"] == pytest.approx(0.388)
    assert resnet18["speedup_low"] <= 0.388 <= resnet18["speedup_high"]
    assert _row(comparisons, "mobilenet_v3")["speedup"] == pytest.approx(1 - 0.5 * 1.02)


def test_p_values_match_scipy(analysed):
    *_, tables = analysed
    pairs = tables["pairs"]
    chosen = pairs[(pairs["arch"] == "mobilenet_v3") & (pairs["scheduler"] == "deba") & (pairs["variant"] == "main")]
    row = _row(tables["comparisons"], "mobilenet_v3")
    assert row["t_p"] == pytest.approx(stats.ttest_rel(chosen["acc_method"], chosen["acc_fixed"]).pvalue)
    assert row["wilcoxon_p"] == pytest.approx(stats.wilcoxon(chosen["acc_method"], chosen["acc_fixed"]).pvalue)
    assert row["wilcoxon_min_p"] == 0.0625
    assert row["speedup_t_p"] == pytest.approx(stats.ttest_rel(chosen["time_method"], chosen["time_fixed"]).pvalue)


def test_holm_across_cells_per_method(analysed):
    *_, tables = analysed
    deba = tables["comparisons"]
    deba = deba[(deba["scheduler"] == "deba") & (deba["variant"] == "main")].sort_values("t_p")
    p = deba["t_p"].to_numpy()
    m = len(p)
    expected = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * p))
    assert deba["t_p_holm"].to_numpy() == pytest.approx(expected)


def test_diverged_runs_counted_not_dropped(analysed):
    *_, tables = analysed
    row = _row(tables["comparisons"], "resnet50")
    assert row["n_runs"] == 5 and row["n_pairs"] == 4 and row["n_diverged_method"] == 1
    assert row["wilcoxon_min_p"] == 0.125  # four pairs: 2 / 2**4
    runs = pd.read_csv(analysed[1]["runs"])
    assert (runs["status"] == "diverged").sum() == 1


def test_missing_baseline_counted():
    runs = pd.DataFrame({
        "dataset": ["d", "d"], "arch": ["a", "a"], "scheduler": ["deba", "fixed"], "variant": ["main", "main"],
        "seed": [0, 1], "window": ["15", "15"], "cooldown": [5, 5], "status": ["completed"] * 2,
        "final_test_acc": [0.9, 0.8], "train_time_s": [10.0, 20.0], "time_to_target_s": [None, None],
        "num_batch_changes": [2, 0], "batch_size_trajectory": ["64 96 64", "64 64 64"]})
    pairs = paired_runs(runs)
    assert pairs.loc[0, "status_fixed"] == "missing" and np.isnan(pairs.loc[0, "speedup"])


def test_stability_score_formula():
    assert characterization.stability_score(0.0, 0.0) == 1.0
    assert characterization.stability_score(1.0, 1.0) == 0.5
    assert characterization.stability_score(0.2, 0.4) == pytest.approx(1 / 1.3)
    assert np.isnan(characterization.stability_score(float("nan"), 0.1))
    epochs = pd.DataFrame({"grad_norm_variation": [None, 0.1, 0.3], "loss_variation": [None, 0.2, 0.2],
                           "grad_var": [1.0, 2.0, 3.0]})
    metrics = characterization.run_metrics(epochs)
    assert metrics["grad_norm_variation"] == pytest.approx(0.2)
    assert metrics["stability_score"] == pytest.approx(1 / 1.2)


def test_characterization_ranks_wiggly_baseline_least_stable(analysed):
    *_, tables = analysed
    cells = tables["characterization"].set_index("arch")
    assert cells.loc["mobilenet_v3", "stability_score"] < cells.loc["resnet18", "stability_score"]
    assert ((cells["stability_score"] > 0) & (cells["stability_score"] <= 1)).all()
    assert (cells["n_runs"] == 5).all()


def test_predicted_speedup_from_profile():
    profile = pd.DataFrame({"batch_size": [100, 200], "step_time_s": [1.0, 1.5]})
    tau = hardware.step_time_model(profile)
    assert tau(150) == pytest.approx(1.25)
    assert tau(400) == pytest.approx(2.5)  # linear extrapolation from the last segment
    assert tau(10) == pytest.approx(1.0)  # never below the smallest measured step time
    fixed = pd.DataFrame({"steps": [10, 10], "batch_size": [100, 100]})
    grown = pd.DataFrame({"steps": [10, 5], "batch_size": [100, 200]})
    # fixed: 20 s, grown: 10 + 7.5 = 17.5 s -> predicted speedup 0.125
    assert 1 - hardware.predicted_time(grown, tau) / hardware.predicted_time(fixed, tau) == pytest.approx(0.125)


def test_predicted_speedup_splits_into_images_skipped_and_cost_per_image():
    # 512 training images: the fixed run at 64 trains all of them (8 steps); the grown run at 96 trains
    # floor(512 / 96) * 96 = 480 in its second epoch, so part of its predicted saving is skipped images
    throughput = pd.DataFrame({"dataset": "digits", "arch": "resnet18", "batch_size": [64, 128],
                               "step_time_s": [0.64, 1.0]})
    key = {"dataset": "digits", "arch": "resnet18"}
    epochs = pd.DataFrame([
        {**key, "scheduler": "fixed", "variant": "main", "seed": 0, "epoch": 1, "batch_size": 64, "steps": 8},
        {**key, "scheduler": "fixed", "variant": "main", "seed": 0, "epoch": 2, "batch_size": 64, "steps": 8},
        {**key, "scheduler": "deba", "variant": "main", "seed": 0, "epoch": 1, "batch_size": 64, "steps": 8},
        {**key, "scheduler": "deba", "variant": "main", "seed": 0, "epoch": 2, "batch_size": 96, "steps": 5}])
    runs = pd.DataFrame([
        {**key, "scheduler": "fixed", "variant": "main", "seed": 0, "status": "completed", "train_time_s": 10.0,
         "batch_size_trajectory": "64 64"},
        {**key, "scheduler": "deba", "variant": "main", "seed": 0, "status": "completed", "train_time_s": 9.0,
         "batch_size_trajectory": "64 96"}])
    row = hardware.hardware_speedups(runs, epochs, throughput).iloc[0]
    assert row["images_skipped"] == pytest.approx(1 - (512 + 480) / 1024)
    # tau(96) = 0.82 s: the fixed run costs 16 * 0.64 = 10.24 s, the grown one 5.12 + 5 * 0.82 = 9.22 s
    assert row["predicted_speedup"] == pytest.approx(1 - 9.22 / 10.24)
    per_image = (9.22 / 992) / (10.24 / 1024)
    assert row["utilization_speedup"] == pytest.approx(1 - per_image)
    parts = (1 - row["images_skipped"]) * (1 - row["utilization_speedup"])
    assert 1 - row["predicted_speedup"] == pytest.approx(parts)
    assert row["measured_speedup"] == pytest.approx(0.1)


def test_hardware_table(analysed):
    *_, tables = analysed
    table = tables["hardware"]
    assert set(table["scheduler"]) == {"deba", "adabatch"}
    assert table["predicted_speedup"].notna().all()
    # the diverged DEBA run has no measured speedup row
    assert len(table[(table["arch"] == "resnet50") & (table["variant"] == "main") & (table["scheduler"] == "deba")]) == 4


def test_ablation_contrasts_known_direction(analysed):
    *_, tables = analysed
    contrasts = tables["ablation_contrasts"].set_index("ablation")
    # window-full costs 1 point and 0.1 of time ratio; cooldown-0 costs 2 points and 0.15
    assert contrasts.loc["window", "acc_diff_delta"] == pytest.approx(0.01, abs=1e-3)
    assert contrasts.loc["cooldown", "acc_diff_delta"] == pytest.approx(0.02, abs=1e-3)
    assert contrasts.loc["cooldown", "speedup_low"] > 0
    ablations = tables["ablations"]
    assert ablations[ablations["arch"] == "resnet18"]["variant"].tolist() == ["cooldown-0", "main", "window-full"]
