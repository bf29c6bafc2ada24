"""Aggregate every run folder and characterization file into small tidy tables (results/aggregate/)."""

from deba.analysis import layout

AGGREGATE = {name: layout.source_path(name) for name in layout.AGGREGATE_FILES}


# Every result file of the grid, by kind; read by the aggregate script from `params` (see cached_results).
RESULT_FILES = {
    "summaries": [run_file(run, "summary.json") for run in training_runs()],
    "epochs": [run_file(run, "epochs.csv") for run in training_runs()],
    "configs": [run_file(run, "config.json") for run in training_runs()],
    "throughput": [throughput_file(dataset, arch) for dataset, arch in cells()],
    "thresholds": [thresholds_file(dataset, arch) for dataset, arch in cells()],
}


rule aggregate:
    """runs.csv (one row per run: summary + config + provenance), epochs.csv (every epoch row, keyed by run),
    throughput.csv and thresholds.csv (one block per cell). Refuses mixed code versions unless allowed."""
    input:
        lambda wildcards: cached_results([path for paths in RESULT_FILES.values() for path in paths]),
    output:
        **AGGREGATE,
    params:
        files=RESULT_FILES,
        cells=cells(),
        allow_mixed_code_versions=config.get("allow_mixed_code_versions", False),
        code=module_digest("deba.analysis.load", "deba.analysis.pipeline"),
    log:
        "results/logs/analysis/aggregate.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_aggregate.py"
