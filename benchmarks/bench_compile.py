"""Eager against `torch.compile` while the batch size changes during training, as DEBA changes it.

DEBA grows the batch by 1.5x at a time, so a compiled model meets a new input shape at every change. The
modes compared, each on ResNet-18 over the same sequence of batch sizes:

- `eager`: no compilation;
- `compiled`: `torch.compile(model)` with its default automatic dynamic shapes: the first size compiles
  a static graph, the second distinct size recompiles once with a symbolic batch dimension, later sizes
  reuse it (what `deba-train --compile on` does);
- `compiled-static`: `torch.compile(model, dynamic=False)`: one specialized graph per batch size.

For each size: the first step (which includes any compilation) and the median of the following steps.
`total_s` is what the whole sequence cost, the number to choose by. Compilation is measured cold: the
on-disk graph caches are switched off, since otherwise one mode reuses another's graphs (in a real grid the
cache does cut the cost of every run after the first on a machine). Shared by `benchmarks.run` (CPU) and
`benchmarks/gpu_check.py` (GPU), in the cuDNN mode the paper grid trains in (`deba.train.configure_backends`).
"""

from __future__ import annotations

import statistics
import time

import torch
import torch.nn.functional as F

from deba.config import TrainConfig
from deba.models import build_model
from deba.throughput import synchronize
from deba.train import configure_backends

MODES = {"eager": None, "compiled": {}, "compiled-static": {"dynamic": False}}


def compile_modes(device: torch.device, batch_sizes: list[int], steps: int, scale: str,
                  modes: tuple[str, ...] = tuple(MODES), on_batch=None) -> dict:
    """{mode: entry} for each mode (`_run_mode`); `on_batch(mode, per_batch)` is called after every batch size
    with the sizes measured so far, so a caller can keep them if it is stopped in the next one."""
    import torch._functorch.config
    import torch._inductor.config

    with (torch._inductor.config.patch(fx_graph_cache=False),
          torch._functorch.config.patch(enable_autograd_cache=False)):
        return {mode: _run_mode(mode, device, batch_sizes, steps, scale, on_batch) for mode in modes}


def _run_mode(mode: str, device: torch.device, batch_sizes: list[int], steps: int, scale: str,
              on_batch=None) -> dict:
    channels_last = device.type == "cuda"
    configure_backends(device, TrainConfig().deterministic)
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    torch.manual_seed(0)
    model = build_model("resnet18", 10, scale).to(
        device, memory_format=torch.channels_last if channels_last else torch.preserve_format)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    step_model = model if MODES[mode] is None else torch.compile(model, **MODES[mode])
    per_batch = []
    for batch_size in batch_sizes:
        images = torch.randn(batch_size, 3, 32, 32, device=device)
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        labels = torch.randint(0, 10, (batch_size,), device=device)
        timings = []
        for _ in range(steps + 1):
            synchronize(device)
            started = time.perf_counter()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                loss = F.cross_entropy(step_model(images), labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            synchronize(device)
            timings.append(time.perf_counter() - started)
        per_batch.append({"batch_size": batch_size, "first_step_s": timings[0],
                          "steady_step_s": statistics.median(timings[1:])})
        if on_batch is not None:
            on_batch(mode, per_batch)
    entry = {"per_batch": per_batch,
             "total_s": sum(p["first_step_s"] + p["steady_step_s"] * steps for p in per_batch)}
    if MODES[mode] is not None:
        entry["graphs_compiled"] = int(torch._dynamo.utils.counters["stats"].get("unique_graphs", 0))
    return entry


def markdown(results: dict, steps: int) -> str:
    sizes = [p["batch_size"] for p in next(iter(results.values()))["per_batch"]]
    lines = [f"ResNet-18 over batch sizes {', '.join(map(str, sizes))} ({steps} steps each after the first): "
             "first step of each size (includes compilation) / median later step, seconds.", "",
             "| mode | graphs compiled | " + " | ".join(f"batch {s}" for s in sizes) + " | total s |",
             "|---" * (len(sizes) + 3) + "|"]
    for mode, entry in results.items():
        cells = [f"{p['first_step_s']:.2f} / {p['steady_step_s']:.3f}" for p in entry["per_batch"]]
        lines.append(f"| {mode} | {entry.get('graphs_compiled', '-')} | " + " | ".join(cells)
                     + f" | {entry['total_s']:.1f} |")
    return "\n".join(lines)
