"""Snakemake adapter of rule `smells_scale`: this run's corpus beside the recorded ones (smells.report)."""
from pathlib import Path

from paperkit.rules import log_to
from smells import report

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    rows = report.scale_table(snakemake.params.studies, Path(snakemake.output[0]))  # noqa: F821
    print(rows.to_string())
