"""The smells study's figures, drawn with the shared paper style (paperkit.style) and saved byte-stably.

Figure ``<name>`` of `smells.layout.FIGURE_INPUTS` is drawn by ``fig_<name>`` from the result files that
name lists, in that order; `render` reads them and saves the figure.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from paperkit.style import PALETTE, figure, save_figure
from smells.findings import IDIOMS
from smells.layout import FIGURE_INPUTS
from smells.stages import STAGES

GROUP_COLOURS = {"ML": PALETTE[0], "non-ML": PALETTE[1]}


def fig_density(density: pd.DataFrame):
    """Per-idiom smells per KLOC, ML vs non-ML, one box pair per idiom (symlog axis: many zeros)."""
    import seaborn as sns

    long = density.melt(id_vars=["project", "group"], value_vars=list(IDIOMS), var_name="idiom",
                        value_name="per_kloc")
    fig, ax = figure("text", aspect=0.32)
    sns.boxplot(data=long, x="idiom", y="per_kloc", hue="group", hue_order=["ML", "non-ML"],
                palette=GROUP_COLOURS, order=list(IDIOMS), fliersize=1.5, linewidth=0.6, ax=ax)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("")
    ax.set_ylabel("findings per KLOC")
    ax.set_xticks(range(len(IDIOMS)), [i.replace("-", "\n") for i in IDIOMS], fontsize=6)
    ax.legend(title=None, loc="upper right")
    return fig


def fig_stages(stage_idiom: pd.DataFrame):
    """Idiom x stage findings per KLOC of each stage's code (ML projects); one row per idiom, its name first."""
    import seaborn as sns

    fig, ax = figure("column", aspect=0.95)
    matrix = stage_idiom.set_index(stage_idiom.columns[0])
    values = matrix.reindex(index=list(IDIOMS), columns=list(STAGES))
    # Colour on log(1 + density): assign-multiple-targets is ten times denser than the rest.
    sns.heatmap(np.log1p(values), annot=values, fmt=".2f", cmap="Blues", cbar=False, linewidths=0.3,
                annot_kws={"fontsize": 6}, ax=ax, mask=values.isna())
    ax.set_xlabel("findings per KLOC of each stage's code")
    ax.set_ylabel("")
    ax.set_xticks(np.arange(len(STAGES)) + 0.5, [s.replace(" ", "\n") for s in STAGES], rotation=0,
                  fontsize=6)
    ax.tick_params(axis="y", labelsize=6)
    return fig


def fig_speed(bench: pd.DataFrame):
    """Smelly time / idiomatic time per idiom (>1: the idiom is faster), with the range over repeats."""
    fig, ax = figure("column", aspect=0.75)
    rows = bench.reset_index(drop=True)
    labels = [r.idiom + (" (exact)" if r.variant == "exact" else "") for r in rows.itertuples()]
    y = np.arange(len(rows))
    colours = [PALETTE[2] if r > 1 else PALETTE[3] for r in rows["ratio"]]
    ax.barh(y, rows["ratio"], color=colours, height=0.6)
    ax.errorbar(rows["ratio"], y, xerr=[rows["ratio"] - rows["ratio_min"], rows["ratio_max"] - rows["ratio"]],
                fmt="none", ecolor="black", elinewidth=0.6, capsize=1.5)
    ax.axvline(1.0, color="black", linewidth=0.6)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("smelly time / idiomatic time")
    return fig


def render(name: str, sources: dict[str, str], output) -> Path:
    """Draw figure `name` from `sources` (result key -> CSV file) and save it byte-stably to `output`."""
    if name not in FIGURE_INPUTS:
        raise KeyError(f"unknown smells figure {name!r}; known: {sorted(FIGURE_INPUTS)}")
    frames = [pd.read_csv(sources[key]) for key in FIGURE_INPUTS[name]]
    return save_figure(globals()[f"fig_{name}"](*frames), output)
