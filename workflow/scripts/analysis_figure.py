"""Snakemake adapter of rule `figure`: one figure from aggregated/statistics CSVs (deba.analysis.figures)."""

from deba.analysis import figures
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    figures.render(snakemake.wildcards.name, dict(snakemake.input.items()), snakemake.output[0])  # noqa: F821
