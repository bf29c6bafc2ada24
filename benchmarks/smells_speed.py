"""Smells detector speed beside RIdiom and ruff's PERF rules on the same files (issue 6, item 6).

Claim checked: ``smells scan`` reads at least 20,000 lines per second per core on a ~100k-line tree, about
ten times RIdiom. All three tools are timed in one run on one machine; the result is the ratio.

    .venv/bin/python benchmarks/smells_speed.py            # writes benchmarks/results/smells_speed.{json,md}
    .venv/bin/python benchmarks/smells_speed.py --lines 20000 --ridiom-lines 3000   # quicker

The tree: whole files, in sorted order, from pure-Python packages installed here (not tests), copied into
a temporary folder until ``--lines`` physical lines. smells and RIdiom run in this process on one core;
ruff runs with RAYON_NUM_THREADS=1. RIdiom is timed on a prefix of the same files (``--ridiom-lines``)
because it is slow; every speed is lines per second, so the ratios compare like with like.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from smells import ridiom
from smells.corpus import is_test_or_doc
from smells.ruffcheck import ruff_command, ruff_version
from smells.scan import scan_paths

# Pure-Python packages that every environment of this project has (dependencies of snakemake/pandas/pytest).
SOURCE_PACKAGES = ("snakemake", "pandas", "_pytest", "jinja2", "docutils", "pygments", "networkx", "sympy")
RESULTS = Path(__file__).parent / "results"


def build_tree(target: Path, lines_wanted: int) -> list[Path]:
    site = Path(sysconfig.get_paths()["purelib"])
    copied, total = [], 0
    for package in SOURCE_PACKAGES:
        for source in sorted((site / package).rglob("*.py")):
            relative = source.relative_to(site)
            if is_test_or_doc(str(relative)):
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            copied.append(destination)
            total += source.read_bytes().count(b"\n")
            if total >= lines_wanted:
                return copied
    return copied


def count_lines(files: list[Path]) -> int:
    return sum(f.read_bytes().count(b"\n") for f in files)


def time_smells(tree: Path, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        scan_paths([tree])
        best = min(best, time.perf_counter() - start)
    return best


def time_ruff(command: list[str], tree: Path, repeats: int) -> float:
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command + ["check", "--isolated", "--no-cache", "--exit-zero", "--select", "PERF",
                                  "--output-format", "json", str(tree)], capture_output=True, check=True, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def time_ridiom(files: list[Path], lines_wanted: int, timeout_s: float) -> tuple[float, int, int]:
    """Seconds, lines and timeouts of RIdiom over a prefix of ``files`` with at least ``lines_wanted`` lines."""
    subset, lines = [], 0
    for path in files:
        subset.append(path)
        lines += path.read_bytes().count(b"\n")
        if lines >= lines_wanted:
            break
    with ridiom.RidiomWorker() as worker:
        worker.findings("x = 1\n", timeout_s)  # start the worker and import RIdiom outside the timing
        timeouts = 0
        start = time.perf_counter()
        for path in subset:
            if worker.findings(path.read_text(encoding="utf-8", errors="replace"), timeout_s) is None:
                timeouts += 1
        return time.perf_counter() - start, lines, timeouts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="size of the tree (physical lines)")
    parser.add_argument("--ridiom-lines", type=int, default=10_000, help="lines RIdiom is timed on")
    parser.add_argument("--repeats", type=int, default=3, help="timings of smells and ruff (best is kept)")
    parser.add_argument("--timeout", type=float, default=60.0, help="RIdiom per-file timeout (s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for smells_speed.json/.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="smells-bench-") as tmp:
        tree = Path(tmp)
        files = build_tree(tree, args.lines)
        lines = count_lines(files)
        result = {
            "claim": ">= 20000 lines/s/core for smells scan; about 10x RIdiom",
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                        "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count()},
            "tree": {"files": len(files), "lines": lines, "packages": list(SOURCE_PACKAGES)},
        }
        seconds = time_smells(tree, args.repeats)
        result["smells"] = {"seconds": seconds, "lines_per_s": lines / seconds, "cores": 1}
        command = ruff_command()
        if command:
            seconds = time_ruff(command, tree, args.repeats)
            result["ruff_perf"] = {"version": ruff_version(command), "seconds": seconds,
                                   "lines_per_s": lines / seconds, "cores": 1}
        if ridiom.available():
            seconds, ridiom_lines, timeouts = time_ridiom(files, args.ridiom_lines, args.timeout)
            result["ridiom"] = {"seconds": seconds, "lines": ridiom_lines, "lines_per_s": ridiom_lines / seconds,
                                "timeouts": timeouts, "cores": 1}
    speed = result["smells"]["lines_per_s"]
    result["goal_met"] = speed >= 20_000
    for tool in ("ruff_perf", "ridiom"):
        if tool in result:
            result[f"smells_over_{tool}"] = speed / result[tool]["lines_per_s"]

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "smells_speed.json").write_text(json.dumps(result, indent=1) + "\n")
    rows = [("smells scan", result["smells"])] + [(name, result[key]) for name, key in
                                                 (("ruff --select PERF", "ruff_perf"), ("RIdiom 0.0.11", "ridiom"))
                                                 if key in result]
    table = ["| tool | lines | seconds | lines/s/core | smells speed / tool speed |", "|---|---|---|---|---|"]
    for name, entry in rows:
        tool_lines = entry.get("lines", lines)
        table.append(f"| {name} | {tool_lines} | {entry['seconds']:.2f} | {entry['lines_per_s']:,.0f} | "
                     f"{speed / entry['lines_per_s']:.2f} |")
    text = (f"# Smells detector speed\n\n{lines} lines in {len(files)} files; Python {sys.version.split()[0]} "
            f"on {result['machine']['processor']} ({result['machine']['cpus']} CPUs), one core per tool.\n\n"
            + "\n".join(table) + f"\n\nGoal (>= 20,000 lines/s/core): {'met' if result['goal_met'] else 'NOT met'}.\n")
    (args.out / "smells_speed.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
