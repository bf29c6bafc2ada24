"""The short GPU check (`benchmarks/gpu_check.sh`): paper-scale throughput, eager vs compiled, fixed vs DEBA.

On synthetic CIFAR-shaped data, so it needs no dataset:
1. training throughput against batch size for the six architectures at the `paper` scale;
2. ResNet-18 eager vs `torch.compile` while the batch size changes as DEBA would change it: compile time,
   recompilations, and steady-state step time per batch size;
3. a 10-epoch ResNet-18 run with `fixed` and with `deba` through the real trainer.

Writes `gpu_check.json` under $OUT when set, else under benchmarks/results/. `--quick` shrinks everything
so the script can be exercised on a CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from deba.config import ARCHITECTURES, TrainConfig
from deba.data import Dataset, EpochLoader, Split
from deba.models import build_model
from deba.throughput import measure
from deba.train import Trainer, resolve_device


def compiled_vs_eager(device: torch.device, batch_sizes: list[int], steps: int, scale: str) -> dict:
    """Step times of ResNet-18, eager and compiled, over a sequence of batch sizes (as DEBA grows them)."""
    results = {}
    for mode in ("eager", "compiled"):
        torch.manual_seed(0)
        model = build_model("resnet18", 10, scale).to(device, memory_format=torch.channels_last
                                                       if device.type == "cuda" else torch.preserve_format)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        step_model = torch.compile(model) if mode == "compiled" else model
        if mode == "compiled":
            torch._dynamo.reset()
        per_batch = []
        for batch_size in batch_sizes:
            images = torch.randn(batch_size, 3, 32, 32, device=device)
            labels = torch.randint(0, 10, (batch_size,), device=device)
            timings = []
            for _ in range(steps + 1):  # the first step of a new size includes any recompilation
                _sync(device)
                started = time.perf_counter()
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                    loss = F.cross_entropy(step_model(images), labels)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                _sync(device)
                timings.append(time.perf_counter() - started)
            per_batch.append({"batch_size": batch_size, "first_step_s": timings[0],
                              "steady_step_s": sorted(timings[1:])[len(timings[1:]) // 2]})
        entry = {"per_batch": per_batch, "total_s": sum(p["first_step_s"] + p["steady_step_s"] * steps for p in per_batch)}
        if mode == "compiled":
            counters = torch._dynamo.utils.counters
            entry["frames_compiled"] = int(counters["stats"].get("unique_graphs", 0))
        results[mode] = entry
    return results


def fixed_vs_deba(device: torch.device, epochs: int, train_size: int, scale: str) -> dict:
    results = {}
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (train_size, 3, 32, 32), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, 10, (train_size,), generator=generator)
    for scheduler in ("fixed", "deba"):
        out = Path(os.environ.get("TMPDIR", "/tmp")) / f"deba-gpu-check-{scheduler}"
        config = TrainConfig(dataset="synthetic", arch="resnet18", scale=scale, scheduler=scheduler, epochs=epochs,
                             cooldown=1, window=3, calibration_epochs=2, device=device.type, out=str(out),
                             deterministic=False)
        trainer = Trainer(config)
        split = Split(images.to(trainer.device), labels.to(trainer.device))
        dataset = trainer.dataset
        trainer.dataset = Dataset(dataset.name, split, dataset.test, dataset.num_classes, True, dataset.mean, dataset.std)
        trainer.loader = EpochLoader(trainer.dataset, 0, channels_last=trainer.channels_last)
        trainer.scheduler.bounds = type(trainer.scheduler.bounds)(16, 2048)

        shutil.rmtree(out, ignore_errors=True)
        summary = trainer.run()
        results[scheduler] = {"train_time_s": summary["train_time_s"],
                              "batch_size_trajectory": summary["batch_size_trajectory"]}
    results["speedup"] = 1 - results["deba"]["train_time_s"] / results["fixed"]["train_time_s"]
    return results


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, cpu scale: a smoke test on a CPU")
    args = parser.parse_args(argv)
    device = resolve_device("auto")
    scale = "cpu" if args.quick else "paper"
    sizes = [16, 64] if args.quick else [32, 64, 128, 256, 512, 1024, 2048]
    report = {"device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
              "torch": torch.__version__, "scale": scale, "throughput": []}
    for arch in ARCHITECTURES:
        report["throughput"] += measure(arch, scale, sizes, device, timed_steps=1 if args.quick else 5)
    report["compile"] = compiled_vs_eager(device, [16, 24] if args.quick else [128, 192, 288, 432, 648, 972],
                                          steps=1 if args.quick else 10, scale=scale)
    report["fixed_vs_deba"] = fixed_vs_deba(device, epochs=2 if args.quick else 10,
                                            train_size=256 if args.quick else 50_000, scale=scale)
    target = Path(os.environ["OUT"]) if os.environ.get("OUT") else Path(__file__).resolve().parent / "results"
    target.mkdir(parents=True, exist_ok=True)
    name = "gpu_check-quick.json" if args.quick else "gpu_check.json"
    (target / name).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "throughput"}, indent=2))


if __name__ == "__main__":
    main()
