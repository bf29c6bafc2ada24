"""The short GPU check (`benchmarks/gpu_check.sh`): paper-scale throughput, eager vs compiled, fixed vs DEBA.

On synthetic CIFAR-shaped data, so it needs no dataset, in three sections:
1. `throughput`: training throughput against batch size for the six architectures at the `paper` scale;
2. `compile`: ResNet-18 eager vs `torch.compile` (automatic dynamic shapes) while the batch size changes
   as DEBA would change it: compile time, graphs compiled, steady-state step time (`benchmarks.bench_compile`);
3. `fixed_vs_deba`: 10-epoch ResNet-18 runs with `fixed` and with `deba` through the real trainer, after one
   untimed warm-up of each, in the order fixed, deba, deba, fixed: each scheduler goes first once, and the
   two runs of one scheduler are an A/A comparison of identical work timed the same way, which shows how
   far apart two timings of the same thing land.

Every section runs in the cuDNN mode the paper grid trains in (`deba.train.configure_backends`), has a time
budget (`BUDGET_S`, together with start-up within the 8 minutes `gpu_check.sh` allows), and cannot take the
others down: a section that fails or runs out of time is recorded with its error and what it had measured,
and the report is rewritten after every section, so a kill loses at most the section in progress.

Writes `gpu_check.json` under $OUT when set, else under benchmarks/results/. It refuses to run without
CUDA: on a CPU the paper-scale sections would spend the whole lease. `--quick` shrinks everything so the
script can be exercised on a CPU (`gpu_check-quick.json`). It imports only what the device image has.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

# What the check needs, all on the device image; snakemake and the test tools are not among them.
REQUIRED_MODULES = {"torch": "PyTorch", "torchvision": "torchvision", "numpy": "NumPy", "PIL": "Pillow",
                    "deba": "this repository's src/ (PYTHONPATH=src)",
                    "paperkit": "this repository's src/ (PYTHONPATH=src)"}
# Seconds per section: 420 in all, so start-up and the report fit in gpu_check.sh's 480.
BUDGET_S = {"throughput": 100, "compile": 150, "fixed_vs_deba": 170}
SECTIONS = tuple(BUDGET_S)
ORDER = ("fixed", "deba", "deba", "fixed")  # timed runs of fixed_vs_deba, after one warm-up of each
# Fault injection for the rehearsal (tests, .ci/run): the named section raises instead of running.
FAIL_SECTION_VARIABLE = "DEBA_TEST_GPU_CHECK_FAIL"


class SectionTimeout(Exception):
    """A section used up its time budget."""


class Terminated(BaseException):
    """SIGTERM (gpu_check.sh's timeout): stop after recording the section in progress."""


def missing_modules() -> list[str]:
    return [f"{module} ({what})" for module, what in REQUIRED_MODULES.items()
            if importlib.util.find_spec(module) is None]


def write_report(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(report, indent=2) + "\n")
    temporary.replace(path)  # a reader never sees half a report


def _time_is_up(signum, frame):
    raise SectionTimeout()


def _terminate(signum, frame):
    raise Terminated()


def run_sections(report: dict, path: Path, sections: dict, budgets: dict, fail: str | None = None,
                 stop_on: tuple[type[BaseException], ...] = ()) -> None:
    """Run `sections` (name -> function filling `report[name]`) in order, each within `budgets[name]` s.

    `report["sections"][name]` records status (`ok`, `failed`, `timed out`, `terminated`), seconds and any
    error; the report is written before the first section and after every one. A budget of None: no limit.
    An error of a `stop_on` type (the trainer's `Preempted`: it took the SIGTERM) ends the check as SIGTERM
    does."""
    statuses = report.setdefault("sections", {})
    for name in sections:
        statuses[name] = {"status": "not run", "budget_s": budgets[name]}
    write_report(report, path)
    for name, work in sections.items():
        entry = statuses[name]
        entry["status"] = "running"
        started = time.monotonic()
        previous = signal.signal(signal.SIGALRM, _time_is_up)
        if budgets[name] is not None:
            signal.setitimer(signal.ITIMER_REAL, budgets[name])
        try:
            if name == fail:
                raise RuntimeError(f"forced failure ({FAIL_SECTION_VARIABLE}={fail})")
            work(report)
            entry["status"] = "ok"
        except SectionTimeout:
            entry["status"] = "timed out"
            entry["error"] = f"stopped after its budget of {budgets[name]} s; what it measured is kept"
        except Terminated:
            entry["status"] = "terminated"
            raise
        except stop_on as error:
            entry["status"] = "terminated"
            raise Terminated() from error
        except Exception as error:
            if _caused_by(error, SectionTimeout):  # torch.compile wraps what interrupts it in its own error
                entry["status"] = "timed out"
                entry["error"] = f"stopped after its budget of {budgets[name]} s; what it measured is kept"
                continue
            entry["status"] = "failed"
            entry["error"] = "".join(traceback.format_exception_only(error)).strip()
            entry["traceback"] = traceback.format_exc()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            entry["seconds"] = round(time.monotonic() - started, 1)
            write_report(report, path)
            print(f"gpu_check: {name}: {entry['status']} ({entry['seconds']} s)", file=sys.stderr, flush=True)


def _caused_by(error: BaseException, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def throughput_section(device, scale: str, sizes: list[int], timed_steps: int):
    from deba.config import ARCHITECTURES
    from deba.throughput import measure

    def work(report: dict) -> None:
        rows = report["throughput"] = []
        for arch in ARCHITECTURES:  # rows of finished architectures survive a timeout
            rows += measure(arch, scale, sizes, device, timed_steps=timed_steps)
    return work


def compile_section(device, scale: str, sizes: list[int], steps: int):
    from .bench_compile import compile_modes

    def work(report: dict) -> None:
        # static shapes would compile once per size (six times here); benchmarks.run measures that mode on CPU
        results = report["compile"] = {}
        for mode in ("eager", "compiled"):
            results[mode] = compile_modes(device, sizes, steps, scale, modes=(mode,))[mode]
    return work


def fixed_vs_deba_section(device, epochs: int, train_size: int, scale: str):
    def work(report: dict) -> None:
        result = report["fixed_vs_deba"] = {"epochs": epochs, "train_size": train_size, "runs": []}
        for scheduler in ("fixed", "deba"):
            _train_once(device, scheduler, 1, train_size, scale, "warmup")  # untimed: CUDA modules, allocator
        for position, scheduler in enumerate(ORDER):
            result["runs"].append({"scheduler": scheduler, "position": position,
                                   **_train_once(device, scheduler, epochs, train_size, scale, position)})
            result.update(summarize_fixed_vs_deba(result["runs"]))
    return work


def _train_once(device, scheduler: str, epochs: int, train_size: int, scale: str, tag) -> dict:
    import shutil

    import torch

    from deba.config import TrainConfig
    from deba.data import Dataset, EpochLoader, Split
    from deba.train import Trainer

    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (train_size, 3, 32, 32), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, 10, (train_size,), generator=generator)
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"deba-gpu-check-{scheduler}-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    # the paper grid's cuDNN mode: TrainConfig's default `deterministic`, as the other sections
    config = TrainConfig(dataset="synthetic", arch="resnet18", scale=scale, scheduler=scheduler, epochs=epochs,
                         cooldown=1, window=3, calibration_epochs=2, device=device.type, out=str(out))
    trainer = Trainer(config)
    split = Split(images.to(trainer.device), labels.to(trainer.device))
    dataset = trainer.dataset
    trainer.dataset = Dataset(dataset.name, split, dataset.test, dataset.num_classes, True, dataset.mean, dataset.std)
    trainer.loader = EpochLoader(trainer.dataset, 0, channels_last=trainer.channels_last)
    trainer.scheduler.bounds = type(trainer.scheduler.bounds)(16, 2048)
    summary = trainer.run()
    shutil.rmtree(out, ignore_errors=True)
    return {"train_time_s": summary["train_time_s"], "batch_size_trajectory": summary["batch_size_trajectory"]}


def summarize_fixed_vs_deba(runs: list[dict]) -> dict:
    """DEBA's speedup over the mean of each scheduler's runs so far, and the A/A differences: second run of
    a scheduler against its first (identical work), which the speedup must clearly exceed to mean anything."""
    times = {scheduler: [run["train_time_s"] for run in runs if run["scheduler"] == scheduler]
             for scheduler in ("fixed", "deba")}
    summary = {}
    if times["fixed"] and times["deba"]:
        mean = {scheduler: sum(values) / len(values) for scheduler, values in times.items()}
        summary["speedup"] = 1 - mean["deba"] / mean["fixed"]
    for scheduler, values in times.items():
        if len(values) == 2:
            summary[f"aa_{scheduler}"] = values[1] / values[0] - 1
    return summary


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes at the cpu scale, on a CPU when there is no GPU: a smoke test")
    args = parser.parse_args(argv)
    missing = missing_modules()
    if missing:
        sys.exit(f"gpu_check: cannot import {', '.join(missing)}. It runs with the interpreter at hand and "
                 "installs nothing (the device machine has no network); run it as `bash benchmarks/gpu_check.sh`, "
                 "or set PYTHON to an interpreter that has these.")
    fail = os.environ.get(FAIL_SECTION_VARIABLE) or None
    if fail is not None and fail not in SECTIONS:
        sys.exit(f"gpu_check: {FAIL_SECTION_VARIABLE}={fail!r} names no section; sections: {', '.join(SECTIONS)}")

    import torch

    from deba.train import Preempted, resolve_device

    device = resolve_device("auto")
    if device.type != "cuda" and not args.quick:
        sys.exit("gpu_check: torch.cuda.is_available() is False; the paper-scale check needs a GPU "
                 "(use --quick for the small version on a CPU)")
    scale = "cpu" if args.quick else "paper"
    target = Path(os.environ["OUT"]) if os.environ.get("OUT") else Path(__file__).resolve().parent / "results"
    path = target / ("gpu_check-quick.json" if args.quick else "gpu_check.json")
    report = {"device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
              "torch": torch.__version__, "python": sys.version.split()[0], "scale": scale,
              "quick": args.quick, "fixed_vs_deba_order": list(ORDER)}
    sections = {
        "throughput": throughput_section(device, scale, [16, 64] if args.quick else [32, 64, 128, 256, 512, 1024, 2048],
                                         timed_steps=1 if args.quick else 5),
        "compile": compile_section(device, scale, [16, 24] if args.quick else [128, 192, 288, 432, 648, 972],
                                   steps=1 if args.quick else 10),
        "fixed_vs_deba": fixed_vs_deba_section(device, epochs=2 if args.quick else 10,
                                               train_size=256 if args.quick else 25_000, scale=scale),
    }
    signal.signal(signal.SIGTERM, _terminate)
    try:
        # --quick has no budgets: a CPU's speed says nothing about the device's, and gpu_check.sh's limit holds
        budgets = dict.fromkeys(SECTIONS) if args.quick else BUDGET_S
        run_sections(report, path, sections, budgets, fail, stop_on=(Preempted,))
    except Terminated:
        sys.exit(f"gpu_check: terminated; {path} holds the sections finished before")
    print(json.dumps({k: v for k, v in report.items() if k != "throughput"}, indent=2, default=str))
    failed = [name for name, entry in report["sections"].items() if entry["status"] != "ok"]
    if failed:
        sys.exit(f"gpu_check: section(s) not completed: {', '.join(failed)}; {path} holds the others")


if __name__ == "__main__":
    main()
