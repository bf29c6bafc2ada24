"""Statistics across seeds, characterization, hardware-vs-optimization, ablations and claims (results/stats/)."""

STATS = {name: layout.source_path(name) for name in layout.STATS_FILES}
# Bootstrap resamples for every interval; the paper quotes this number (macro \DebaBootstrapResamples).
ANALYSIS_RESAMPLES = config["bootstrap_resamples"]


rule statistics:
    input:
        runs=AGGREGATE["runs"],
        epochs=AGGREGATE["epochs"],
        throughput=AGGREGATE["throughput"],
    output:
        **STATS,
    params:
        n_resamples=ANALYSIS_RESAMPLES,
        seed=0,
        allow_mixed_devices=config["allow_mixed_devices"],
        code=script_code("analysis_statistics.py"),
    log:
        "results/logs/analysis/statistics.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_statistics.py"
