"""Snakemake adapter of rule `cost_estimate`: throughput profiles -> results/cost/estimate.{csv,md} (deba.cost)."""

import os
from pathlib import Path

from deba.analysis.load import aggregate_throughput
from deba.cost import by_architecture, estimate_runs, markdown
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    params = snakemake.params  # noqa: F821
    profile = aggregate_throughput(snakemake.input.throughput, params.cells)  # noqa: F821
    # the CSVs name the device type only (cpu, cuda); the gpu_check JSON names the model (docs/cost.md)
    hardware = f"{', '.join(profile['device'].astype(str).unique())} (the throughput rule's device)"
    runs = estimate_runs(params.settings, profile)
    table = by_architecture(runs)
    table.assign(hardware=hardware).to_csv(snakemake.output.table, index=False)  # noqa: F821
    # workflow.configfiles lists the --configfile ones first; shown in the order Snakemake merges them
    Path(snakemake.output.markdown).write_text(  # noqa: F821
        markdown(table, runs, profile, hardware, " + ".join(map(os.path.relpath, reversed(params.configfiles)))))
    print(table.to_string(index=False))
