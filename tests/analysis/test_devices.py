"""Paired comparisons refuse (or, when allowed, flag) runs whose provenance names different devices."""

import pandas as pd
import pytest

from deba.analysis.comparisons import paired_runs
from deba.analysis.load import AnalysisInputError


def runs_on(devices: dict) -> pd.DataFrame:
    """Two seeds of deba and fixed in one cell; `devices[(scheduler, seed)]` is each run's device_name."""
    rows = []
    for (scheduler, seed), device in devices.items():
        rows.append({"dataset": "cifar10", "arch": "resnet18", "scheduler": scheduler, "variant": "main",
                     "seed": seed, "window": "15", "cooldown": 5, "status": "completed", "final_test_acc": 0.9,
                     "train_time_s": 10.0 if scheduler == "deba" else 20.0, "time_to_target_s": None,
                     "num_batch_changes": 1, "batch_size_trajectory": "128 192", "device_name": device})
    return pd.DataFrame(rows)


SAME = {("deba", 0): "NVIDIA H100", ("fixed", 0): "NVIDIA H100", ("deba", 1): "NVIDIA H100",
        ("fixed", 1): "NVIDIA H100"}
MIXED = {**SAME, ("deba", 1): "NVIDIA A100-SXM4-80GB"}


def test_pairs_on_one_device_pass_unflagged():
    pairs = paired_runs(runs_on(SAME))
    assert not pairs["mixed_devices"].any() and pairs["speedup"].tolist() == [0.5, 0.5]


def test_a_pair_across_devices_is_refused_naming_the_run_and_both_devices():
    with pytest.raises(AnalysisInputError, match=r"cifar10/resnet18/deba/main/1: NVIDIA A100-SXM4-80GB against "
                                                  r"fixed on NVIDIA H100[\s\S]*pin a GPU model"):
        paired_runs(runs_on(MIXED))


def test_when_allowed_a_pair_across_devices_is_kept_and_flagged():
    pairs = paired_runs(runs_on(MIXED), allow_mixed_devices=True)
    assert pairs.set_index("seed")["mixed_devices"].to_dict() == {0: False, 1: True}


def test_unknown_device_names_are_not_taken_for_a_mismatch():
    unknown = paired_runs(runs_on({**SAME, ("fixed", 1): None}))
    assert not unknown["mixed_devices"].any()
    without_column = paired_runs(runs_on(SAME).drop(columns="device_name"))  # runs.csv from before
    assert not without_column["mixed_devices"].any()
