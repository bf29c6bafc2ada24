"""Snakemake adapter of rule `macros`: paper/generated/macros.tex from results (deba.analysis.macros)."""

from deba.analysis import macros
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    macros.render(dict(snakemake.input.items()), snakemake.output[0],  # noqa: F821
                  n_resamples=snakemake.params.n_resamples)  # noqa: F821
