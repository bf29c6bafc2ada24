"""Precision and memory format on this CPU, every combination side by side: the source of `deba.fast_path`'s
CPU choices.

    python -m benchmarks.cpu_fast_path            # about 10 minutes on 2 cores, with nothing else running
    python -m benchmarks.cpu_fast_path --quick    # a smoke test; writes *-quick files and no table

For each architecture at the `cpu` scale and each batch size, the trainer's step (`deba.throughput.
TrainingStep`: forward, loss, backward, fused SGD, the monitor) at one thread, as training runs, in each
combination of precision (fp32, bf16 autocast) and memory format (contiguous, channels_last; CNNs only).
The combinations are timed in rounds, their order rotating from round to round, and each round's time is
set against fp32 contiguous in the same round: the median of those ratios, with a 95% bootstrap interval,
is a combination's time per image relative to fp32 contiguous. Beside it, the achieved FLOP/s (the step's
FLOPs from torch's FLOP counter over its measured time) as a fraction of this CPU's matrix-multiply rate in
that precision, measured in the same run at one thread: how far from the limit the step is.

The choice per architecture (`choose`): the combination with the lowest geometric-mean ratio over the batch
sizes, provided its interval lies below 1 at every batch size (faster beyond the run's own noise), else fp32
contiguous; and the same among the fp32 combinations alone, for CPUs without bfloat16 instructions
(`deba.fast_path.BF16_FLAGS`). Writes benchmarks/results/cpu_fast_path.{json,md} and, unless --quick,
src/deba/cpu_fast_path.json (the table; `--table-from FILE` rewrites it from an earlier run's JSON).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import scipy.stats
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from deba import fast_path
from deba.config import ARCHITECTURES
from deba.provenance import package_versions
from deba.throughput import TrainingStep

from .paper_cpu_profile import cpu_name

RESULTS = Path(__file__).resolve().parent / "results"
REFERENCE = ("fp32", "contiguous")
COMBINATIONS = [("fp32", "contiguous"), ("fp32", "channels_last"), ("bf16", "contiguous"), ("bf16", "channels_last")]
SETTINGS = {"full": {"batch_sizes": [64, 256], "rounds": 7, "min_round_s": 0.4, "matmul": 1024},
            "quick": {"batch_sizes": [8], "rounds": 2, "min_round_s": 0.0, "matmul": 128}}


def combinations(arch: str) -> list[tuple[str, str]]:
    return [c for c in COMBINATIONS if fast_path.is_cnn(arch) or c[1] == "contiguous"]


def matmul_flops_per_s(dtype: torch.dtype, size: int, seconds: float = 1.0) -> float:
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds or count < 2:
        a @ b
        count += 1
    return 2 * size**3 * count / (time.perf_counter() - started)


def step_flops(step: TrainingStep, batch_size: int) -> float:
    """FLOPs of one training step (forward and backward) as torch's FLOP counter counts them."""
    images, labels = step.batch(batch_size)
    with FlopCounterMode(display=False) as counter:
        with step.autocast():
            loss = F.cross_entropy(step.model(images), labels)
        loss.backward()
    step.optimizer.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def measure_cell(arch: str, batch_size: int, settings: dict) -> dict:
    """Every combination of one (architecture, batch size), in rotating order over the rounds."""
    combos = combinations(arch)
    steps = {combo: TrainingStep(arch, "cpu", torch.device("cpu"), precision=combo[0], memory_format=combo[1])
             for combo in combos}
    batches = {combo: step.batch(batch_size) for combo, step in steps.items()}
    for combo, step in steps.items():  # warm-up, and how many steps make a round long enough to time
        step(*batches[combo])
    probe = steps[REFERENCE].seconds_per_step(*batches[REFERENCE], 1)
    repeats = max(1, math.ceil(settings["min_round_s"] / probe))
    times: dict = {combo: [] for combo in combos}
    for round_index in range(settings["rounds"]):
        order = combos[round_index % len(combos):] + combos[:round_index % len(combos)]
        for combo in order:
            times[combo].append(steps[combo].seconds_per_step(*batches[combo], repeats))
    flops = step_flops(steps[REFERENCE], batch_size)
    rows = []
    for combo in combos:
        ratios = np.array(times[combo]) / np.array(times[REFERENCE])
        low, high = _interval(ratios)
        seconds = statistics.median(times[combo])
        rows.append({"arch": arch, "batch_size": batch_size, "precision": combo[0], "memory_format": combo[1],
                     "step_time_s": seconds, "images_per_s": batch_size / seconds, "rounds": len(ratios),
                     "steps_per_round": repeats, "ratio": float(np.median(ratios)), "ratio_low": low,
                     "ratio_high": high, "flops_per_step": flops, "achieved_flops_per_s": flops / seconds})
    return {"rows": rows}


def _interval(ratios: np.ndarray) -> tuple[float, float]:
    if len(ratios) < 3 or np.ptp(ratios) == 0:
        return float(np.min(ratios)), float(np.max(ratios))
    result = scipy.stats.bootstrap((ratios,), np.median, confidence_level=0.95, method="percentile",
                                   n_resamples=2000, random_state=0)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def choose(rows: list[dict], arch: str, precisions: tuple[str, ...]) -> dict:
    """The fastest combination in `precisions` whose interval lies below 1 at every batch size, else fp32
    contiguous; with the geometric-mean ratio it was chosen by."""
    best = {"precision": "fp32", "memory_format": "contiguous", "geomean_ratio": 1.0}
    for precision, memory_format in combinations(arch):
        if precision not in precisions or (precision, memory_format) == REFERENCE:
            continue
        cells = [r for r in rows if r["arch"] == arch and (r["precision"], r["memory_format"]) == (precision, memory_format)]
        if not cells or any(r["ratio_high"] >= 1.0 for r in cells):
            continue
        geomean = float(np.exp(np.mean(np.log([r["ratio"] for r in cells]))))
        if geomean < best["geomean_ratio"]:
            best = {"precision": precision, "memory_format": memory_format, "geomean_ratio": geomean}
    return best


def choices_of(rows: list[dict], architectures) -> dict:
    return {arch: {"bf16_hardware": choose(rows, arch, ("fp32", "bf16")), "fp32_only": choose(rows, arch, ("fp32",))}
            for arch in architectures}


def write_table(results: dict) -> None:
    """src/deba/cpu_fast_path.json from a full run's results. Measured on a CPU without bfloat16 instructions,
    bf16 was emulated: its fp32 choice then stands for both."""
    choices = results["choices"]
    if not results["environment"]["bf16_flags"]:
        choices = {arch: {"bf16_hardware": c["fp32_only"], "fp32_only": c["fp32_only"]} for arch, c in choices.items()}
    env = results["environment"]
    table = {"source": "benchmarks/results/cpu_fast_path.md (python -m benchmarks.cpu_fast_path)",
             "measured_at": env["measured_at"], "cpu": env["cpu"], "bf16_flags": env["bf16_flags"],
             "architectures": {arch: {key: {"precision": c["precision"], "memory_format": c["memory_format"]}
                                      for key, c in choice.items()} for arch, choice in choices.items()}}
    fast_path.TABLE_FILE.write_text(json.dumps(table, indent=1) + "\n")


def markdown(results: dict) -> str:
    env = results["environment"]
    lines = [f"Measured {env['measured_at']} on {env['cpu']} ({env['cpu_count']} cores, one torch thread, "
             f"bfloat16 instructions: {', '.join(env['bf16_flags']) or 'none'}), torch {env['packages'].get('torch')}. "
             f"Matrix-multiply rate at one thread: fp32 {env['peak_flops_per_s']['fp32'] / 1e9:.0f} GFLOP/s, "
             f"bf16 {env['peak_flops_per_s']['bf16'] / 1e9:.0f} GFLOP/s.", "",
             "Time per image relative to fp32 contiguous (median of per-round ratios, 95% bootstrap interval; "
             "below 1 is faster), and the achieved FLOP/s as a share of the matrix-multiply rate in that precision:",
             "", "| architecture | batch | precision | memory format | relative time [95% CI] | images/s | "
             "share of matmul rate |", "|---|---|---|---|---|---|---|"]
    for row in results["rows"]:
        peak = env["peak_flops_per_s"][row["precision"]]
        lines.append(f"| {row['arch']} | {row['batch_size']} | {row['precision']} | {row['memory_format']} | "
                     f"{row['ratio']:.2f} [{row['ratio_low']:.2f}, {row['ratio_high']:.2f}] | "
                     f"{row['images_per_s']:.0f} | {row['achieved_flops_per_s'] / peak:.1%} |")
    lines += ["", "Chosen (`src/deba/cpu_fast_path.json`; relative time: geometric mean over the batch sizes), on a "
              "CPU with bfloat16 instructions / without them (fp32 only):", "",
              "| architecture | with bf16 instructions | relative time | without | relative time |", "|---|---|---|---|---|"]
    for arch, choice in results["choices"].items():
        bf16, fp32 = choice["bf16_hardware"], choice["fp32_only"]
        lines.append(f"| {arch} | {bf16['precision']}, {bf16['memory_format']} | {bf16['geomean_ratio']:.2f} | "
                     f"{fp32['precision']}, {fp32['memory_format']} | {fp32['geomean_ratio']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None, results_dir: Path = RESULTS) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--architectures", nargs="+", default=list(ARCHITECTURES), choices=ARCHITECTURES)
    parser.add_argument("--table-from", type=Path, help="measure nothing: choose from this earlier run's JSON")
    args = parser.parse_args(argv)
    if args.table_from:
        results = json.loads(args.table_from.read_text())
        results["choices"] = choices_of(results["rows"], dict.fromkeys(row["arch"] for row in results["rows"]))
        args.table_from.write_text(json.dumps(results, indent=1) + "\n")
        (results_dir / "cpu_fast_path.md").write_text(markdown(results))
        write_table(results)
        return results
    settings = SETTINGS["quick" if args.quick else "full"]
    torch.set_num_threads(1)  # as a training run of the workflow (one run per core)
    started = time.perf_counter()
    environment = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpu": cpu_name(),
                   "cpu_count": __import__("os").cpu_count(),
                   "bf16_flags": [flag for flag in fast_path.BF16_FLAGS if flag in fast_path.cpu_flags()],
                   "packages": package_versions(),
                   "peak_flops_per_s": {"fp32": matmul_flops_per_s(torch.float32, settings["matmul"]),
                                        "bf16": matmul_flops_per_s(torch.bfloat16, settings["matmul"])}}
    rows = []
    for arch in args.architectures:
        for batch_size in settings["batch_sizes"]:
            rows += measure_cell(arch, batch_size, settings)["rows"]
            print(f"{arch} {batch_size}: " + ", ".join(f"{r['precision']}/{r['memory_format']} {r['ratio']:.2f}"
                                                      for r in rows[-len(combinations(arch)):]), flush=True)
    environment["wall_s"] = round(time.perf_counter() - started, 1)
    results = {"environment": environment, "settings": settings, "rows": rows,
               "choices": choices_of(rows, args.architectures)}
    suffix = "-quick" if args.quick else ""
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"cpu_fast_path{suffix}.json").write_text(json.dumps(results, indent=1) + "\n")
    (results_dir / f"cpu_fast_path{suffix}.md").write_text(markdown(results))
    if not args.quick:
        write_table(results)
    print(markdown(results))
    return results


if __name__ == "__main__":
    main()
