"""Snakemake adapter: the architecture's training throughput against batch size on this machine."""

import logging

import pandas as pd
import torch

from deba.data import CIFAR_CLASSES
from deba.device import start_job_device
from deba.throughput import COLUMNS, measure
from deba.train import resolve_device

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)
params = snakemake.params
# a profile of a node's CPU would price the GPU grid wrongly: asked for a GPU and none there, fail now
start_job_device("throughput", params.device, dict(snakemake.resources.items()))
torch.set_num_threads(params.torch_threads)  # training's threads; the job claims every core (common.smk)
device = resolve_device(params.device)
rows = measure(snakemake.wildcards.arch, params.scale, list(params.batch_sizes), device,
               num_classes=CIFAR_CLASSES.get(snakemake.wildcards.dataset, 10), timed_steps=params.timed_steps,
               vit_input=params.vit_input, precision=params.precision, memory_format=params.memory_format)
pd.DataFrame(rows, columns=COLUMNS).to_csv(snakemake.output[0], index=False)
logging.info("measured %d batch sizes on %s", len(rows), device)
