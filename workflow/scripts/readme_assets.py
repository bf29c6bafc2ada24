"""Snakemake adapter of rule `readme_assets`: the README's figure (PNG) and headline table (Markdown)."""

from pathlib import Path

import pandas as pd

from deba.analysis import figures, tables
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    sources = {name: path for name, path in snakemake.input.items() if name not in ("comparisons", "pairs", "pricing")}  # noqa: F821
    figures.render("accuracy_time", sources, snakemake.output.figure)  # noqa: F821
    headline = tables.headline_markdown(pd.read_csv(snakemake.input.comparisons),  # noqa: F821
                                       pd.read_csv(snakemake.input.pairs),  # noqa: F821
                                       pd.read_csv(snakemake.input.pricing),  # noqa: F821
                                       n_resamples=snakemake.params.n_resamples)  # noqa: F821
    Path(snakemake.output.table).write_text(headline)  # noqa: F821
