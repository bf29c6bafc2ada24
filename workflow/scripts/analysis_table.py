"""Snakemake adapter of rule `table`: one LaTeX table from statistics CSVs (deba.analysis.tables)."""

from deba.analysis import tables
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    tables.render(snakemake.wildcards.name, dict(snakemake.input.items()), snakemake.output[0])  # noqa: F821
