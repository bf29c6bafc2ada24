"""Snakemake adapter of rule `smells_figure`: one figure of the smells section (smells.figures)."""
from paperkit.rules import log_to
from smells import figures

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    figures.render(snakemake.wildcards.name, dict(snakemake.input.items()), snakemake.output[0])  # noqa: F821
