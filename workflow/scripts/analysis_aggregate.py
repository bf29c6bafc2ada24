"""Snakemake adapter of rule `aggregate`: run folders -> results/aggregate/*.csv (deba.analysis.aggregation),
after checking that every run folder was trained with the settings the current config gives it."""

from pathlib import Path

from deba import contract
from deba.analysis import aggregation
from deba.analysis.load import LOCATION_FIELDS, check_runs_match_grid
from deba.grid import Run, run_dir, train_config, training_settings
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    params = snakemake.params  # noqa: F821
    runs = [Run(*run) for run in params.runs]
    # What train_run.py gives each run, less where its data lived and its threads (LOCATION_FIELDS).
    expected = {run_dir(run): train_config(run, training_settings(params.grid, run),
                                           thresholds=contract.thresholds_file(run.dataset, run.arch)
                                           if run.scheduler == "deba" else None).to_dict() for run in runs}
    check_runs_match_grid(expected, ignore=LOCATION_FIELDS)
    files = params.files  # the rule's inputs, by kind
    aggregation.aggregate(
        [Path(summary).parent for summary in files["summaries"]],
        files["throughput"], files["thresholds"], params.cells,
        dict(snakemake.output.items()),  # noqa: F821
        allow_mixed_code_versions=params.allow_mixed_code_versions)
