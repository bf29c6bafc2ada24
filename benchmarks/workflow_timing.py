"""How long Snakemake takes to decide that nothing needs doing, and how that grows with the number of jobs.

    python -m benchmarks.workflow_timing            # 5 grids, 2 timings each (about 7 minutes wall, mostly waiting)
    python -m benchmarks.workflow_timing --quick    # 2 small grids, 1 timing each

For each grid (the default config, and `config/paper.yaml` with 1, 3 and 5 seeds or one architecture),
in a scratch copy of the workflow with a snapshot of src/ (so edits in the checkout cannot trigger reruns
mid-measurement): count the jobs with a dry run, create every output file that `snakemake --summary` lists,
let `snakemake --touch` date them in DAG order and record their metadata, check that a dry run now says
"Nothing to be done", then time `snakemake -n` and a no-op `snakemake --cores all`, each checked to plan
nothing. Wall and CPU seconds (the child processes' user + system time) are both reported: wall includes
waiting that costs no CPU, such as the SLURM executor plugin asking `scontrol show config` for its
settings at start-up, which waits out a 10 s timeout where SLURM's tools are installed without a reachable
controller. `snakemake --version` is timed as the start-up floor, and a linear fit (scipy.stats.linregress)
of seconds against jobs gives the cost per 100 jobs.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from scipy.stats import linregress

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
NOTHING_TO_DO = "Nothing to be done"

# name -> (config files after config/config.yaml, overrides written to an extra config file)
GRIDS = {
    "default": ([], {}),
    "paper, 1 seed": (["config/paper.yaml"], {"seeds": [0]}),
    "paper, 3 seeds": (["config/paper.yaml"], {"seeds": [0, 1, 2]}),
    "paper (5 seeds)": (["config/paper.yaml"], {}),
    "paper, resnet18 only": (["config/paper.yaml"], {"architectures": ["resnet18"]}),
}
QUICK_GRIDS = ("default", "paper, 1 seed")


def timed(command: list[str], workdir: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the process and its children) and the output of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed in {workdir}:\n{output[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), output


def scratch_workflow(target: Path) -> Path:
    """The tests' scratch copy of the workflow, with src/ copied rather than linked: a frozen snapshot."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.workflow.conftest import copy_workflow  # the one definition of what a workflow copy holds

    workdir = copy_workflow(target)
    (workdir / "src").unlink()
    shutil.copytree(REPO / "src", workdir / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return workdir


def with_every_output_present(workdir: Path, config_args: list[str]) -> int:
    """Create every output of the grid without running anything; returns the number of jobs it plans."""
    _, _, plan = timed([*SNAKEMAKE, "-n", *config_args], workdir)
    jobs = int(re.search(r"^total\s+(\d+)\s*$", plan, re.M).group(1))
    _, _, summary = timed([*SNAKEMAKE, "--summary", *config_args], workdir)
    outputs = [line.split("\t", 1)[0] for line in summary.splitlines()
               if "\t" in line and not line.startswith("output_file\t")]  # the table's header
    for name in outputs:
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    timed([*SNAKEMAKE, "--touch", "--cores", "1", *config_args], workdir)  # DAG-ordered dates and metadata
    _, _, check = timed([*SNAKEMAKE, "-n", *config_args], workdir)
    if NOTHING_TO_DO not in check:
        raise RuntimeError(f"Snakemake still plans jobs after every output was created:\n{check[-3000:]}")
    return jobs


def measure_grid(name: str, scratch: Path, repeats: int) -> dict:
    configfiles, overrides = GRIDS[name]
    workdir = scratch_workflow(scratch / re.sub(r"\W+", "-", name))
    if overrides:
        (workdir / "config" / "benchmark-grid.yaml").write_text(json.dumps(overrides) + "\n")  # JSON is YAML
        configfiles = [*configfiles, "config/benchmark-grid.yaml"]
    config_args = ["--configfile", *configfiles] if configfiles else []
    jobs = with_every_output_present(workdir, config_args)
    row = {"grid": name, "configfiles": ["config/config.yaml", *configfiles], "jobs": jobs}
    for mode, flags in (("dry_run", ["-n"]), ("no_op", ["--cores", "all"])):
        walls, cpus = [], []
        for _ in range(repeats):
            wall, cpu, output = timed([*SNAKEMAKE, *flags, *config_args], workdir)
            if NOTHING_TO_DO not in output:
                raise RuntimeError(f"{name}: `snakemake {' '.join(flags)}` was not a no-op:\n{output[-3000:]}")
            walls.append(wall)
            cpus.append(cpu)
        row[f"{mode}_s"], row[f"{mode}_cpu_s"] = median(walls), median(cpus)
    return row


def fit(rows: list[dict], column: str) -> dict:
    """Seconds against jobs: slope per 100 jobs, intercept, r."""
    if len({row["jobs"] for row in rows}) < 2:
        return {}
    line = linregress([row["jobs"] for row in rows], [row[column] for row in rows])
    return {"per_100_jobs_s": 100 * line.slope, "intercept_s": line.intercept, "r": line.rvalue}


def run(quick: bool = False) -> dict:
    names = QUICK_GRIDS if quick else tuple(GRIDS)
    repeats = 1 if quick else 2
    with tempfile.TemporaryDirectory(prefix="deba-workflow-timing-") as scratch:
        version_wall, version_cpu, _ = timed([*SNAKEMAKE, "--version"], Path(scratch))
        rows = [measure_grid(name, Path(scratch), repeats) for name in names]
    return {"repeats": repeats, "startup": {"wall_s": version_wall, "cpu_s": version_cpu}, "grids": rows,
            "fits": {column: fit(rows, column) for column in ("dry_run_s", "no_op_s", "dry_run_cpu_s", "no_op_cpu_s")}}


def markdown(results: dict) -> str:
    startup = results["startup"]
    lines = [f"Workflow overhead with every output present (`benchmarks/workflow_timing.py`; median of "
             f"{results['repeats']}; wall / CPU seconds; start-up floor, `snakemake --version`: "
             f"{startup['wall_s']:.1f} / {startup['cpu_s']:.1f} s, of which every command waits "
             f"{max(0.0, startup['wall_s'] - startup['cpu_s']):.1f} s without using the CPU; see the script's docstring):", "",
             "| grid | jobs | `snakemake -n` | no-op `snakemake --cores all` |", "|---|---|---|---|"]
    for row in results["grids"]:
        lines.append(f"| {row['grid']} | {row['jobs']} | {row['dry_run_s']:.1f} / {row['dry_run_cpu_s']:.1f} | "
                     f"{row['no_op_s']:.1f} / {row['no_op_cpu_s']:.1f} |")
    fits = results["fits"]
    if fits["dry_run_s"]:
        lines += ["", "Linear fit against jobs, seconds per 100 jobs (wall / CPU): "
                  f"`-n` {fits['dry_run_s']['per_100_jobs_s']:.2f} / {fits['dry_run_cpu_s']['per_100_jobs_s']:.2f} "
                  f"(intercept {fits['dry_run_s']['intercept_s']:.1f} s wall, r = {fits['dry_run_s']['r']:.3f}); "
                  f"no-op {fits['no_op_s']['per_100_jobs_s']:.2f} / {fits['no_op_cpu_s']['per_100_jobs_s']:.2f} "
                  f"(intercept {fits['no_op_s']['intercept_s']:.1f} s wall, r = {fits['no_op_s']['r']:.3f})."]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 small grids, 1 timing each: a smoke test")
    parser.add_argument("--out", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    results = run(quick=args.quick)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
