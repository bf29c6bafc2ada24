"""Snakemake adapter of rule `smells_tables`: tables and macros of the smells section (smells.report)."""
from paperkit.rules import log_to
from smells import report

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    report.write_section(dict(snakemake.input.items()), dict(snakemake.output.items()),  # noqa: F821
                         corpus=snakemake.params.corpus)  # noqa: F821
