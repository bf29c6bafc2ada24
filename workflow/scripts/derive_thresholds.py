"""Snakemake adapter of rule `thresholds`: DEBA's thresholds from a cell's fixed-batch baseline epochs (all
seeds pooled; deba.thresholds), read through deba.analysis.load, the one reader of run folders."""

import logging

from deba.analysis.load import read_run_signals
from deba.thresholds import derive_thresholds

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)  # noqa: F821 (snakemake is injected)
rows = read_run_signals(snakemake.input)  # noqa: F821
thresholds = derive_thresholds(rows, source=", ".join(snakemake.input))  # noqa: F821
thresholds.write(snakemake.output[0])  # noqa: F821
logging.info("thresholds %s from %d epochs", thresholds.as_dict(), len(rows))
