"""Recorded sets in the paper beside the config's own results (config `paper_recorded_sets`): the default
run's paper carries the recorded CIFAR-10 CPU-scale run (recorded/cifar-cpu) as a section of its own.

Per set: statistics recomputed by the current analysis code from the set's recorded aggregate tables
(results/recorded/NAME/stats/), its runs priced on the config's stored device profiles (pricing.smk), then every figure, table and the macro file with the set's own macro prefix
and table labels (paper/generated/recorded/NAME/), and the hand-written section paper/recorded/NAME.tex;
paper/generated/recorded.tex inputs them all (nothing when the list is empty). Nothing here trains, so
`snakemake figures` makes these too. The statistics and asset jobs claim every local core: they are cheap,
and no training run is timed beside them.
"""

RECORDED_TARGETS = [path for name in PAPER_RECORDED_SETS for path in recorded_assets(name)] + [
    layout.RECORDED_SECTIONS_PATH]
# paper.smk reads this when the DAG is built: the paper inputs the sets' sections, macros, figures and tables.
RECORDED_PAPER_INPUTS = RECORDED_TARGETS + [
    layout.recorded_section_path(name) for name in PAPER_RECORDED_SETS]


rule recorded_statistics:
    """A recorded set's statistics from its recorded aggregate tables, by the current analysis code."""
    input:
        runs=layout.recorded_source_path("{name}", "runs"),
        epochs=layout.recorded_source_path("{name}", "epochs"),
        throughput=layout.recorded_source_path("{name}", "throughput"),
    output:
        **recorded_stats("{name}"),
    params:
        n_resamples=ANALYSIS_RESAMPLES,
        seed=0,
        allow_mixed_devices=config["allow_mixed_devices"],
        code=script_code("analysis_statistics.py"),
    log:
        "results/logs/analysis/recorded_{name}_statistics.log",
    threads: local_cores()
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_statistics.py"


rule recorded_pricing:
    """A recorded set's runs priced on the stored device profiles the config names (`price_on`)."""
    input:
        runs=layout.recorded_source_path("{name}", "runs"),
        epochs=layout.recorded_source_path("{name}", "epochs"),
        profiles=PRICING_PROFILES,
    output:
        **{table: layout.recorded_source_path("{name}", table) for table in layout.PRICING_FILES},
    params:
        price_on=PRICE_ON,
        n_resamples=ANALYSIS_RESAMPLES,
        seed=0,
        code=script_code("analysis_pricing.py"),
    log:
        "results/logs/analysis/recorded_{name}_pricing.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_pricing.py"


rule recorded_assets:
    """A recorded set's figures, tables and macros, with the set's own macro, label and caption prefixes
    (deba.analysis.render.recorded_prefixes: a function of the set's name, so the name is the only param)."""
    input:
        **{table: layout.recorded_source_path("{name}", table) for table in layout.AGGREGATE_FILES},
        **recorded_stats("{name}"),
        **{table: layout.recorded_source_path("{name}", table) for table in layout.PRICING_FILES},
    output:
        recorded_assets("{name}"),
    params:
        n_resamples=ANALYSIS_RESAMPLES,
        code=script_code("analysis_recorded_assets.py"),
    log:
        "results/logs/analysis/recorded_{name}_assets.log",
    threads: local_cores()
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_recorded_assets.py"


rule recorded_sections:
    """paper/generated/recorded.tex: each listed set's macros and section, in the config's order."""
    output:
        layout.RECORDED_SECTIONS_PATH,
    params:
        sets=PAPER_RECORDED_SETS,
        code=script_code("analysis_recorded_sections.py"),
    log:
        "results/logs/analysis/recorded_sections.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_recorded_sections.py"
