"""Snakemake adapter: the architecture's training throughput against batch size on this machine."""

import logging
import sys

from deba.device import NoGPUError, asked_for_gpu, require_cuda
from deba.gpu_slots import claim_gpu

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)
params = snakemake.params
gpu_job = asked_for_gpu(dict(snakemake.resources.items()))
if params.device != "cpu" or gpu_job:
    claim_gpu()  # before torch initializes CUDA
if gpu_job or params.device == "cuda":
    try:  # a profile of this node's CPU would price the GPU grid wrongly: fail now, naming the node
        require_cuda("this throughput job was given a GPU (resource gpu)" if gpu_job else "the config asks for device: cuda")
    except NoGPUError as error:
        logging.error("%s", error)
        sys.exit(f"throughput: {error}")

import pandas as pd  # noqa: E402  (after the GPU is chosen)
import torch  # noqa: E402

from deba.data import CIFAR_CLASSES  # noqa: E402
from deba.throughput import COLUMNS, measure  # noqa: E402
from deba.train import resolve_device  # noqa: E402
torch.set_num_threads(params.torch_threads)  # training's threads; the job claims every core (common.smk)
device = resolve_device(params.device)
rows = measure(snakemake.wildcards.arch, params.scale, list(params.batch_sizes), device,
               num_classes=CIFAR_CLASSES.get(snakemake.wildcards.dataset, 10), timed_steps=params.timed_steps,
               vit_input=params.vit_input)
pd.DataFrame(rows, columns=COLUMNS).to_csv(snakemake.output[0], index=False)
logging.info("measured %d batch sizes on %s", len(rows), device)
