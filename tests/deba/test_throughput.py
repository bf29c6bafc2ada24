"""The throughput profile: one row per batch size with positive rates, consistent with the step time."""

import torch

from deba.throughput import COLUMNS, measure


def test_profile_has_a_row_per_batch_size():
    rows = measure("resnet18", "cpu", [8, 4], torch.device("cpu"), timed_steps=1)
    assert [row["batch_size"] for row in rows] == [4, 8]
    assert all(set(row) == set(COLUMNS) for row in rows)
    for row in rows:
        assert row["images_per_s"] > 0
        assert abs(row["images_per_s"] * row["step_time_s"] - row["batch_size"]) < 1e-6
