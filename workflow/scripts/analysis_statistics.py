"""Snakemake adapter of rule `statistics`: results/aggregate -> results/stats/*.csv (deba.analysis.pipeline)."""

from deba.analysis import pipeline
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    pipeline.statistics(snakemake.input.runs, snakemake.input.epochs, snakemake.input.throughput,  # noqa: F821
                        dict(snakemake.output.items()),  # noqa: F821
                        n_resamples=snakemake.params.n_resamples, seed=snakemake.params.seed,  # noqa: F821
                        allow_mixed_devices=snakemake.params.allow_mixed_devices)  # noqa: F821
