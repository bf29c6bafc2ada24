"""Figures, tables and macros from the analysed result set: every figure renders, outputs are byte-stable,
awkward names are escaped, and a degenerate grid (one seed, no ablations, no comparators) still renders."""

import hashlib
import re

import pandas as pd
import pytest

from deba.analysis import aggregation, figures, layout, macros, pipeline, pricing, tables
from deba.analysis import claims as claim_rules
from deba.analysis.render import render_all

from .analysis_resultset import Grid, price_result_set, write_result_set


def _sources(analysed):
    _, aggregate_out, stats_out, _ = analysed
    return {**aggregate_out, **stats_out}


def test_registries_match_layout():
    assert set(figures.FIGURES) == set(layout.FIGURE_INPUTS)
    assert set(tables.TABLES) == set(layout.TABLE_INPUTS)
    for needed in [*layout.FIGURE_INPUTS.values(), *layout.TABLE_INPUTS.values(), layout.MACRO_INPUTS]:
        for table in needed:
            layout.source_path(table)  # raises KeyError for an unknown table


@pytest.mark.parametrize("name", sorted(layout.FIGURE_INPUTS))
def test_every_figure_renders_byte_stably(analysed, tmp_path, name):
    sources = _sources(analysed)
    first = figures.render(name, sources, tmp_path / f"{name}.pdf").read_bytes()
    second = figures.render(name, sources, tmp_path / f"{name}-again.pdf").read_bytes()
    assert first.startswith(b"%PDF") and len(first) > 1000
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_tables_escape_names_and_count_diverged(analysed, tmp_path):
    sources = _sources(analysed)
    main = tables.render("main", sources, tmp_path / "main.tex").read_text()
    assert r"mobilenet\_v3" in main and "mobilenet_v3" not in main.replace(r"mobilenet\_v3", "")
    assert r"\toprule" in main and r"\begin{table*}" in main
    assert "4/5 (1 div.)" in main  # resnet50: one diverged DEBA run, reported
    claims = tables.render("claims", sources, tmp_path / "claims.tex").read_text()
    assert "not run" in claims and "45--62\\%" in claims and "not_run" not in claims
    for name in layout.TABLE_INPUTS:
        tables.render(name, sources, tmp_path / f"{name}.tex")


def test_macros_letters_only_and_traceable(analysed, tmp_path):
    sources = _sources(analysed)
    path = macros.render({name: sources[name] for name in layout.MACRO_INPUTS}, tmp_path / "macros.tex",
                         n_resamples=999)
    text = path.read_text()
    names = re.findall(r"\\newcommand\{\\([^}]*)\}", text)
    assert names and all(re.fullmatch("Deba[A-Za-z]+", n) for n in names) and len(names) == len(set(names))
    assert r"\newcommand{\DebaNumDivergedRuns}{1}" in text
    assert r"\newcommand{\DebaWilcoxonMinPFiveSeeds}{0.0625}" in text
    assert r"\newcommand{\DebaBootstrapResamples}{999}" in text
    assert r"\newcommand{\DebaSpeedupResnetOneEightDigits}{+38.8 [" in text
    assert "MACRO_SOURCES" in text


def test_degenerate_grid_renders(tmp_path):
    """One seed, no ablations, no comparators: statistics are NaN with a note, outputs still build."""
    grid = Grid(archs=("resnet18", "mobilenet_v3"), seeds=(0,), methods=(("deba", "main", 15, 5),), diverged=())
    files = write_result_set(tmp_path, grid)
    aggregate_out = {name: str(tmp_path / "agg" / f"{name}.csv") for name in layout.AGGREGATE_FILES}
    aggregation.aggregate(files["runs"], files["throughput"], files["thresholds"], files["cells"], aggregate_out)
    stats_out = {name: str(tmp_path / "stats" / f"{name}.csv") for name in layout.STATS_FILES}
    result = pipeline.statistics(aggregate_out["runs"], aggregate_out["epochs"], aggregate_out["throughput"],
                                 stats_out, n_resamples=200)
    row = result["comparisons"].iloc[0]
    assert row["n_pairs"] == 1 and "no interval" in row["note"]
    verdicts = result["claims"]["verdict"]
    assert verdicts.eq(claim_rules.INCONCLUSIVE).sum() == 4  # one pair per claim: no interval
    assert verdicts.eq(claim_rules.NOT_RUN).sum() == 5  # ViT-B16 twice, ResNet-50, both ablations
    price_result_set(aggregate_out, stats_out, tmp_path, n_resamples=200)
    written = render_all(aggregate_out, stats_out, tmp_path / "generated", n_resamples=200)
    assert len(written) == len(layout.FIGURE_INPUTS) + len(layout.TABLE_INPUTS) + 1
    assert r"\DebaWindowAccDelta}{n/a}" in (tmp_path / "generated" / "macros.tex").read_text()


def test_the_headline_names_the_kept_batch_pairs_only_when_there_are_some(analysed):
    *_, result = analysed
    pairs = result["pairs"].copy()
    deba = (pairs["scheduler"] == "deba") & (pairs["variant"] == "main")
    pairs.loc[deba, "batch_changes"] = 2
    assert "never changed the batch" not in tables.headline_markdown(result["comparisons"], pairs)
    kept = deba & (pairs["arch"] == "resnet18")
    pairs.loc[kept, ["batch_changes", "speedup"]] = [0, -0.05]
    headline = tables.headline_markdown(result["comparisons"], pairs)
    assert f"after the baselines): \u22125.0 [\u22125.0, \u22125.0] % ({int(kept.sum())} pairs)" in headline


def test_the_priced_speedups_show_beside_the_measured_ones_and_apart_from_the_measured_verdicts(analysed, tmp_path):
    _, _, stats_out, result = analysed
    sources = _sources(analysed)
    priced = tables.render("pricing", sources, tmp_path / "pricing.tex").read_text()
    assert r"\label{tab:pricing}" in priced and "result-set-cpu" in priced and "result-set-paper" in priced
    assert "paper (runs: cpu)" in priced and "no rows" in priced  # scale mismatch; mobilenet_v3 not at paper scale
    claims = tables.render("claims", sources, tmp_path / "claims.tex").read_text()
    assert claims.count(r"\\") == len(result["claims"]) + 1 and "Test GPU" not in claims  # measured only
    predicted = tables.render("predicted_claims", sources, tmp_path / "predicted_claims.tex").read_text()
    assert len(result["predicted_claims"]) == 2 * 4  # two profiles, three speed claims, predictive
    # a claim per row, a profile per column: the header names both profiles, the note their devices
    assert predicted.count(r"\\") == 4 + 1 and {"result-set-cpu", "result-set-paper"} <= set(re.findall(
        r"result-set-\w+", predicted.split(r"\midrule")[0]))
    assert "result-set-paper: Test GPU (fp32), paper-scale profile, cpu-scale runs" in predicted
    assert r"\label{tab:predicted_claims}" in predicted and "not testable" in predicted
    assert "textbackslash" not in predicted  # escaped once, not twice
    headline = tables.headline_markdown(result["comparisons"], result["pairs"], pd.read_csv(stats_out["device_pricing"]))
    assert "predicted on result-set-cpu, % [95% CI]; charged; ceiling, %" in headline
    assert "`result-set-paper`: Test GPU (fp32), paper-scale profile, cpu-scale runs" in headline
    assert pricing.NO_ROWS in headline
    assert headline.startswith(tables.headline_markdown(result["comparisons"], result["pairs"]))


def test_the_stability_figure_tells_cells_with_equal_scores_apart_by_colour_and_marker():
    """Two architectures with the same score and speedup would hide each other's name if written beside the
    points; a colour per architecture and a marker per dataset, both named in the legend, do not."""
    cells = pd.DataFrame({"dataset": ["cifar10", "cifar10", "cifar100"], "arch": ["vit_b16", "resnet18", "resnet18"],
                          "stability_score": [0.94, 0.94, 0.9]})
    comparisons = cells[["dataset", "arch"]].assign(
        scheduler="deba", variant="main", speedup=[0.02, 0.02, -0.1], speedup_low=[-0.01, -0.01, -0.2],
        speedup_high=[0.05, 0.05, 0.0])
    correlations = pd.DataFrame([{"predictor": "stability_score", "outcome": "speedup", "n_cells": 3,
                                  "rho": float("nan"), "rho_low": float("nan"), "rho_high": float("nan")}])
    fig = figures.fig_stability(cells, comparisons, correlations)
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == ["resnet18", "vit_b16", "cifar10", "cifar100"]
    lines = [bars.lines[0] for bars in fig.axes[0].containers]  # one per cell, in the order of (arch, dataset)
    assert [line.get_marker() for line in lines] == ["o", "s", "o"]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
