"""Shared helpers for the training tests: small runs on synthetic data, in-process or as a subprocess."""

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deba.contract import TIME_COLUMNS

SMALL = ["--dataset", "synthetic", "--arch", "resnet18", "--scale", "cpu", "--threads", "1"]


def cli_command(out, *extra):
    return [sys.executable, "-m", "deba.cli", *SMALL, "--out", str(out), "--quiet", *map(str, extra)]


def run_cli(out, *extra, check=True):
    result = subprocess.run(cli_command(out, *extra), capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"deba-train failed ({result.returncode}):\n{result.stderr}")
    return result


def epoch_rows(out):
    with open(Path(out) / "epochs.csv") as handle:
        return list(csv.DictReader(handle))


def without_time(rows):
    return [{k: v for k, v in row.items() if k not in TIME_COLUMNS} for row in rows]


def start_and_wait_for_epochs(out, epochs_done, *extra):
    """Start a run in the background and return it once `epochs_done` epochs are in epochs.csv."""
    process = subprocess.Popen(cli_command(out, *extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline:
        if (Path(out) / "epochs.csv").exists() and len(epoch_rows(out)) >= epochs_done:
            return process
        if process.poll() is not None:
            raise AssertionError(f"run ended early: {process.stderr.read().decode()}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError("run did not reach the epoch in time")


# DEBA deciding from its third epoch on, so the batch size changes within the 4 epochs
# The legacy rule changes the batch within these few epochs, so the resume crosses batch-size changes.
RESUME_ARGS = ("--scheduler", "deba", "--epochs", 4, "--seed", 1, "--calibration-epochs", 2, "--cooldown", 0,
               "--window", 2, "--min-history", 1, "--batch-size", 64, "--deba-rule", "legacy")


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory):
    """An uninterrupted run that the kill/resume tests must reproduce."""
    out = tmp_path_factory.mktemp("reference") / "run"
    run_cli(out, *RESUME_ARGS)
    return out
