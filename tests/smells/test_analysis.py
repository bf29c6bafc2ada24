"""Statistics of the study on synthetic projects whose answer is known."""
import math

import numpy as np
import pandas as pd
import pytest

from smells.analysis import (
    TOTAL,
    TOTAL_WITHOUT,
    classifier_disagreements,
    compare_groups,
    densities,
    idiom_mix,
    mapping_accuracy,
    smallest_detectable_delta,
    stage_fit,
    stage_table,
)
from smells.findings import IDIOMS


def synthetic_projects(ml_rate, non_rate, n=12, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for group, rate in (("ML", ml_rate), ("non-ML", non_rate)):
        for i in range(n):
            kloc = float(rng.uniform(2, 10))
            row = {"project": f"{group}{i}", "version": "1", "group": group, "kloc": kloc,
                   "ml_imports": "", "ai_classifier": group == "ML"}
            for idiom in IDIOMS:
                row[f"n_{idiom}"] = int(rng.poisson(rate * kloc))
            rows.append(row)
    return pd.DataFrame(rows)


def test_densities_and_small_projects():
    projects = synthetic_projects(2.0, 1.0)
    projects.loc[0, "kloc"] = 0.1
    density = densities(projects, min_kloc=0.5)
    assert len(density) == len(projects) - 1
    row = density.iloc[0]
    assert row[TOTAL] == pytest.approx(sum(row[i] for i in IDIOMS))
    assert row[TOTAL_WITHOUT] == pytest.approx(row[TOTAL] - row["assign-multiple-targets"])


def test_clear_difference_is_detected_and_direction_is_ml_minus_non_ml():
    table = compare_groups(densities(synthetic_projects(5.0, 1.0), 0.5), n_resamples=500, seed=0).set_index("measure")
    assert table.loc[TOTAL, "delta"] == 1.0 and table.loc[TOTAL, "p"] < 0.001
    assert table.loc[TOTAL, "delta_low"] <= table.loc[TOTAL, "delta"] <= table.loc[TOTAL, "delta_high"]
    idioms = table.loc[list(IDIOMS)]
    assert (idioms["p_holm"] >= idioms["p"]).all()


def test_no_difference_is_not_significant():
    table = compare_groups(densities(synthetic_projects(2.0, 2.0, n=15), 0.5), n_resamples=500, seed=0)
    total = table.set_index("measure").loc[TOTAL]
    assert total["p"] > 0.05 and total["delta_low"] < 0 < total["delta_high"]


def test_idiom_mix_independent_vs_dependent():
    same = synthetic_projects(3.0, 3.0)
    assert idiom_mix(same, without_dominant=False)["p"] > 0.01
    skewed = same.copy()
    skewed.loc[skewed["group"] == "ML", "n_chain-comparison"] += 200
    result = idiom_mix(skewed, without_dominant=True)
    assert result["p"] < 1e-6 and 0 < result["cramers_v"] <= 1


def test_smallest_detectable_delta_shrinks_with_more_projects():
    assert smallest_detectable_delta(150, 150) < smallest_detectable_delta(20, 20) < 1
    # 150 vs 150 (the paper's corpus): about 0.19 at alpha 0.05 and 80% power.
    assert smallest_detectable_delta(150, 150) == pytest.approx(0.187, abs=0.01)
    assert math.isnan(smallest_detectable_delta(0, 10))


def test_stage_table_normalises_by_code():
    scopes = pd.DataFrame({"project": ["p"] * 4, "path": ["a.py", "b.py", "c.py", "d.py"],
                           "scope_id": [0, 0, 0, 0], "code_lines": [1000, 1000, 3000, 3000],
                           "stage": ["data processing", "data processing", "model training", "model training"]})
    findings = pd.DataFrame({"project": ["p"] * 8, "path": ["a.py"] * 2 + ["b.py"] * 2 + ["c.py"] * 2 + ["d.py"] * 2,
                             "stage": ["data processing"] * 4 + ["model training"] * 4})
    table = stage_table(findings, scopes, n_resamples=200, seed=0).set_index("stage")
    # Same number of findings, but data processing has a third of the code: three times as dense.
    assert table.loc["data processing", "per_kloc"] == pytest.approx(2.0)
    assert table.loc["model training", "per_kloc"] == pytest.approx(2 / 3)
    assert table.loc["data processing", "over_representation"] == pytest.approx(0.5 / 0.25)
    assert math.isnan(table.loc["evaluation", "per_kloc"])
    # 8 findings cannot tell the stages apart; 80 with the same spread can.
    assert stage_fit(table.reset_index())["p"] > 0.05
    many = stage_table(pd.concat([findings] * 10), scopes, n_resamples=200, seed=0)
    assert stage_fit(many)["p"] < 0.001


def test_mapping_accuracy_and_kappa():
    labels = pd.DataFrame({"stage": ["a", "a", "b", "b"]})
    perfect = mapping_accuracy(labels, ["a", "a", "b", "b"], n_resamples=200, seed=0)
    assert perfect["accuracy"] == 1.0 and perfect["kappa"] == pytest.approx(1.0)
    chance = mapping_accuracy(labels, ["a", "b", "a", "b"], n_resamples=200, seed=0)
    assert chance["accuracy"] == 0.5 and chance["kappa"] == pytest.approx(0.0)


def test_classifier_disagreements():
    projects = synthetic_projects(1, 1, n=2)
    projects.loc[0, "ai_classifier"] = False
    assert classifier_disagreements(projects)["project"].tolist() == ["ML0"]
