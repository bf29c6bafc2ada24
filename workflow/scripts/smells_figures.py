"""Snakemake adapter of rule `smells_figures`: the three figures of the smells section (smells.figures)."""
import pandas as pd

from paperkit.rules import log_to
from smells import figures

inp, out = snakemake.input, snakemake.output  # noqa: F821 (snakemake is injected)

with log_to(snakemake.log[0]):  # noqa: F821
    figures.density_boxplots(pd.read_csv(inp.density), out.density)
    figures.stage_heatmap(pd.read_csv(inp.matrix, index_col=0), out.stages)
    figures.speed_ratios(pd.read_csv(inp.bench), out.speed)
