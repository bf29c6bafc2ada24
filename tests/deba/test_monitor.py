"""The gradient monitor's per-epoch signals against direct computations on the model's gradients."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deba.monitor import GradientMonitor


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))


def _step(model, monitor, seed: int, batch_size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """One backward pass; returns the loss and the gradient as one vector, read from the parameters."""
    generator = torch.Generator().manual_seed(seed)
    inputs, labels = torch.randn(batch_size, 6, generator=generator), torch.randint(0, 3, (batch_size,), generator=generator)
    monitor.zero_grad()
    loss = F.cross_entropy(model(inputs), labels)
    loss.backward()
    gradient = torch.cat([p.grad.flatten() for p in model.parameters()]).clone()
    monitor.observe_step(loss, torch.tensor(seed % 3), batch_size)
    return loss.detach(), gradient


def test_the_steps_gradient_is_gathered_into_the_flat_buffer():
    model = _model()
    monitor = GradientMonitor(model)
    _, gradient = _step(model, monitor, seed=1)
    assert gradient.abs().sum() > 0 and torch.equal(monitor.flat_grad, gradient)


def test_channels_last_weights_give_the_same_signals_and_unused_parameters_count_as_zero():
    def conv_model():
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))

    images, labels = torch.randn(5, 3, 8, 8), torch.tensor([0, 1, 2, 0, 1])
    signals = []
    for memory_format in (torch.contiguous_format, torch.channels_last):
        model = conv_model().to(memory_format=memory_format)
        unused = nn.Parameter(torch.ones(7))  # never in the graph: its gradient stays None
        model.register_parameter("unused", unused)
        monitor = GradientMonitor(model)
        monitor.zero_grad()
        loss = F.cross_entropy(model(images.contiguous(memory_format=memory_format)), labels)
        loss.backward()
        assert unused.grad is None
        monitor.observe_step(loss, torch.tensor(0), 5)
        offset = sum(q.numel() for q in monitor.parameters[:[q is unused for q in monitor.parameters].index(True)])
        assert torch.count_nonzero(monitor.flat_grad[offset:offset + 7]) == 0
        signals.append(monitor.end_epoch())
    assert model[0].weight.grad.is_contiguous(memory_format=torch.channels_last)
    assert not model[0].weight.grad.is_contiguous()
    assert signals[1]["grad_var"] == pytest.approx(signals[0]["grad_var"], rel=1e-5)
    assert signals[1]["grad_norm"] == pytest.approx(signals[0]["grad_norm"], rel=1e-5)


def test_epoch_signals_are_means_over_steps_of_variance_norm_and_loss():
    model = _model()
    monitor = GradientMonitor(model)
    steps = [_step(model, monitor, seed) for seed in range(4)]
    signals = monitor.end_epoch()
    losses = torch.stack([loss for loss, _ in steps])
    gradients = torch.stack([gradient for _, gradient in steps]).double()
    assert signals["steps"] == 4
    assert signals["grad_var"] == pytest.approx(gradients.var(dim=1, correction=0).mean().item(), rel=1e-5)
    assert signals["grad_norm"] == pytest.approx(gradients.norm(dim=1).mean().item(), rel=1e-6)
    assert signals["train_loss"] == pytest.approx(losses.mean().item(), rel=1e-6)
    assert signals["train_acc"] == pytest.approx((0 + 1 + 2 + 0) / 32)
    assert signals["grad_norm_variation"] is None and signals["loss_variation"] is None  # no previous epoch


def test_variations_are_relative_to_the_previous_epoch():
    model = _model()
    monitor = GradientMonitor(model)
    _step(model, monitor, seed=1)
    first = monitor.end_epoch()
    _step(model, monitor, seed=2)
    second = monitor.end_epoch()
    expected = abs(second["grad_norm"] - first["grad_norm"]) / first["grad_norm"]
    assert second["grad_norm_variation"] == pytest.approx(expected, rel=1e-6)
    assert second["loss_variation"] == pytest.approx(abs(second["train_loss"] - first["train_loss"]) / first["train_loss"])


def test_noise_scale_from_half_batches_recovers_a_known_ratio():
    monitor = GradientMonitor(_model(), ema=0.0)
    # |G|^2 = 4 and tr(Sigma) = 64: a batch B gradient has expected squared norm |G|^2 + tr(Sigma) / B
    big, small = 32, 16
    monitor.observe_half_batches(torch.tensor(4 + 64 / small), torch.tensor(4 + 64 / big), big)
    signals = monitor.end_epoch()
    assert signals["noise_scale"] == pytest.approx(16.0)


def test_state_dict_round_trip_continues_a_partly_observed_epoch():
    model = _model()
    monitor = GradientMonitor(model)
    _step(model, monitor, seed=1)
    monitor.end_epoch()
    _step(model, monitor, seed=2)
    restored_model = _model()  # the same initial weights (no optimizer step is taken)
    restored = GradientMonitor(restored_model)
    restored.load_state_dict(monitor.state_dict())
    for seed in (3, 4):
        _step(model, monitor, seed)
        _step(restored_model, restored, seed)
    original, resumed = monitor.end_epoch(), restored.end_epoch()
    assert original.keys() == resumed.keys()
    for key, value in original.items():
        assert (value is None and resumed[key] is None) or math.isclose(value, resumed[key], rel_tol=1e-9)
