"""Snakemake adapter of rule `aggregate`: run folders -> results/aggregate/*.csv (deba.analysis.pipeline)."""

from pathlib import Path

from deba.analysis import pipeline
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    files = snakemake.params.files  # noqa: F821  (also the rule's inputs, except under `snakemake figures`)
    pipeline.aggregate(
        [Path(summary).parent for summary in files["summaries"]],
        files["throughput"], files["thresholds"], snakemake.params.cells,  # noqa: F821
        dict(snakemake.output.items()),  # noqa: F821
        allow_mixed_code_versions=snakemake.params.allow_mixed_code_versions)  # noqa: F821
