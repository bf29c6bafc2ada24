"""Snakemake adapter of rule prepare_data: one CIFAR dataset readable under data_root, prepared once before
any training job (deba.prepare); writes what it did to the rule's manifest."""

import json
import logging
import sys

from deba.data import DataError
from deba.prepare import prepare
from paperkit.files import write_text_atomically

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
dataset = snakemake.wildcards.dataset
try:
    # the source from the config, not a param: changing it must not rerun this rule (data.smk)
    manifest = prepare(dataset, snakemake.params.data_root, snakemake.config["cifar_source"].get(dataset, "download"))
except DataError as error:
    logging.error("%s", error)
    sys.exit(f"prepare_data: {error}")
logging.info("%s", manifest)
write_text_atomically(snakemake.output[0], json.dumps(manifest, indent=1, sort_keys=True) + "\n")
