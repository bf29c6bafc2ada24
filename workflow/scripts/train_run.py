"""Snakemake adapter of rule `train`: train one run of the grid; after a kill or preemption it resumes from its
checkpoints. Its import closure is the train rule's code version (workflow/rules/training.smk)."""

import logging
import sys

from deba.device import start_job_device
from deba.grid import Run, train_config

logging.basicConfig(filename=snakemake.log[0], filemode="a", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
wildcards = snakemake.wildcards
run = Run(wildcards.dataset, wildcards.arch, wildcards.scheduler, wildcards.variant, int(wildcards.seed))
config = train_config(run, snakemake.params.grid, thresholds=snakemake.input.thresholds or None,
                      threads=snakemake.threads)
# a GPU of its own; asked for one (profiles/slurm asks for every job) and none there: fail now, naming the node
start_job_device("train", config.device, dict(snakemake.resources.items()))

from deba.train import EXIT_PREEMPTED, Preempted, train  # noqa: E402  (after the GPU is chosen)

try:
    # download=False: CIFAR was prepared once, before any training job (rule prepare_data, which this job waits for)
    summary = train(config, resume=True, download=False)
except Preempted:
    sys.exit(EXIT_PREEMPTED)
logging.info("finished with status %s", summary["status"])
