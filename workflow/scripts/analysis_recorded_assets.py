"""Snakemake adapter of rule `recorded_assets`: a recorded set's figures, tables and macros for the paper
(deba.analysis.render.render_all, into layout.recorded_generated_dir)."""

from deba.analysis import layout
from deba.analysis.render import recorded_prefixes, render_all
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    sources = dict(snakemake.input.items())  # noqa: F821
    generated = layout.recorded_generated_dir(snakemake.wildcards.name)  # noqa: F821
    written = render_all({t: sources[t] for t in layout.AGGREGATE_FILES},
                         {t: sources[t] for t in layout.STATS_FILES + layout.PRICING_FILES}, generated,
                         n_resamples=snakemake.params.n_resamples,  # noqa: F821
                         **recorded_prefixes(snakemake.wildcards.name))  # noqa: F821
    expected = set(map(str, snakemake.output))  # noqa: F821
    unexpected = sorted(set(map(str, written)) - expected)
    if unexpected:
        raise RuntimeError(f"render_all wrote files the rule does not declare: {unexpected}")
    print(f"wrote {len(written)} files to {generated}")
