"""Training-step throughput against batch size: how well the hardware is used at each batch size.

Shared by the workflow's characterization step (its hardware-vs-optimization analysis predicts the
speedup a batch-size trajectory would give from this profile alone), the cost model and the benchmarks. A
step is what the trainer does, in the trainer's order: forward, loss, backward, SGD step, monitor
reduction, on synthetic CIFAR-shaped data already on the device, with the trainer's device settings (bf16
autocast, channels_last for CNNs and cuDNN's mode on GPU: `deba.train.configure_backends`) and the
trainer's model, ViT input included (`resize224` gives 197 tokens a step, `native` 65).

`measure` is the workflow's profile (one pass over the batch sizes); `profile_rounds` is the stored-profile
measurement of the GPU check (`deba.profiles`): interleaved rounds over the batch sizes, the median of the
rounds, out-of-memory recorded as a failure rather than a silent end, and a deadline.
"""

from __future__ import annotations

import statistics
import time

import torch
import torch.nn.functional as F

from .config import TrainConfig
from .contract import THROUGHPUT_COLUMNS
from .fast_path import resolve as resolve_fast_path
from .models import build_model, build_optimizer
from .monitor import GradientMonitor
from .train import configure_backends, is_out_of_memory

COLUMNS = THROUGHPUT_COLUMNS  # the profile's columns (deba.contract, docs/results.md)
_TRAINING = TrainConfig()  # the training defaults a profile follows unless told otherwise


class TrainingStep:
    """The trainer's training step for one architecture on synthetic data: model, monitor and optimizer built
    as the trainer builds them, in its precision, memory format (`deba.fast_path`, resolved as the trainer
    resolves them: `settings`) and cuDNN mode. `monitor=False` leaves out the monitor's gradient reduction
    (the step anatomy's comparison)."""

    def __init__(self, arch: str, scale: str, device: torch.device, *, num_classes: int = 10,
                 vit_input: str = _TRAINING.vit_input, deterministic: bool = _TRAINING.deterministic,
                 precision: str = _TRAINING.precision, memory_format: str = _TRAINING.memory_format,
                 seed: int = 0, monitor: bool = True):
        torch.manual_seed(seed)
        configure_backends(device, deterministic)
        self.device, self.num_classes = device, num_classes
        self.settings = resolve_fast_path(arch, device.type, precision, memory_format)
        self.channels_last = self.settings.memory_format == "channels_last"
        self.autocast_dtype = torch.bfloat16 if self.settings.precision == "bf16" else None
        model = build_model(arch, num_classes, scale, vit_input).to(device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        model.train()
        self.model = model
        self.monitor = GradientMonitor(model) if monitor else None
        self.optimizer = build_optimizer(model, lr=1e-3)

    def batch(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        images = torch.randn(batch_size, 3, 32, 32, device=self.device)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        return images, torch.randint(0, self.num_classes, (batch_size,), device=self.device)

    def autocast(self):
        if self.autocast_dtype is None:
            return torch.autocast(self.device.type, enabled=False)
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def __call__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        if self.monitor is not None:
            self.monitor.zero_grad()
        else:
            self.optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            loss = F.cross_entropy(self.model(images), labels)
        loss.backward()
        self.optimizer.step()
        if self.monitor is not None:
            self.monitor.observe_step(loss, torch.zeros((), device=self.device), len(labels))

    def seconds_per_step(self, images: torch.Tensor, labels: torch.Tensor, steps: int) -> float:
        synchronize(self.device)
        started = time.perf_counter()
        for _ in range(steps):
            self(images, labels)
        synchronize(self.device)
        return (time.perf_counter() - started) / steps


def measure(arch: str, scale: str, batch_sizes: list[int], device: torch.device, *, num_classes: int = 10,
            vit_input: str = _TRAINING.vit_input, deterministic: bool = _TRAINING.deterministic,
            precision: str = _TRAINING.precision, memory_format: str = _TRAINING.memory_format,
            warmup_steps: int = 1, timed_steps: int = 3, seed: int = 0) -> list[dict]:
    """Rows of `COLUMNS`, one per batch size; a batch size that runs out of memory ends the profile.

    `vit_input`, `deterministic`, `precision` and `memory_format` must be those of the training the profile
    describes (`TrainConfig`)."""
    step = TrainingStep(arch, scale, device, num_classes=num_classes, vit_input=vit_input,
                        deterministic=deterministic, precision=precision, memory_format=memory_format, seed=seed)
    rows = []
    for batch_size in sorted(batch_sizes):
        images, labels = step.batch(batch_size)
        try:
            for _ in range(warmup_steps):
                step(images, labels)
            step_time = step.seconds_per_step(images, labels, timed_steps)
        except RuntimeError as error:
            if not is_out_of_memory(error):
                raise
            release_memory(device)
            break
        rows.append({"arch": arch, "scale": scale, "device": str(device), "batch_size": batch_size,
                     "images_per_s": batch_size / step_time, "step_time_s": step_time})
    return rows


def profile_rounds(step: TrainingStep, arch: str, scale: str, batch_sizes: list[int], *, rounds: int,
                   timed_steps: int, warmup_steps: int = 2, deadline: float | None = None,
                   min_rounds: int = 1) -> tuple[list[dict], list[dict]]:
    """(rows, failures) of the stored-profile format (`deba.profiles`) for one architecture.

    Each round times `timed_steps` steps at every batch size in ascending order (the first round after
    `warmup_steps` untimed steps per size, later rounds after one), so a slow drift of the device's speed
    falls on every size alike; a row's step time is the median of its rounds. A size that runs out of
    memory is recorded in `failures` and it and every larger size are left out of later rounds. Rounds
    after `min_rounds` start only while `time.monotonic()` is before `deadline`; a deadline reached inside
    a round ends it (sizes of an unfinished round keep the rounds they have)."""
    sizes = sorted(batch_sizes)
    times: dict[int, list[float]] = {size: [] for size in sizes}
    failures: list[dict] = []
    for round_index in range(rounds):
        if round_index >= min_rounds and deadline is not None and time.monotonic() >= deadline:
            break
        for batch_size in list(sizes):
            if deadline is not None and time.monotonic() >= deadline and round_index >= min_rounds:
                break
            images, labels = step.batch(batch_size)
            try:
                for _ in range(warmup_steps if round_index == 0 else 1):
                    step(images, labels)
                times[batch_size].append(step.seconds_per_step(images, labels, timed_steps))
            except RuntimeError as error:
                if not is_out_of_memory(error):
                    raise
                del images, labels
                release_memory(step.device)
                failures.append({"arch": arch, "scale": scale, "batch_size": batch_size, "error": "out of memory"})
                sizes = [size for size in sizes if size < batch_size]
                break
    rows = []
    for batch_size in sizes:
        measured = times[batch_size]
        if not measured:
            continue
        step_time = statistics.median(measured)
        rows.append({"arch": arch, "scale": scale, "batch_size": batch_size, "step_time_s": step_time,
                     "images_per_s": batch_size / step_time, "rounds": len(measured),
                     "timed_steps": len(measured) * timed_steps, "step_time_min_s": min(measured),
                     "step_time_max_s": max(measured)})
    return rows, failures


def release_memory(device: torch.device) -> None:
    """Hand cached blocks back after an out-of-memory error, so the next allocation starts clean."""
    if device.type == "cuda":
        torch.cuda.empty_cache()


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work, so a wall-clock reading covers it (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
