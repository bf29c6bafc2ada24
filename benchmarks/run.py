"""Run every benchmark and write `benchmarks/results/benchmarks.json` and `benchmarks/results/benchmarks.md`.

    python -m benchmarks.run            # everything (about 15 minutes on 2 CPU cores; `--skip NAME ...` omits some)
    python -m benchmarks.run --quick    # smaller sizes, for a smoke test

Every benchmark runs on the one device `--device` names (default `cpu`, where the recorded results and
their goals come from; `cuda` or `auto` on a GPU machine), chosen here and passed to each. The JSON carries
that device, thread count and package versions; the markdown table is what benchmarks/README.md reads. Goals are
checked against ratios measured side by side in this one run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
from datetime import datetime, timezone
from pathlib import Path

from deba.config import DEVICES

RESULTS = Path(__file__).resolve().parent / "results"


def environment(device) -> dict:
    import torch

    from deba.provenance import package_versions

    return {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": platform.machine(), "processor": platform.processor(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "packages": package_versions(),
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}


def _interval(bounds: list[float], template: str) -> str:
    """' [low, high]' for a 95% bootstrap interval, to follow the ratio; empty when too few rounds gave none."""
    low, high = bounds
    return "" if math.isnan(low) else f" [{template.format(low)}, {template.format(high)}]"


def _block_range(values: list[float]) -> str:
    """'; blocks -0.5% to +3.1%': how far the blocks' own median ratios spread."""
    return f"; blocks {min(values):+.1%} to {max(values):+.1%}" if len(values) > 1 else ""


def markdown(results: dict) -> str:
    env = results["environment"]
    lines = [f"Measured {env['measured_at']} on {env['processor'] or env['machine']} "
             f"({env['cpu_count']} cores, {env['torch_threads']} torch threads, device {env['device']}), "
             f"torch {env['packages'].get('torch')}.", "",
             "Ratios are medians of per-round ratios over alternating rounds, with 95% bootstrap intervals; "
             "the trainer and deba comparisons run in blocks of freshly built contenders, and their interval "
             "resamples whole blocks. Goals are judged on the median.", "",
             "| benchmark | ours | reference | ratio [95% CI] | goal | met |", "|---|---|---|---|---|---|"]
    for item in results["comparisons"]:
        lines.append(f"| {item['name']} | {item['ours']} | {item['reference']} | {item['ratio']} | "
                     f"{item['goal']} | {'yes' if item['met'] else 'no'} |")
    throughput = results.get("throughput")
    if throughput:
        lines += ["", "Training throughput (images/s) against batch size, `cpu` scale:", ""]
        sizes = sorted({row["batch_size"] for row in throughput["rows"]})
        lines += ["| arch | " + " | ".join(map(str, sizes)) + " |", "|---" * (len(sizes) + 1) + "|"]
        for arch in dict.fromkeys(row["arch"] for row in throughput["rows"]):
            by_size = {row["batch_size"]: row["images_per_s"] for row in throughput["rows"] if row["arch"] == arch}
            lines.append(f"| {arch} | " + " | ".join(f"{by_size[s]:.0f}" if s in by_size else "-" for s in sizes) + " |")
    for extra in results.get("extra_tables", []):
        lines += ["", extra]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", choices=DEVICES, default="cpu", help="where every benchmark runs")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["data", "trainer", "monitor", "throughput", "fast_path", "compile", "smells", "workflow"])
    args = parser.parse_args(argv)
    from deba.train import resolve_device

    from . import bench_training as training

    device = resolve_device(args.device)
    results = {"environment": environment(device), "comparisons": []}
    rounds = 1 if args.quick else 7  # data; the training comparisons use short epochs, in blocks of rounds
    blocks, training_rounds = (2, 2) if args.quick else (5, 8)
    comparisons = results["comparisons"]
    if "data" not in args.skip:
        data = training.bench_data(device, n=2000 if args.quick else 10_000, rounds=rounds)
        comparisons.append({
            "name": "data loader (images/s)", "ours": f"{data['ours_images_per_s']:.0f}",
            "reference": f"{data['torchvision_images_per_s']:.0f} (torchvision DataLoader, 2 workers)",
            "ratio": f"{data['speedup']:.1f}x{_interval(data['speedup_ci'], '{:.1f}x')}",
            "goal": ">= 10x", "met": data["speedup"] >= 10, "raw": data})
    if "trainer" not in args.skip:
        trainer = training.bench_trainer_overhead(device, blocks=blocks, rounds=training_rounds)
        comparisons.append({
            "name": "trainer epoch, fixed (s)", "ours": f"{trainer['trainer_s']:.2f}",
            "reference": f"{trainer['bare_loop_s']:.2f} (bare PyTorch loop)",
            "ratio": f"{trainer['slowdown']:+.1%}{_interval(trainer['slowdown_ci'], '{:+.1%}')}"
                     + _block_range(trainer["block_slowdowns"]),
            "goal": "<= +3%", "met": trainer["slowdown"] <= 0.03, "raw": trainer})
    if "monitor" not in args.skip:
        monitor = training.bench_monitor_overhead(device, blocks=blocks, rounds=training_rounds)
        comparisons.append({
            "name": "deba vs fixed, per step (ms)", "ours": f"{monitor['deba_step_s'] * 1e3:.1f}",
            "reference": f"{monitor['fixed_step_s'] * 1e3:.1f} (fixed)",
            "ratio": f"{monitor['slowdown']:+.1%}{_interval(monitor['slowdown_ci'], '{:+.1%}')}"
                     + _block_range(monitor["block_slowdowns"]),
            "goal": "<= +2%", "met": monitor["slowdown"] <= 0.02, "raw": monitor})
        comparisons.append({
            "name": "monitor reduction alone, per step (ms)", "ours": f"{monitor['monitor_step_s'] * 1e3:.3f}",
            "reference": f"{monitor['fixed_step_s'] * 1e3:.1f} (whole step)",
            "ratio": f"{monitor['monitor_fraction_of_step']:.2%}", "goal": "< 1% (the paper's claim)",
            "met": monitor["monitor_fraction_of_step"] < 0.01, "raw": None})
    if "throughput" not in args.skip:
        sizes = (16, 64, 256) if args.quick else (16, 32, 64, 128, 256, 512, 1024, 2048)
        results["throughput"] = training.bench_throughput(device, batch_sizes=sizes, timed_steps=1 if args.quick else 2)
    if "fast_path" not in args.skip and device.type == "cpu":
        # precision and memory format per architecture on this CPU: its own files, and the table it chooses from
        from . import cpu_fast_path

        cpu_fast_path.main(["--quick"] if args.quick else [], results_dir=RESULTS)
        suffix = "-quick" if args.quick else ""
        results.setdefault("extra_tables", []).append(
            "Precision and memory format on this CPU (`benchmarks/cpu_fast_path.py`): "
            + (RESULTS / f"cpu_fast_path{suffix}.md").read_text())
    if "compile" not in args.skip:
        from . import bench_compile

        sizes, steps = ([16, 24], 1) if args.quick else ([128, 192, 288], 5)
        results["compile"] = bench_compile.compile_modes(device, sizes, steps, "cpu")
        results.setdefault("extra_tables", []).append(
            "torch.compile while the batch size changes (`benchmarks/bench_compile.py`), `cpu` scale on "
            f"{'this CPU' if device.type == 'cpu' else results['environment']['device']}. "
            + bench_compile.markdown(results["compile"], steps))
    if "smells" not in args.skip:
        # the smells detector beside RIdiom and ruff: its own script, which writes smells_speed.{json,md}
        import subprocess
        import sys

        lines = "20000" if args.quick else "100000"
        subprocess.run([sys.executable, str(Path(__file__).with_name("smells_speed.py")), "--lines", lines],
                       check=True, stdout=subprocess.DEVNULL)
        speed = (RESULTS / "smells_speed.md").read_text().split("\n\n", 1)[1]
        results.setdefault("extra_tables", []).append("Smells detector speed (`benchmarks/smells_speed.py`): " + speed)
    if "workflow" not in args.skip:
        # Snakemake's overhead with every output present; its subprocesses mostly wait (see workflow_timing)
        from . import workflow_timing

        results["workflow"] = workflow_timing.run(quick=args.quick)
        results.setdefault("extra_tables", []).append(workflow_timing.markdown(results["workflow"]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    (RESULTS / f"benchmarks{suffix}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS / f"benchmarks{suffix}.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
