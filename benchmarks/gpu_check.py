"""The short GPU check (`benchmarks/gpu_check.sh`): paper-scale throughput, eager vs compiled, fixed vs DEBA.

On synthetic CIFAR-shaped data, so it needs no dataset:
1. training throughput against batch size for the six architectures at the `paper` scale;
2. ResNet-18 eager vs `torch.compile` (automatic dynamic and static shapes) while the batch size changes
   as DEBA would change it: compile time, graphs compiled, steady-state step time (`benchmarks.bench_compile`);
3. a 10-epoch ResNet-18 run with `fixed` and with `deba` through the real trainer.

Writes `gpu_check.json` under $OUT when set, else under benchmarks/results/. `--quick` shrinks everything
so the script can be exercised on a CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import torch

from deba.config import ARCHITECTURES, TrainConfig
from deba.data import Dataset, EpochLoader, Split
from deba.throughput import measure
from deba.train import Trainer, resolve_device

from .bench_compile import compile_modes


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
    # static shapes would compile once per size (six times here); benchmarks.run measures that mode on CPU
    report["compile"] = compile_modes(device, [16, 24] if args.quick else [128, 192, 288, 432, 648, 972],
                                      steps=1 if args.quick else 10, scale=scale, modes=("eager", "compiled"))
    report["fixed_vs_deba"] = fixed_vs_deba(device, epochs=2 if args.quick else 10,
                                            train_size=256 if args.quick else 50_000, scale=scale)
    target = Path(os.environ["OUT"]) if os.environ.get("OUT") else Path(__file__).resolve().parent / "results"
    target.mkdir(parents=True, exist_ok=True)
    name = "gpu_check-quick.json" if args.quick else "gpu_check.json"
    (target / name).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "throughput"}, indent=2))


if __name__ == "__main__":
    main()
