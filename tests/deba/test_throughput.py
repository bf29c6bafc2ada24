"""The throughput profile: it times the steps it ran, builds the model training builds, and stops where the
device runs out of memory."""

import time

import pytest
import torch

import deba.throughput as throughput
from deba.config import TrainConfig
from deba.models import build_model
from deba.throughput import COLUMNS, measure

CPU = torch.device("cpu")


def slow_forward(monkeypatch, seconds: float, fail_above: int | None = None, error=torch.OutOfMemoryError):
    """Models the profile builds sleep `seconds` per forward pass (and fail above a batch size)."""
    def build(*args, **kwargs):
        model = build_model(*args, **kwargs)
        forward = model.forward

        def timed(images):
            if fail_above is not None and len(images) > fail_above:
                raise error("simulated: out of memory")
            time.sleep(seconds)
            return forward(images)

        model.forward = timed
        return model

    monkeypatch.setattr(throughput, "build_model", build)


def test_the_step_time_is_the_time_of_one_timed_step(monkeypatch):
    slow_forward(monkeypatch, 0.05)
    rows = measure("resnet18", "cpu", [4, 2], CPU, warmup_steps=2, timed_steps=3)
    assert [row["batch_size"] for row in rows] == [2, 4] and all(set(row) == set(COLUMNS) for row in rows)
    for row in rows:
        # each step sleeps 0.05 s and the cpu-scale step itself takes well under a second
        assert 0.05 <= row["step_time_s"] < 1.0
        assert row["images_per_s"] == pytest.approx(row["batch_size"] / row["step_time_s"])


@pytest.mark.parametrize("error", [torch.OutOfMemoryError, RuntimeError])  # RuntimeError: as cuDNN raises it
def test_a_batch_size_that_runs_out_of_memory_ends_the_profile(monkeypatch, error):
    message = "CUDNN_STATUS_ALLOC_FAILED" if error is RuntimeError else "out of memory"
    slow_forward(monkeypatch, 0.0, fail_above=4, error=lambda _: error(message))
    rows = measure("resnet18", "cpu", [2, 4, 8, 16], CPU, timed_steps=1)
    assert [row["batch_size"] for row in rows] == [2, 4]


def test_other_errors_are_not_taken_for_the_end_of_memory(monkeypatch):
    slow_forward(monkeypatch, 0.0, fail_above=2, error=lambda _: RuntimeError("an unrelated bug"))
    with pytest.raises(RuntimeError, match="unrelated bug"):
        measure("resnet18", "cpu", [2, 4], CPU, timed_steps=1)


def test_the_vit_is_profiled_with_the_input_training_gives_it(monkeypatch):
    tokens = []

    def build(*args, **kwargs):
        model = build_model(*args, **kwargs)
        vit = next(m for m in model.modules() if hasattr(m, "encoder"))
        vit.encoder.register_forward_hook(lambda module, inputs, output: tokens.append(output.shape[1]))
        return model

    monkeypatch.setattr(throughput, "build_model", build)
    measure("vit_b16", "cpu", [2], CPU, warmup_steps=0, timed_steps=1)
    assert TrainConfig().vit_input == "native" and tokens == [65]  # an 8x8 grid of 4 px patches + class token
    tokens.clear()
    measure("vit_b16", "cpu", [2], CPU, warmup_steps=0, timed_steps=1, vit_input="resize224")
    assert tokens == [197]  # 224 px in 16 px patches: 14x14 + class token
