"""Snakemake adapter of rule `cost_validation`: predicted vs measured training time of the fixed-batch runs
-> results/cost/validation.{csv,md} (deba.cost)."""

from pathlib import Path

from deba.analysis.load import read_runs, read_throughput
from deba.cost import compare_with_measured, estimate_runs, validation_markdown
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    profile = read_throughput(snakemake.input.throughput)  # noqa: F821
    estimate = estimate_runs(snakemake.params.settings, profile)  # noqa: F821
    table = compare_with_measured(estimate, read_runs(snakemake.input.runs))  # noqa: F821
    table.to_csv(snakemake.output.table, index=False)  # noqa: F821
    hardware = ", ".join(profile["device"].astype(str).unique())
    Path(snakemake.output.markdown).write_text(validation_markdown(table, hardware))  # noqa: F821
    print(table.to_string(index=False))
