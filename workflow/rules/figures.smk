"""One job per figure, reading only the small aggregated and statistics CSVs (paper/generated/figures/)."""

DEBA_FIGURES = [layout.figure_path(name) for name in layout.FIGURE_INPUTS]


rule figure:
    input:
        unpack(lambda wildcards: layout.figure_sources(wildcards.name)),
    output:
        report(layout.figure_path("{name}"), caption="../report/deba_figure.rst", category="DEBA figures"),
    wildcard_constraints:
        name="|".join(layout.FIGURE_INPUTS),
    params:
        code=script_code("analysis_figure.py"),
    log:
        "results/logs/analysis/figure_{name}.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_figure.py"
