"""How the machine's speed drifts during a finished grid, from the epochs of identical work its runs hold.

    python -m benchmarks.timing_drift --root <a checkout holding a finished run>   # seconds, no training

Every run of a cell trains the same images at the grid's start batch size until its scheduler first changes
the batch, so those epochs are identical work whatever the run. Their training time relative to the
cell's median epoch is the machine's speed at that moment. From the training logs' wall-clock stamps
(`results/logs/train/**.log`, one line per epoch written by `deba.train`) this reports:

- the spread of whole runs: each run's mean relative epoch time (what an A/A pair compares);
- how far two runs training at the same time slow down together: the correlation of their mean relative
  epoch times within the same time bin, and the spread of their difference. A correlation near 1 would mean
  that timing a method's run and its fixed twin side by side cancels the drift; near 0, that it does not.

The first epoch of each run is left out (it pays for warm-up), and so are runs of schedulers whose steps
are not the fixed run's work even at the same batch size (`gns` runs two half-batch backward passes).
Adds the grid to `benchmarks/results/timing_drift.{json,md}` (one column per grid; a grid measured again
replaces its column) unless `--no-save`.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from deba.analysis.layout import source_path
from deba.contract import RUN_KEYS, TRAIN_LOG

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
# every run's training log, and the run's keys from its path (the workflow writes logs at TRAIN_LOG)
LOG_GLOB = re.sub(r"\{\w+\}", "*", TRAIN_LOG)
LOG_PATH = re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(TRAIN_LOG)) + "$")
# deba.train's per-epoch line ("epoch %3d/%d  batch %4d ... time %.2fs") under workflow/scripts/train_run.py's
# logging format ("%(asctime)s %(levelname)s %(name)s: %(message)s")
EPOCH_LINE = re.compile(r"^(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ INFO deba\.train: epoch\s+(?P<epoch>\d+)/\d+"
                        r"\s+batch\s+(?P<batch>\d+)\s.*\btime (?P<seconds>[\d.]+)s")
OTHER_WORK = {"gns"}  # schedulers whose step is not the fixed run's step at the same batch size


def read_epochs(root: Path) -> pd.DataFrame:
    """One row per logged epoch: run identity (from the log's path), wall-clock end, batch, training seconds."""
    rows = []
    for log in sorted(root.glob(LOG_GLOB)):
        keys = LOG_PATH.match(log.relative_to(root).as_posix()).groupdict()
        for line in log.read_text().splitlines():
            match = EPOCH_LINE.match(line)
            if match:
                rows.append({**keys, "seed": int(keys["seed"]), "epoch": int(match["epoch"]),
                             "batch_size": int(match["batch"]), "seconds": float(match["seconds"]),
                             "end": datetime.strptime(match["stamp"], "%Y-%m-%d %H:%M:%S")})
    if not rows:
        raise SystemExit(f"no training epochs in {root}/{LOG_GLOB}: point --root at a checkout holding a finished "
                         "run")
    return pd.DataFrame(rows)


def identical_work(epochs: pd.DataFrame) -> pd.DataFrame:
    """The epochs at each cell's start batch size before the run's first change, minus each run's first epoch,
    with their time relative to the cell's median such epoch (`relative`) and the grid's clock (`t_s`)."""
    run = list(RUN_KEYS)
    epochs = epochs.sort_values(run + ["epoch"])
    start = epochs.groupby(["dataset", "arch"])["batch_size"].transform("first")
    unchanged = (epochs["batch_size"] != start).astype(int).groupby([epochs[c] for c in run]).cummax() == 0
    work = epochs[unchanged & (epochs["epoch"] > 1) & ~epochs["scheduler"].isin(OTHER_WORK)].copy()
    work["relative"] = work["seconds"] / work.groupby(["dataset", "arch"])["seconds"].transform("median")
    work["t_s"] = (work["end"] - epochs["end"].min()).dt.total_seconds()
    work["run"] = work[run].astype(str).agg("/".join, axis=1)
    return work


def drift(work: pd.DataFrame, bin_s: float = 30.0) -> dict:
    runs = work.groupby("run")["relative"].mean()
    bins = (work["t_s"] // bin_s).astype(int)
    binned = work.assign(bin=bins).groupby(["bin", "run"], as_index=False)["relative"].mean()
    together = binned.merge(binned, on="bin")
    together = together[together["run_x"] < together["run_y"]]
    difference = together["relative_x"] - together["relative_y"]
    return {
        "runs": int(len(runs)), "epochs": int(len(work)), "bin_s": bin_s,
        "run_mean_sd": float(runs.std()), "run_mean_min": float(runs.min()), "run_mean_max": float(runs.max()),
        "simultaneous_pairs": int(len(together)),
        "simultaneous_correlation": (float(np.corrcoef(together["relative_x"], together["relative_y"])[0, 1])
                                     if len(together) > 2 else float("nan")),
        "bin_sd": float(binned["relative"].std()),
        "simultaneous_difference_sd": float(difference.std()) if len(together) > 1 else float("nan"),
    }


def trained_at(root: Path) -> str:
    """The commits the grid's runs were trained at, from its aggregate table (provenance), for the report."""
    runs = root / source_path("runs")
    if not runs.is_file():
        return f"commit unknown: no {source_path('runs')}"
    commits = sorted(pd.read_csv(runs, usecols=["git_commit"])["git_commit"].astype(str).str[:7].unique())
    return "trained at " + ", ".join(commits)


QUANTITIES = (  # (key, label, format) of the report's rows
    ("runs", "runs (identical-work epochs)", None),
    ("run_mean_sd", "runs: spread (sd) of a run's mean relative epoch time", "{:.1%}"),
    ("run_mean_min", "runs: fastest mean", "{:.3f}"),
    ("run_mean_max", "runs: slowest mean", "{:.3f}"),
    ("bin_sd", "time bins: spread (sd) of one run's mean in a bin", "{:.1%}"),
    ("simultaneous_pairs", "two runs in the same bin: pairs", None),
    ("simultaneous_correlation", "two runs in the same bin: correlation", "{:.2f}"),
    ("simultaneous_difference_sd", "two runs in the same bin: spread (sd) of their difference", "{:.1%}"),
)


def markdown(results: list[dict]) -> str:
    """Every measured grid as a column, newest last."""
    header = "| quantity | " + " | ".join(r["source"] for r in results) + " |\n"
    rule = "|---|" + "---|" * len(results) + "\n"
    body = ""
    for key, label, fmt in QUANTITIES:
        cells = [(str(r[key]) + (f" ({r['epochs']} epochs)" if key == "runs" else "")) if fmt is None
                 else fmt.format(r[key]) for r in results]
        body += f"| {label} | " + " | ".join(cells) + " |\n"
    return ("Measured from the training logs of finished grids: the epochs of identical work (each cell's start "
            "batch size before any change; first epochs and `gns` left out), each relative to its cell's median "
            f"epoch; time bins of {results[-1]['bin_s']:.0f} s. One column per grid, by when its epochs were "
            "logged and the commit its runs were trained at.\n\n" + header + rule + body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO,
                        help="a checkout holding a finished run (default: this one)")
    parser.add_argument("--bin-s", type=float, default=30.0, help="width of a time bin in seconds (default 30)")
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    epochs = read_epochs(root)
    result = drift(identical_work(epochs), args.bin_s)
    result["source"] = (f"epochs logged {epochs['end'].min():%Y-%m-%d %H:%M}-{epochs['end'].max():%H:%M}, "
                        f"{trained_at(root)}")
    results = [result]
    saved = RESULTS / "timing_drift.json"
    if not args.no_save and saved.is_file():  # keep the other grids' measurements; replace this grid's
        results = [r for r in json.loads(saved.read_text()) if r["source"] != result["source"]] + results
    text = markdown(results)
    print(text)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(results, indent=1) + "\n")
        (RESULTS / "timing_drift.md").write_text(text)


if __name__ == "__main__":
    main()
