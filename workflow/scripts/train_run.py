"""Snakemake adapter of rule `train`: train one run of the grid; after a kill or preemption it resumes from its
checkpoints. Its import closure is the train rule's code version (workflow/rules/training.smk)."""

import logging
import sys

from deba.device import NoGPUError, asked_for_gpu, require_cuda
from deba.gpu_slots import claim_gpu
from deba.grid import Run, train_config

logging.basicConfig(filename=snakemake.log[0], filemode="a", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
wildcards = snakemake.wildcards
run = Run(wildcards.dataset, wildcards.arch, wildcards.scheduler, wildcards.variant, int(wildcards.seed))
config = train_config(run, snakemake.params.grid, thresholds=snakemake.input.thresholds or None,
                      threads=snakemake.threads)
gpu_job = asked_for_gpu(dict(snakemake.resources.items()))  # profiles/slurm: every training job
if config.device != "cpu" or gpu_job:
    claim_gpu()  # before torch initializes CUDA
if gpu_job or config.device == "cuda":
    try:  # never train on this node's CPU instead: fail now, naming the node
        require_cuda("this training job was given a GPU (resource gpu)" if gpu_job else "the config asks for device: cuda")
    except NoGPUError as error:
        logging.error("%s", error)
        sys.exit(f"train: {error}")

from deba.train import EXIT_PREEMPTED, Preempted, train  # noqa: E402  (after the GPU is chosen)

try:
    # download=False: CIFAR was prepared once, before any training job (rule prepare_data, which this job waits for)
    summary = train(config, resume=True, download=False)
except Preempted:
    sys.exit(EXIT_PREEMPTED)
logging.info("finished with status %s", summary["status"])
