"""Per-epoch training signals for the batch-size schedulers, from gradients the step already has.

After backward the monitor copies every parameter's gradient into one flat buffer with a single `torch.cat`,
so a step's whole gradient is one contiguous vector: its component variance and L2 norm come from one dot
product and one sum, with no extra backward pass and no per-parameter Python loop. Sums stay on the device and
are read once per epoch, so the monitor never forces a host-device synchronization inside the epoch.

Gradients are cleared to None before each backward (as `zero_grad(set_to_none=True)` does), so autograd hands
its fresh gradients over instead of adding them into existing ones. Views into a persistent flat buffer would
save the copy but not the additions, and timed slower than this copy when the two were compared. What the
monitor costs as it is, against a bare PyTorch loop and per step, is measured by benchmarks/bench_training.py
(benchmarks/results/benchmarks.md: "trainer epoch" and "monitor reduction alone").

For the `gns` comparator the trainer runs two backward passes of half the batch (their scaled sum is the
full-batch gradient) and reports both; the monitor turns them into McCandlish et al.'s (2018) unbiased
estimates of |G|^2 and tr(Sigma), keeps an exponential moving average of each across steps, and reports
the simple noise scale B_simple = tr(Sigma) / |G|^2 at the end of the epoch.
"""

from __future__ import annotations

import math

import torch
from torch import nn

EPS = 1e-12


class GradientMonitor:
    def __init__(self, model: nn.Module, ema: float = 0.9):
        self.parameters = [p for p in model.parameters() if p.requires_grad]
        self.numel = sum(p.numel() for p in self.parameters)
        device = self.parameters[0].device
        self.flat_grad = torch.zeros(self.numel, device=device, dtype=torch.float32)
        self.ema = ema
        self.previous_norm: float | None = None
        self.previous_loss: float | None = None
        self.gns_sq_norm: float | None = None  # EMA of the |G|^2 estimate
        self.gns_trace: float | None = None  # EMA of the tr(Sigma) estimate
        self._reset_epoch()

    def _reset_epoch(self) -> None:
        device = self.flat_grad.device
        self._sum = torch.zeros(4, device=device, dtype=torch.float64)  # var, norm, loss, correct
        self._samples = 0
        self._steps = 0
        self._gns_pairs: list[torch.Tensor] = []

    def zero_grad(self) -> None:
        """Clear the gradients before a step's backward pass."""
        for p in self.parameters:
            p.grad = None

    def gather(self) -> torch.Tensor:
        """The current gradient as one vector, in `flat_grad` (overwritten by the next call)."""
        return torch.cat([_in_memory_order(p.grad) if p.grad is not None else p.new_zeros(p.numel())
                          for p in self.parameters], out=self.flat_grad)

    def observe_step(self, loss: torch.Tensor, correct: torch.Tensor, batch_size: int) -> None:
        """Record one optimizer step; call after backward(), before optimizer.step()."""
        flat = self.gather()
        # A dot product and a sum run at memory speed, where torch.var_mean's one-pass (Welford) kernel is many
        # times slower on CPU; this reduction's cost per step: benchmarks/results/benchmarks.md ("monitor
        # reduction alone").
        sum_sq = torch.dot(flat, flat).double()
        mean = flat.sum().double() / self.numel
        var = sum_sq / self.numel - mean * mean
        self._sum += torch.stack([var, sum_sq.sqrt(), loss.detach().double(), correct.double()])
        self._samples += batch_size
        self._steps += 1

    def observe_half_batches(self, sq_norm_halves: torch.Tensor, sq_norm_full: torch.Tensor, batch_size: int) -> None:
        """Mean squared norm of the two half-batch gradients and the full-batch gradient's squared norm."""
        self._gns_pairs.append(torch.stack([sq_norm_halves, sq_norm_full]).double())
        self._gns_batch = batch_size

    def end_epoch(self) -> dict[str, float | None]:
        """The epoch's signals (one host sync); variations are relative to the previous epoch."""
        var_sum, norm_sum, loss_sum, correct = self._sum.tolist()
        steps = max(self._steps, 1)
        grad_var, grad_norm, train_loss = var_sum / steps, norm_sum / steps, loss_sum / steps
        signals = {
            "grad_var": grad_var,
            "grad_norm": grad_norm,
            "train_loss": train_loss,
            "train_acc": correct / max(self._samples, 1),
            "steps": self._steps,
            "grad_norm_variation": _relative_change(grad_norm, self.previous_norm),
            "loss_variation": _relative_change(train_loss, self.previous_loss),
            "noise_scale": self._update_noise_scale(),
        }
        self.previous_norm, self.previous_loss = grad_norm, train_loss
        self._reset_epoch()
        return signals

    def _update_noise_scale(self) -> float | None:
        if not self._gns_pairs:
            return None
        small, big = self._gns_batch / 2, self._gns_batch
        for sq_small, sq_big in torch.stack(self._gns_pairs).tolist():
            sq_norm = (big * sq_big - small * sq_small) / (big - small)
            trace = (sq_small - sq_big) / (1 / small - 1 / big)
            self.gns_sq_norm = sq_norm if self.gns_sq_norm is None else self.ema * self.gns_sq_norm + (1 - self.ema) * sq_norm
            self.gns_trace = trace if self.gns_trace is None else self.ema * self.gns_trace + (1 - self.ema) * trace
        if self.gns_sq_norm is None or self.gns_sq_norm <= 0 or not math.isfinite(self.gns_trace):
            return None
        return self.gns_trace / self.gns_sq_norm

    def state_dict(self) -> dict:
        """Everything needed to continue, including a partly observed epoch (for a mid-epoch checkpoint)."""
        return {"previous_norm": self.previous_norm, "previous_loss": self.previous_loss,
                "gns_sq_norm": self.gns_sq_norm, "gns_trace": self.gns_trace,
                "epoch_sums": self._sum.cpu(), "epoch_samples": self._samples, "epoch_steps": self._steps,
                "gns_pairs": [pair.cpu() for pair in self._gns_pairs],
                "gns_batch": getattr(self, "_gns_batch", 0)}

    def load_state_dict(self, state: dict) -> None:
        device = self.flat_grad.device
        self.previous_norm, self.previous_loss = state["previous_norm"], state["previous_loss"]
        self.gns_sq_norm, self.gns_trace = state["gns_sq_norm"], state["gns_trace"]
        self._sum = state["epoch_sums"].to(device)
        self._samples, self._steps = state["epoch_samples"], state["epoch_steps"]
        self._gns_pairs = [pair.to(device) for pair in state["gns_pairs"]]
        self._gns_batch = state["gns_batch"]


def _in_memory_order(gradient: torch.Tensor) -> torch.Tensor:
    """A 1-D view of the gradient's elements as they lie in memory (no copy for channels_last weights).

    Variance and norms do not depend on the order of the elements, only on every element appearing once.
    """
    if gradient.dim() == 4 and not gradient.is_contiguous() and gradient.is_contiguous(memory_format=torch.channels_last):
        return gradient.permute(0, 2, 3, 1).view(-1)
    return gradient.reshape(-1)


def _relative_change(current: float, previous: float | None) -> float | None:
    if previous is None:
        return None
    return abs(current - previous) / (abs(previous) + EPS)
