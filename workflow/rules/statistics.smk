"""Statistics across seeds, characterization, hardware-vs-optimization, ablations and claims (results/stats/)."""

STATS = {name: layout.source_path(name) for name in layout.STATS_FILES}
# Bootstrap resamples for every interval; the paper quotes this number (macro \DebaBootstrapResamples).
ANALYSIS_RESAMPLES = config.get("bootstrap_resamples", 9999)


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
        code=module_digest("deba.analysis.pipeline", "deba.analysis.load", "deba.analysis.comparisons",
                                  "deba.analysis.characterization", "deba.analysis.hardware",
                                  "deba.analysis.predictive", "deba.analysis.ablations", "deba.analysis.claims",
                                  "paperkit.stats"),
    log:
        "results/logs/analysis/statistics.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_statistics.py"
