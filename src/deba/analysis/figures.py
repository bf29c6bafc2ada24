"""The paper's figures, each a function from small aggregated tables to a matplotlib figure.

Every figure uses `paperkit.style` (one style, column or text width, colour-blind palette) and reads only
the CSVs under results/aggregate and results/stats. Figure <name> of `deba.analysis.layout.FIGURE_INPUTS`
(the one list of figures and the tables each reads) is drawn by `fig_<name>`, so the workflow can make one
figure per job. A figure whose data are absent in the current configuration (say, no ablation runs) still
renders, with a note saying so, so the paper always builds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from deba.analysis.layout import FIGURE_INPUTS, method_label
from deba.config import DEFAULT_COOLDOWN, DEFAULT_WINDOW
from paperkit import style
from paperkit.style import PALETTE

MAIN_METHOD = ("deba", "main")


def _colours(keys) -> dict:
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])


def _main_methods(comparisons: pd.DataFrame) -> pd.DataFrame:
    return comparisons[comparisons["variant"] == "main"]


def fig_effects(comparisons: pd.DataFrame):
    """Accuracy change (points) and speedup (%) per architecture, mean with 95 % interval, per method."""
    data = _main_methods(comparisons)
    datasets = sorted(data["dataset"].unique()) or ["(none)"]
    fig, axes = style.figure("text", aspect=0.28 * len(datasets), nrows=len(datasets), ncols=2, squeeze=False)
    methods = sorted(data[["scheduler", "variant"]].drop_duplicates().itertuples(index=False, name=None),
                     key=lambda m: (m != MAIN_METHOD, m))
    colours = _colours(methods)
    for row, dataset in enumerate(datasets):
        cell = data[data["dataset"] == dataset]
        archs = sorted(cell["arch"].unique())
        for col, (measure, label, scale) in enumerate((("acc_diff", "Accuracy change (points)", 100),
                                                       ("speedup", "Speedup (%)", 100))):
            ax = axes[row][col]
            if cell.empty:
                _empty(ax, "no runs")
                continue
            width = 0.8 / max(1, len(methods))
            for i, method in enumerate(methods):
                rows = cell[(cell["scheduler"] == method[0]) & (cell["variant"] == method[1])].set_index("arch")
                rows = rows.reindex(archs)
                x = np.arange(len(archs)) + (i - (len(methods) - 1) / 2) * width
                mean = rows[measure].to_numpy(float) * scale
                low = rows[f"{measure}_low"].to_numpy(float) * scale
                high = rows[f"{measure}_high"].to_numpy(float) * scale
                yerr = np.vstack([np.nan_to_num(mean - low), np.nan_to_num(high - mean)])
                ax.errorbar(x, mean, yerr=yerr, fmt="o", color=colours[method], capsize=1.5,
                            label=method_label(*method) if row == 0 and col == 0 else None)
            ax.axhline(0, color="black", linewidth=0.5)
            ax.set_xticks(np.arange(len(archs)), archs, rotation=20, ha="right")
            ax.set_ylabel(label)
            ax.set_title(dataset)
    if methods:
        fig.legend(loc="outside upper center", ncols=len(methods))
    return fig


def fig_trajectories(epochs: pd.DataFrame):
    """DEBA's batch size over epochs, one thin line per seed, one colour per architecture."""
    data = epochs[(epochs["scheduler"] == MAIN_METHOD[0]) & (epochs["variant"] == MAIN_METHOD[1])]
    datasets = sorted(data["dataset"].unique()) or ["(none)"]
    fig, axes = style.figure("column", aspect=0.62 * len(datasets), nrows=len(datasets), squeeze=False)
    colours = _colours(sorted(data["arch"].unique()))
    for row, dataset in enumerate(datasets):
        ax = axes[row][0]
        cell = data[data["dataset"] == dataset]
        if cell.empty:
            _empty(ax, "no DEBA runs")
            continue
        for (arch, seed), run in cell.groupby(["arch", "seed"], sort=True):
            ax.plot(run["epoch"], run["batch_size"], color=colours[arch], linewidth=0.8, alpha=0.8,
                    drawstyle="steps-post", label=arch if seed == cell[cell["arch"] == arch]["seed"].min() else None)
        if cell["batch_size"].max() >= 8 * cell["batch_size"].min():
            ax.set_yscale("log", base=2)  # wide ranges only; a narrow one would show a single tick
            ax.yaxis.set_major_formatter("{x:g}")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Batch size")
        ax.set_title(dataset)
        ax.legend(ncols=2)
    return fig


def fig_accuracy_time(epochs: pd.DataFrame):
    """Test accuracy against cumulative training time, per method (mean over seeds at each epoch)."""
    data = epochs[epochs["variant"] == "main"]
    cells = sorted(data[["dataset", "arch"]].drop_duplicates().itertuples(index=False, name=None))
    ncols = min(3, max(1, len(cells)))
    nrows = max(1, -(-len(cells) // ncols))
    fig, axes = style.figure("text", aspect=0.3 * nrows, nrows=nrows, ncols=ncols, squeeze=False)
    schedulers = sorted(data["scheduler"].unique(), key=lambda s: (s != "fixed", s != "deba", s))
    colours = _colours(schedulers)
    labelled: set[str] = set()  # a comparator may run on some cells only: label it where it first appears
    for index, ax in enumerate(axes.flat):
        if index >= len(cells):
            ax.set_visible(False) if cells else _empty(ax, "no runs")
            continue
        dataset, arch = cells[index]
        cell = data[(data["dataset"] == dataset) & (data["arch"] == arch)]
        for scheduler in schedulers:
            curve = cell[cell["scheduler"] == scheduler].groupby("epoch")[["train_time_s", "test_acc"]].mean()
            if len(curve):
                ax.plot(curve["train_time_s"], curve["test_acc"] * 100, color=colours[scheduler],
                        label=None if scheduler in labelled else method_label(scheduler))
                labelled.add(scheduler)
        ax.set_title(f"{arch} ({dataset})")
        ax.set_xlabel("Training time (s)")
        ax.set_ylabel("Test accuracy (%)")
    if schedulers:
        fig.legend(loc="outside upper center", ncols=len(schedulers))
    return fig


def fig_stability(characterization: pd.DataFrame, comparisons: pd.DataFrame, correlations: pd.DataFrame):
    """Baseline stability score against DEBA's speedup per cell, with Spearman's rho and its interval."""
    from matplotlib.lines import Line2D

    from paperkit.latex import format_number

    deba = comparisons[(comparisons["scheduler"] == MAIN_METHOD[0]) & (comparisons["variant"] == MAIN_METHOD[1])]
    cells = characterization.merge(deba, on=["dataset", "arch"], how="inner")
    # a colour per architecture and a marker per dataset, named in the legend: labels written beside the
    # points collide where cells have similar scores, which is where the reader needs to tell them apart
    fig, ax = style.figure("column", aspect=0.8)
    if cells.empty:
        _empty(ax, "no DEBA and baseline runs")
        return fig
    colours = _colours(sorted(cells["arch"].unique()))
    markers = dict(zip(sorted(cells["dataset"].unique()), "osD^v"))
    for _, cell in cells.sort_values(["arch", "dataset"]).iterrows():
        ax.errorbar(cell["stability_score"], cell["speedup"] * 100,
                    yerr=[[np.nan_to_num((cell["speedup"] - cell["speedup_low"]) * 100)],
                          [np.nan_to_num((cell["speedup_high"] - cell["speedup"]) * 100)]],
                    fmt=markers[cell["dataset"]], color=colours[cell["arch"]], capsize=1.5)
    handles = [Line2D([], [], color=colour, marker="o", linestyle="", label=arch) for arch, colour in colours.items()]
    if len(markers) > 1:
        handles += [Line2D([], [], color="grey", marker=marker, linestyle="", label=dataset)
                    for dataset, marker in markers.items()]
    fig.legend(handles=handles, loc="outside lower center", ncols=3)
    row = correlations[(correlations["predictor"] == "stability_score") & (correlations["outcome"] == "speedup")]
    if len(row):
        r = row.iloc[0]
        # format_number writes LaTeX minus signs ("$-$0.5"), which matplotlib's mathtext renders as well.
        if not np.isfinite(r["rho"]):
            ax.set_title(f"Spearman $\\rho$ not computable (n = {int(r['n_cells'])} cells)")
        else:
            ax.set_title(f"Spearman $\\rho$ = {format_number(r['rho'], 2)} [{format_number(r['rho_low'], 2)}, "
                         f"{format_number(r['rho_high'], 2)}], n = {int(r['n_cells'])}")
    ax.set_xlabel("Baseline stability score")
    ax.set_ylabel("DEBA speedup (%)")
    return fig


def fig_ablations(ablations: pd.DataFrame):
    """Window and cooldown ablations: accuracy change and speedup against the fixed baseline, per cell."""
    fig, axes = style.figure("text", aspect=0.45, nrows=2, ncols=2, squeeze=False, sharey="row")
    if ablations.empty:
        for ax in axes.flat:
            _empty(ax, "no ablation runs in this configuration")
        return fig
    main = ablations[ablations["variant"] == "main"]
    # the main run's settings, where the table has its rows; the configuration's defaults otherwise
    main_window = str(main["window"].iloc[0]) if len(main) else str(DEFAULT_WINDOW)
    main_cooldown = main["cooldown"].iloc[0] if len(main) else DEFAULT_COOLDOWN
    cells = sorted(ablations[["dataset", "arch"]].drop_duplicates().itertuples(index=False, name=None))
    colours = _colours(cells)
    for row, (measure, label) in enumerate((("acc_diff", "Accuracy change (points)"), ("speedup", "Speedup (%)"))):
        for col, (factor, selection) in enumerate((
                ("window", ablations[ablations["cooldown"] == main_cooldown]),
                ("cooldown", ablations[ablations["window"].astype(str) == main_window]))):
            ax = axes[row][col]
            for cell in cells:
                part = selection[(selection["dataset"] == cell[0]) & (selection["arch"] == cell[1])]
                if factor == "window":
                    order = sorted(part["window"].astype(str).unique(), key=lambda w: (w == "full", w.zfill(6)))
                    part = part.set_index(part["window"].astype(str)).reindex(order)
                    x = np.arange(len(order))
                    ax.set_xticks(x, order)
                else:
                    part = part.sort_values("cooldown")
                    x = part["cooldown"].to_numpy(float)
                mean = part[measure].to_numpy(float) * 100
                yerr = np.vstack([np.nan_to_num(mean - part[f"{measure}_low"].to_numpy(float) * 100),
                                  np.nan_to_num(part[f"{measure}_high"].to_numpy(float) * 100 - mean)])
                ax.errorbar(x, mean, yerr=yerr, marker="o", color=colours[cell], capsize=1.5,
                            label=f"{cell[1]} ({cell[0]})" if row == 0 and col == 0 else None)
            ax.axhline(0, color="black", linewidth=0.5)
            ax.set_xlabel("Window (epochs)" if factor == "window" else "Cooldown (epochs)")
            if col == 0:
                ax.set_ylabel(label)
    fig.legend(loc="outside upper center", ncols=min(4, len(cells)))
    return fig


def fig_throughput(throughput: pd.DataFrame, hardware_table: pd.DataFrame):
    """Left: throughput against batch size per architecture. Right: predicted vs measured speedup per run."""
    from deba.analysis.hardware import throughput_curve

    fig, axes = style.figure("text", aspect=0.36, ncols=2, squeeze=False)
    left, right = axes[0]
    curves = throughput_curve(throughput)
    keys = sorted(curves[["dataset", "arch"]].drop_duplicates().itertuples(index=False, name=None))
    colours = _colours(sorted({arch for _, arch in keys}))
    for dataset, arch in keys:
        curve = curves[(curves["dataset"] == dataset) & (curves["arch"] == arch)]
        left.plot(curve["batch_size"], curve["images_per_s"], marker="o", color=colours[arch],
                  label=f"{arch} ({dataset})")
    if keys:
        left.set_xscale("log", base=2)
        left.set_yscale("log")
        left.legend()
    else:
        _empty(left, "no throughput profiles")
    left.set_xlabel("Batch size")
    left.set_ylabel("Training throughput (images/s)")
    deba = hardware_table[(hardware_table["scheduler"] == MAIN_METHOD[0]) &
                          (hardware_table["variant"] == MAIN_METHOD[1])]
    if deba.empty:
        _empty(right, "no DEBA runs with a baseline")
    else:
        for arch, runs in deba.groupby("arch", sort=True):
            right.scatter(runs["predicted_speedup"] * 100, runs["measured_speedup"] * 100, s=9,
                          color=colours.get(arch, PALETTE[0]), label=arch)
        values = np.concatenate([deba["predicted_speedup"], deba["measured_speedup"]]) * 100
        low, high = np.nanmin(values), np.nanmax(values)
        pad = 0.05 * (high - low) + 1
        right.plot([low - pad, high + pad], [low - pad, high + pad], color="black", linewidth=0.5,
                   linestyle="--", label="measured = predicted")
        right.legend()
    right.set_xlabel("Speedup predicted by throughput (%)")
    right.set_ylabel("Measured speedup (%)")
    return fig


# name -> (function, the tables it takes, in order). layout.FIGURE_INPUTS is the one list of the figures and
# their tables; figure <name> is drawn by fig_<name> above.
FIGURES: dict[str, tuple[Callable, tuple[str, ...]]] = {name: (globals()[f"fig_{name}"], inputs)
                                                        for name, inputs in FIGURE_INPUTS.items()}


def render(name: str, tables: dict[str, str | Path], output: str | Path) -> Path:
    """Make figure `name` from the CSV files in `tables` (name -> path) and save it byte-stably."""
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; known: {sorted(FIGURES)}")
    function, needed = FIGURES[name]
    missing = [t for t in needed if t not in tables]
    if missing:
        raise KeyError(f"figure {name!r} needs table(s) {missing}")
    frames = [pd.read_csv(tables[t]) for t in needed]
    return style.save_figure(function(*frames), output)
