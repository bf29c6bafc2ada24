"""Fixtures for the analysis tests: a hand-made result set with known effects, aggregated and analysed."""

from __future__ import annotations

import pytest

from .analysis_resultset import analyse_result_set, write_result_set


@pytest.fixture(scope="session")
def result_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    return root, write_result_set(root)


@pytest.fixture(scope="session")
def analysed(result_set):
    """The result set aggregated and analysed (few resamples, for speed)."""
    root, files = result_set
    aggregate_out, stats_out, tables = analyse_result_set(root, files, n_resamples=999)
    return root, aggregate_out, stats_out, tables
