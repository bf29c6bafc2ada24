"""The stored-profile measurement: interleaved rounds with their median, out of memory recorded rather than
silent, and a deadline that limits the rounds but never leaves a size unmeasured."""

import time

import pytest
import torch

from deba.profiles import read_profile, write_profile
from deba.throughput import TrainingStep, profile_rounds

CPU = torch.device("cpu")


class FakeStep:
    """Stands in for TrainingStep: a step at batch b sleeps `cost(b, call)` seconds, or runs out of memory."""

    def __init__(self, cost, out_of_memory_above=None):
        self.device, self.calls, self.cost, self.limit = CPU, [], cost, out_of_memory_above

    def batch(self, batch_size):
        return torch.zeros(batch_size, 1), torch.zeros(batch_size, dtype=torch.long)

    def __call__(self, images, labels):
        if self.limit is not None and len(labels) > self.limit:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        self.calls.append(len(labels))
        time.sleep(self.cost(len(labels), len(self.calls)))

    def seconds_per_step(self, images, labels, steps):
        started = time.perf_counter()
        for _ in range(steps):
            self(images, labels)
        return (time.perf_counter() - started) / steps


def test_rounds_interleave_the_sizes_and_the_row_is_their_median():
    step = FakeStep(lambda batch, call: 0.001 * batch / 4)
    rows, failures = profile_rounds(step, "resnet18", "cpu", [8, 4], rounds=3, timed_steps=2, warmup_steps=1)
    assert failures == [] and [row["batch_size"] for row in rows] == [4, 8]
    # round 1: warm-up + 2 timed at 4, then at 8; later rounds: 1 warm-up + 2 timed each, sizes alternating
    assert step.calls == [4, 4, 4, 8, 8, 8] * 3
    for row in rows:
        assert row["rounds"] == 3 and row["timed_steps"] == 6
        assert row["step_time_min_s"] <= row["step_time_s"] <= row["step_time_max_s"]
        assert row["step_time_s"] == pytest.approx(0.001 * row["batch_size"] / 4, rel=0.5, abs=0.002)


def test_a_size_out_of_memory_is_a_failure_and_larger_sizes_are_not_tried_again():
    step = FakeStep(lambda batch, call: 0.0, out_of_memory_above=8)
    rows, failures = profile_rounds(step, "vit_b16", "paper", [4, 8, 16, 32], rounds=2, timed_steps=1)
    assert [row["batch_size"] for row in rows] == [4, 8] and all(row["rounds"] == 2 for row in rows)
    assert failures == [{"arch": "vit_b16", "scale": "paper", "batch_size": 16, "error": "out of memory"}]
    assert 32 not in step.calls and 16 not in step.calls


def test_the_deadline_ends_the_rounds_but_the_first_round_measures_every_size():
    step = FakeStep(lambda batch, call: 0.02)
    deadline = time.monotonic() + 0.01  # passes during the first round
    rows, _ = profile_rounds(step, "resnet18", "cpu", [2, 4, 8], rounds=5, timed_steps=1, warmup_steps=0,
                             deadline=deadline, min_rounds=1)
    assert [row["batch_size"] for row in rows] == [2, 4, 8] and all(row["rounds"] == 1 for row in rows)


def test_other_errors_are_not_taken_for_the_end_of_memory():
    class Broken(FakeStep):
        def __call__(self, images, labels):
            raise RuntimeError("an unrelated bug")

    with pytest.raises(RuntimeError, match="unrelated bug"):
        profile_rounds(Broken(lambda batch, call: 0.0), "resnet18", "cpu", [2], rounds=1, timed_steps=1)


def test_real_rows_make_a_valid_stored_profile(tmp_path):
    step = TrainingStep("resnet18", "cpu", CPU)
    rows, failures = profile_rounds(step, "resnet18", "cpu", [2, 4], rounds=2, timed_steps=1, warmup_steps=1)
    provenance = {"device_name": "test cpu", "device_type": "cpu", "precision": "fp32", "cudnn_mode": "n/a",
                  "torch": torch.__version__, "measured_at": "2026-12-04T00:00:00+00:00"}
    profile = read_profile(write_profile(tmp_path / "p.json", provenance, rows, failures))
    assert [row["batch_size"] for row in profile.rows] == [2, 4] and profile.scales() == {"cpu"}
