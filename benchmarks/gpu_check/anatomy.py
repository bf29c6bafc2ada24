"""Section `anatomy`: where a step's time goes at batch 128 and 512 (paper scale), for ResNet-18 and for
MobileNet-V3 (a light CNN: depthwise convolutions, the kind the paper's largest speedups are claimed for).

Per architecture and batch size, the median over interleaved rounds (`SETTINGS`) of the seconds per step of:
- `trainer_step`: the trainer's step (deba.throughput.TrainingStep: bf16 autocast, channels_last,
  deterministic cuDNN, the monitor's gradient reduction);
- `monitor_off`: the same step without the monitor (what the monitor costs);
- `cudnn_benchmark`: monitor on, cuDNN autotuning on, tuned by the warm-up steps outside the timed region
  (what the deterministic mode the grid trains in costs);
- `cuda_graph`: the step without the monitor captured once as a CUDA graph and replayed (what launching
  a few hundred kernels from Python costs: a small batch's speedup from growing is partly this);
- `data_only`: the trainer's loader alone, an epoch's augmentation and normalization per batch;
and the kernels one trainer step launches (torch.profiler), where the profiler runs.
"""

from __future__ import annotations

import statistics
import time

import torch
import torch.nn.functional as F

from deba.config import TrainConfig
from deba.data import Dataset, EpochLoader, Split
from deba.throughput import TrainingStep, synchronize
from deba.train import configure_backends

SETTINGS = {"full": {"scale": "paper", "batch_sizes": [128, 512], "steps": 10, "rounds": 2,
                     "architectures": ["resnet18", "mobilenet_v3"]},
            "quick": {"scale": "cpu", "batch_sizes": [8, 16], "steps": 2, "rounds": 2, "architectures": ["resnet18"]}}
VARIANTS = ("trainer_step", "monitor_off", "cudnn_benchmark", "cuda_graph", "data_only")


def run(section, device: torch.device, quick: bool) -> None:
    settings = SETTINGS["quick" if quick else "full"]
    results = section.data.setdefault("seconds_per_step", {})
    section.data.update(settings=settings, variants=list(VARIANTS), errors={})
    section.data["kernels_per_trainer_step"] = {}
    for arch in settings["architectures"]:
        timers = {}
        for name in VARIANTS:
            try:
                timers[name] = build(name, device, settings["scale"], arch)
            except Exception as error:  # CUDA graphs on a CPU, say
                section.data["errors"][f"{arch}/{name}"] = f"{type(error).__name__}: {error}"[:600]
        for round_index in range(settings["rounds"]):
            for batch_size in settings["batch_sizes"]:
                for name, timer in timers.items():
                    key = f"{arch}/{name}@{batch_size}"
                    if key in section.data["errors"]:
                        continue
                    try:
                        seconds = timer(batch_size, settings["steps"])
                    except Exception as error:  # a variant failing (graph capture, say) leaves the others
                        section.data["errors"][key] = f"{type(error).__name__}: {error}"[:600]
                        continue
                    results.setdefault(key, []).append(seconds)
                    section.data["median_s"] = {k: statistics.median(v) for k, v in results.items()}
                    section.save()
        if "trainer_step" in timers:
            try:
                section.data["kernels_per_trainer_step"][arch] = {
                    batch_size: count_kernels(timers["trainer_step"].step, batch_size)
                    for batch_size in settings["batch_sizes"]}
            except Exception as error:
                section.data["errors"][f"{arch}/kernels"] = f"{type(error).__name__}: {error}"[:600]
        timers = None
        section.save()


def build(name: str, device: torch.device, scale: str, arch: str):
    if name == "data_only":
        return DataTimer(device)
    if name == "cuda_graph":
        return GraphTimer(device, scale, arch)
    return StepTimer(device, scale, arch, monitor=name != "monitor_off", autotune=name == "cudnn_benchmark")


class StepTimer:
    def __init__(self, device, scale, arch, *, monitor: bool, autotune: bool):
        self.device, self.autotune = device, autotune
        self.step = TrainingStep(arch, scale, device, monitor=monitor)
        self.batches: dict[int, tuple] = {}

    def __call__(self, batch_size: int, steps: int) -> float:
        # cuDNN's mode is process-wide: set this timer's before its own steps
        configure_backends(self.device, deterministic=not self.autotune)
        images, labels = self.batches.setdefault(batch_size, self.step.batch(batch_size))
        for _ in range(3):  # warm-up: with autotuning, cuDNN benchmarks its algorithms here
            self.step(images, labels)
        seconds = self.step.seconds_per_step(images, labels, steps)
        configure_backends(self.device, TrainConfig().deterministic)
        return seconds


class GraphTimer:
    """The step (no monitor) captured as one CUDA graph per batch size, as the PyTorch docs' whole-network
    capture does: warm-up on a side stream, capture with static inputs, replay."""

    def __init__(self, device, scale, arch):
        if device.type != "cuda":
            raise RuntimeError("CUDA graphs need a CUDA device")
        self.device = device
        self.step = TrainingStep(arch, scale, device, monitor=False)
        self.graphs: dict[int, torch.cuda.CUDAGraph] = {}
        self.inputs: dict[int, tuple] = {}  # a graph reads its inputs' memory: they must outlive it

    def capture(self, batch_size: int) -> torch.cuda.CUDAGraph:
        step = self.step
        images, labels = step.batch(batch_size)

        def body():
            with torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False):
                loss = F.cross_entropy(step.model(images), labels)
            loss.backward()
            step.optimizer.step()

        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                step.optimizer.zero_grad(set_to_none=True)
                body()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        step.optimizer.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            body()
        self.inputs[batch_size] = (images, labels)
        return graph

    def __call__(self, batch_size: int, steps: int) -> float:
        if batch_size not in self.graphs:
            self.graphs[batch_size] = self.capture(batch_size)
        graph = self.graphs[batch_size]
        graph.replay()
        synchronize(self.device)
        started = time.perf_counter()
        for _ in range(steps):
            graph.replay()
        synchronize(self.device)
        return (time.perf_counter() - started) / steps


class DataTimer:
    """The trainer's loader on synthetic CIFAR-shaped uint8 data held on the device."""

    def __init__(self, device):
        generator = torch.Generator().manual_seed(0)
        size = 4096
        images = torch.randint(0, 256, (size, 3, 32, 32), dtype=torch.uint8, generator=generator)
        labels = torch.randint(0, 10, (size,), generator=generator)
        split = Split(images, labels).to(device)
        dataset = Dataset("synthetic", split, split, 10, True, torch.full((3,), 0.5, device=device),
                          torch.full((3,), 0.25, device=device))
        self.device = device
        self.loader = EpochLoader(dataset, 0, channels_last=device.type == "cuda")

    def __call__(self, batch_size: int, steps: int) -> float:
        synchronize(self.device)
        started = time.perf_counter()
        count = 0
        for epoch in range(1, 100):
            for images, labels in self.loader.train_batches(epoch, batch_size):
                count += 1
                if count == steps:
                    break
            if count == steps:
                break
        synchronize(self.device)
        return (time.perf_counter() - started) / count


def count_kernels(step: TrainingStep, batch_size: int) -> int | None:
    """Device kernels one trainer step launches, from torch.profiler (None on a CPU)."""
    if step.device.type != "cuda":
        return None
    from torch.profiler import ProfilerActivity, profile

    images, labels = step.batch(batch_size)
    step(images, labels)
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        step(images, labels)
        torch.cuda.synchronize(step.device)
    return sum(1 for event in prof.events() if event.device_type == torch.autograd.DeviceType.CUDA)
