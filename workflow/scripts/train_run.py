"""Snakemake adapter: train one run of the grid; after a kill or preemption it resumes from its checkpoints."""

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from deba.gpu_slots import claim_gpu
from deba.grid import Run, run_dir, train_config

logging.basicConfig(filename=snakemake.log[0], filemode="a", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
wildcards = snakemake.wildcards
run = Run(wildcards.dataset, wildcards.arch, wildcards.scheduler, wildcards.variant, int(wildcards.seed))
config = train_config(run, snakemake.params.grid, thresholds=snakemake.input.thresholds or None,
                      threads=snakemake.threads)
if config.device != "cpu":
    claim_gpu()  # before torch initializes CUDA


def preempt_once_for_tests(marker: str) -> None:
    """Fault injection for tests/cluster: the first run to claim `marker` gets SIGTERM after its first epoch,
    as a cluster preemption would send it."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, run_dir(run).removeprefix("results/runs/").encode())
    os.close(fd)

    def watch():
        while not Path(config.out, "epochs.csv").exists():
            time.sleep(0.02)
        logging.warning("test fault injection: sending SIGTERM to this run")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


if os.environ.get("DEBA_TEST_PREEMPT_ONCE"):
    preempt_once_for_tests(os.environ["DEBA_TEST_PREEMPT_ONCE"])

from deba.train import EXIT_PREEMPTED, Preempted, train  # noqa: E402  (after the GPU is chosen)

try:
    summary = train(config, resume=True)
except Preempted:
    sys.exit(EXIT_PREEMPTED)
logging.info("finished with status %s", summary["status"])
