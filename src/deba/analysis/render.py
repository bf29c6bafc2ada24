"""Every figure, table and the macro file in one call: for tests, manual use and a recorded set's copy in the
paper (workflow/rules/recorded.smk, one job per set).

For the config's own results the workflow makes each of these in a job of its own (figures.smk, tables.smk).
This module is kept apart from `pipeline` so that the aggregation and statistics rules, whose code digests
follow what `pipeline` imports, do not rerun when a figure or a table changes.
"""

from __future__ import annotations

from pathlib import Path

from deba.analysis import figures, macros, tables
from deba.analysis.layout import MACRO_INPUTS


def render_all(aggregate_paths: dict[str, str], stats_paths: dict[str, str], generated: str | Path, *,
               n_resamples: int = 9999, macro_prefix: str = macros.PREFIX, label_prefix: str = "",
               caption_prefix: str = "") -> list[Path]:
    """Every figure, table and the macro file into `generated` (figures/NAME.pdf, tables/NAME.tex, macros.tex);
    a recorded set's copy takes its own macro, table-label and table-caption prefixes (workflow/rules/recorded.smk)."""
    generated = Path(generated)
    sources = {**aggregate_paths, **stats_paths}
    written = [figures.render(name, sources, generated / "figures" / f"{name}.pdf") for name in figures.FIGURES]
    written += [tables.render(name, sources, generated / "tables" / f"{name}.tex", label_prefix=label_prefix,
                              caption_prefix=caption_prefix)
                for name in tables.TABLES]
    macro_sources = {name: sources[name] for name in MACRO_INPUTS}
    written.append(macros.render(macro_sources, generated / "macros.tex", n_resamples=n_resamples,
                                 prefix=macro_prefix))
    return written


def recorded_prefixes(name: str) -> dict[str, str]:
    """render_all's prefixes for recorded set `name`: macros `DebaCifarCpu...`, labels `tab:cifar-cpu-...`,
    captions naming the set and its hand-written section (whose label is `sec:NAME`)."""
    return {"macro_prefix": macros.recorded_prefix(name), "label_prefix": f"{name}-",
            "caption_prefix": f"Recorded run {name} (Section~\\ref{{sec:{name}}}): "}
