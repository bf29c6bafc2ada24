"""Every figure, table and the macro file in one call, for tests and manual use.

The workflow makes each of these in a job of its own (figures.smk, tables.smk); this module is kept apart from
`pipeline` so that the aggregation and statistics rules, whose code digests follow what `pipeline` imports, do
not rerun when a figure or a table changes.
"""

from __future__ import annotations

from pathlib import Path

from deba.analysis import figures, macros, tables
from deba.analysis.layout import MACRO_INPUTS


def render_all(aggregate_paths: dict[str, str], stats_paths: dict[str, str], generated: str | Path, *,
               n_resamples: int = 9999) -> list[Path]:
    """Every figure, table and the macro file into `generated` (figures/NAME.pdf, tables/NAME.tex, macros.tex)."""
    generated = Path(generated)
    sources = {**aggregate_paths, **stats_paths}
    written = [figures.render(name, sources, generated / "figures" / f"{name}.pdf") for name in figures.FIGURES]
    written += [tables.render(name, sources, generated / "tables" / f"{name}.tex") for name in tables.TABLES]
    macro_sources = {name: sources[name] for name in MACRO_INPUTS}
    written.append(macros.render(macro_sources, generated / "macros.tex", n_resamples=n_resamples))
    return written
