"""Snakemake adapter: DEBA's thresholds from a cell's fixed-batch baseline epochs (all seeds pooled)."""

import csv
import logging

from deba.thresholds import derive_thresholds

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO)
rows = []
for path in snakemake.input:
    with open(path) as handle:
        rows += [{k: (float(v) if v != "" else None) for k, v in row.items() if k in
                  ("grad_var", "grad_norm_variation", "loss_variation")} for row in csv.DictReader(handle)]
thresholds = derive_thresholds(rows, source=", ".join(snakemake.input))
thresholds.write(snakemake.output[0])
logging.info("thresholds %s from %d epochs", thresholds.as_dict(), len(rows))
