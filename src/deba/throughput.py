"""Training-step throughput against batch size: how well the hardware is used at each batch size.

Shared by the workflow's characterization step (its hardware-vs-optimization analysis predicts the
speedup a batch-size trajectory would give from this profile alone), the cost model and the benchmarks. A
step is what the trainer does, in the trainer's order: forward, loss, backward, SGD step, monitor
reduction, on synthetic CIFAR-shaped data already on the device, with the trainer's device settings (bf16
autocast, channels_last for CNNs and cuDNN's mode on GPU: `deba.train.configure_backends`) and the
trainer's model, ViT input included (`resize224` gives 197 tokens a step, `native` 65).
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from .config import TrainConfig
from .contract import THROUGHPUT_COLUMNS
from .models import build_model, build_optimizer, is_cnn
from .monitor import GradientMonitor
from .train import configure_backends, is_out_of_memory

COLUMNS = THROUGHPUT_COLUMNS  # the profile's columns (deba.contract, docs/results.md)
_TRAINING = TrainConfig()  # the training defaults a profile follows unless told otherwise


def measure(arch: str, scale: str, batch_sizes: list[int], device: torch.device, *, num_classes: int = 10,
            vit_input: str = _TRAINING.vit_input, deterministic: bool = _TRAINING.deterministic,
            warmup_steps: int = 1, timed_steps: int = 3, seed: int = 0) -> list[dict]:
    """Rows of `COLUMNS`, one per batch size; a batch size that runs out of memory ends the profile.

    `vit_input` and `deterministic` must be those of the training the profile describes (`TrainConfig`)."""
    torch.manual_seed(seed)
    configure_backends(device, deterministic)
    on_gpu = device.type == "cuda"
    channels_last = on_gpu and is_cnn(arch)
    model = build_model(arch, num_classes, scale, vit_input).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    monitor = GradientMonitor(model)
    optimizer = build_optimizer(model, lr=1e-3)
    rows = []
    for batch_size in sorted(batch_sizes):
        images = torch.randn(batch_size, 3, 32, 32, device=device)
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        labels = torch.randint(0, num_classes, (batch_size,), device=device)

        def step():
            monitor.zero_grad()
            with torch.autocast("cuda", dtype=torch.bfloat16) if on_gpu else torch.autocast("cpu", enabled=False):
                loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            monitor.observe_step(loss, torch.zeros((), device=device), batch_size)

        try:
            for _ in range(warmup_steps):
                step()
            synchronize(device)
            started = time.perf_counter()
            for _ in range(timed_steps):
                step()
            synchronize(device)
        except RuntimeError as error:
            if not is_out_of_memory(error):
                raise
            if on_gpu:
                torch.cuda.empty_cache()
            break
        step_time = (time.perf_counter() - started) / timed_steps
        rows.append({"arch": arch, "scale": scale, "device": str(device), "batch_size": batch_size,
                     "images_per_s": batch_size / step_time, "step_time_s": step_time})
    return rows


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work, so a wall-clock reading covers it (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
