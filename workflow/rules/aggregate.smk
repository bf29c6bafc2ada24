"""Aggregate every run folder and characterization file into small tidy tables (results/aggregate/)."""

from deba.analysis import layout

AGGREGATE = {name: layout.source_path(name) for name in layout.AGGREGATE_FILES}


# Every result file of the grid, by kind; read by the aggregate script from `params` (see cached_results).
RESULT_FILES = {
    "summaries": [run_file(run, contract.SUMMARY_FILE) for run in RUNS],
    "epochs": [run_file(run, contract.EPOCHS_FILE) for run in RUNS],
    "configs": [run_file(run, contract.CONFIG_FILE) for run in RUNS],
    "throughput": [throughput_file(dataset, arch) for dataset, arch in cells()],
    "thresholds": [thresholds_file(dataset, arch) for dataset, arch in cells()],
}

# The config keys the runs' settings come from (deba.grid.training_settings): the aggregate script rebuilds
# from them the TrainConfig train_run.py gives each run and compares it with what the run folder recorded.
GRID_CONFIG = {key: config[key] for run in RUNS for key in training_settings(config, run) if key in config}


rule aggregate:
    """runs.csv (one row per run: summary + config + provenance), epochs.csv (every epoch row, keyed by run),
    throughput.csv and thresholds.csv (one block per cell). Refuses run folders trained under other settings
    than the config gives them, and mixed code versions unless allowed. The grid manifest reruns it when
    the set of runs changes, whatever Snakemake remembers (common.smk)."""
    input:
        grid=GRID_MANIFEST,
        results=lambda wildcards: cached_results([path for paths in RESULT_FILES.values() for path in paths]),
    output:
        **AGGREGATE,
    params:
        files=RESULT_FILES,
        cells=cells(),
        runs=[list(run) for run in RUNS],
        grid=GRID_CONFIG,
        allow_mixed_code_versions=config["allow_mixed_code_versions"],
        code=script_code("analysis_aggregate.py"),
    log:
        "results/logs/analysis/aggregate.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_aggregate.py"
