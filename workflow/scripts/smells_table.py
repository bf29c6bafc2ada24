"""Snakemake adapter of rule `smells_table`: one table of the smells section (smells.report)."""
from paperkit.rules import log_to
from smells import report

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    report.render_table(snakemake.wildcards.name, dict(snakemake.input.items()), snakemake.output[0],  # noqa: F821
                        studies=snakemake.params.studies)  # noqa: F821
