"""How far apart two timings of identical training work land, under each way of scheduling timed jobs.

    python -m benchmarks.timing_noise              # 4 rounds (about 10 minutes on 2 cores)
    python -m benchmarks.timing_noise --rounds 2   # a quicker look

The workflow's speed verdicts compare training times of different runs, so the spread of identical runs
is the smallest speed effect it can resolve (the A/A noise floor, docs/timing.md: The A/A control). This measures that
spread for one run of the default grid (digits, ResNet-18, fixed batch, `config/config.yaml`), trained in
a fresh process each time, under three schedules:

- `alone, all cores`: one run at a time, torch using every core;
- `alone, 1 thread`: one run at a time, one torch thread;
- `side by side, 1 thread`: one one-thread run per core, started together.

Rounds interleave the schedules, so a slow spell of the machine falls on all of them. Per schedule it
reports the mean training time, the coefficient of variation over runs, and the largest A/A difference
(1 - t_b / t_a) between two runs of the same round; `runs per hour` is the work rate the schedule gives the
whole machine. Writes `benchmarks/results/timing_noise.{json,md}` unless `--no-save`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path
from time import perf_counter

import numpy as np

from deba.config_schema import load_config

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
RUN = ("digits", "resnet18", "fixed", "main", 0)

# One run in a fresh process: its TrainConfig is the default grid's, with the thread count and folder given.
TRAIN_ONE = """
import dataclasses, json, sys
from deba.config_schema import load_config
from deba.grid import Run, train_config, training_settings
from deba.train import train
config = load_config([sys.argv[1]])
run = Run(*json.loads(sys.argv[2]))
settings = dataclasses.replace(train_config(run, training_settings(config, run), threads=int(sys.argv[3])),
                               out=sys.argv[4])
print(json.dumps(train(settings)["train_time_s"]))
"""


def start(threads: int, out: Path, config: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", TRAIN_ONE, str(config), json.dumps(RUN), str(threads), str(out)],
                            stdout=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> float:
    stdout, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"a timed run failed with exit code {process.returncode}")
    return float(stdout.strip().splitlines()[-1])


def one_round(scratch: Path, config: Path, cores: int, index: int) -> dict[str, tuple[list[float], float]]:
    """{schedule: (training times, wall seconds the schedule's runs took together)} for one round."""
    schedules = {"alone, all cores": (cores, 2, False), "alone, 1 thread": (1, 2, False),
                 "side by side, 1 thread": (1, cores, True)}
    measured = {}
    for name, (threads, runs, together) in schedules.items():
        outs = [scratch / f"r{index}-{name.replace(' ', '').replace(',', '-')}-{i}" for i in range(runs)]
        began = perf_counter()
        if together:
            times = [finish(process) for process in [start(threads, out, config) for out in outs]]
        else:
            times = [finish(start(threads, out, config)) for out in outs]
        measured[name] = (times, perf_counter() - began)
    return measured


def summarize(rounds: list[dict]) -> list[dict]:
    rows = []
    for name in rounds[0]:
        per_round = [round_[name][0] for round_ in rounds]
        times = np.array([t for group in per_round for t in group])
        aa = [1 - b / a for group in per_round for a, b in combinations(group, 2)]
        wall = sum(round_[name][1] for round_ in rounds)
        rows.append({"schedule": name, "runs": len(times), "mean_s": float(times.mean()),
                     "cv": float(times.std(ddof=1) / times.mean()),
                     "range": float((times.max() - times.min()) / times.mean()),
                     "max_abs_aa": float(np.max(np.abs(aa))), "aa": [float(v) for v in aa],
                     "runs_per_hour": float(3600 * len(times) / wall)})
    return rows


def markdown(results: dict) -> str:
    env = results["environment"]
    lines = [(f"Measured {env['measured_at']} on {env['cpu_count']} cores, torch {env['torch']}: digits, "
              f"ResNet-18 (`cpu` scale), the default grid's fixed-batch run ({results['epochs']} epochs), "
              f"{results['rounds']} interleaved "
              "rounds, each run in a fresh process. A/A: 1 - t_b / t_a for two runs of the same round."), "",
             "| schedule | runs | mean training s | CV | range | largest A/A | runs per hour |",
             "|---|---|---|---|---|---|---|"]
    for row in results["schedules"]:
        lines.append(f"| {row['schedule']} | {row['runs']} | {row['mean_s']:.2f} | {row['cv']:.1%} | "
                     f"{row['range']:.1%} | {row['max_abs_aa']:.1%} | {row['runs_per_hour']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    import torch

    from benchmarks.run import environment

    cores = os.cpu_count() or 1
    config = REPO / "config" / "config.yaml"
    with tempfile.TemporaryDirectory() as scratch:
        rounds = [one_round(Path(scratch), config, cores, index) for index in range(args.rounds)]
    env = environment(torch.device("cpu"))
    results = {"environment": {"measured_at": env["measured_at"], "cpu_count": cores,
                               "torch": env["packages"].get("torch")},
               "run": list(RUN), "epochs": load_config([config])["epochs"], "rounds": args.rounds,
               "schedules": summarize(rounds)}
    print(markdown(results))
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "timing_noise.json").write_text(json.dumps(results, indent=2) + "\n")
        (RESULTS / "timing_noise.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
