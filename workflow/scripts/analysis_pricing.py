"""Snakemake adapter of rules `device_pricing` and `recorded_pricing`: aggregated runs and epochs, priced on the
stored device profiles the config names -> device_pricing.csv, predicted_claims.csv (deba.analysis.pricing)."""

from deba.analysis import pricing
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    pricing.write_pricing(snakemake.input.runs, snakemake.input.epochs, list(snakemake.input.profiles),  # noqa: F821
                          dict(snakemake.output.items()),  # noqa: F821
                          n_resamples=snakemake.params.n_resamples, seed=snakemake.params.seed)  # noqa: F821
