"""Snakemake adapter of rule `aggregate`: run folders -> results/aggregate/*.csv (deba.analysis.pipeline)."""

from pathlib import Path

from deba.analysis import pipeline
from deba.analysis.scriptlog import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    pipeline.aggregate(
        [Path(summary).parent for summary in snakemake.input.summaries],  # noqa: F821
        snakemake.input.throughput, snakemake.input.thresholds, snakemake.params.cells,  # noqa: F821
        dict(snakemake.output.items()),  # noqa: F821
        allow_mixed_code_versions=snakemake.params.allow_mixed_code_versions)  # noqa: F821
