"""Snakemake adapter of rule `smells_macros`: every number the smells section quotes (smells.report)."""
from paperkit.rules import log_to
from smells import report

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    report.write_section_macros(dict(snakemake.input.items()), snakemake.output[0],  # noqa: F821
                                corpus=snakemake.params.corpus)  # noqa: F821
