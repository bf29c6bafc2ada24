"""Fixtures for the analysis tests: a hand-made result set with known effects, aggregated and analysed."""

from __future__ import annotations

import pytest

from .analysis_resultset import price_result_set, write_result_set


@pytest.fixture(scope="session")
def result_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    return root, write_result_set(root)


@pytest.fixture(scope="session")
def analysed(result_set):
    """The result set aggregated and analysed (few resamples, for speed)."""
    from deba.analysis import aggregation, layout, pipeline

    root, files = result_set
    aggregate_out = {name: str(root / "aggregate" / f"{name}.csv") for name in layout.AGGREGATE_FILES}
    aggregation.aggregate(files["runs"], files["throughput"], files["thresholds"], files["cells"], aggregate_out)
    stats_out = {name: str(root / "stats" / f"{name}.csv") for name in pipeline.STATS_FILES}
    tables = pipeline.statistics(aggregate_out["runs"], aggregate_out["epochs"], aggregate_out["throughput"],
                                 stats_out, n_resamples=999)
    tables.update(price_result_set(aggregate_out, stats_out, root, n_resamples=999))
    return root, aggregate_out, stats_out, tables
