"""Test-only fault injection for tests/cluster/slurm_single_node.sh: a stand-in for the training job script.

The SLURM test copies the workflow into a scratch folder, renames the copy's workflow/scripts/train_run.py
to train_run_real.py and puts this file in its place. The first training job to claim the marker file
(DEBA_TEST_PREEMPT_ONCE, set by the test) gets SIGTERM once its first epoch is written, as a cluster
preemption would send it; then, for every job, the real script runs unchanged. Nothing in the shipped
workflow or package reads that variable, so a user's run cannot trip it.
"""

import logging
import os
import runpy
import signal
import threading
import time
from pathlib import Path

from deba.grid import Run, run_dir

wildcards = snakemake.wildcards  # noqa: F821 (snakemake is injected)
run = Run(wildcards.dataset, wildcards.arch, wildcards.scheduler, wildcards.variant, int(wildcards.seed))
marker = os.environ["DEBA_TEST_PREEMPT_ONCE"]  # the test always sets it; a KeyError means a wrong setup


def preempt_after_first_epoch() -> None:
    while not Path(run_dir(run), "epochs.csv").exists():
        time.sleep(0.02)
    logging.warning("test fault injection: sending SIGTERM to this run")
    os.kill(os.getpid(), signal.SIGTERM)


try:
    fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
except FileExistsError:
    pass  # another job was preempted already
else:
    os.write(fd, run_dir(run).removeprefix("results/runs/").encode())
    os.close(fd)
    threading.Thread(target=preempt_after_first_epoch, daemon=True).start()

# Snakemake's preamble points __file__ at this script's place in the workflow copy, beside the real one.
runpy.run_path(str(Path(__file__).with_name("train_run_real.py")),
               init_globals={"snakemake": snakemake}, run_name="__main__")  # noqa: F821
