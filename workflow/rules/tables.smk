"""LaTeX tables and the macro file with every number the prose quotes (paper/generated/)."""

DEBA_TABLES = [layout.table_path(name) for name in layout.TABLE_INPUTS]
DEBA_MACROS = layout.MACROS_PATH


rule table:
    input:
        unpack(lambda wildcards: layout.table_sources(wildcards.name)),
    output:
        report(layout.table_path("{name}"), caption="../report/deba_table.rst", category="DEBA tables"),
    wildcard_constraints:
        name="|".join(layout.TABLE_INPUTS),
    params:
        code=script_code("analysis_table.py"),
    log:
        "results/logs/analysis/table_{name}.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_table.py"


rule macros:
    input:
        **{table: layout.source_path(table) for table in layout.MACRO_INPUTS},
    output:
        DEBA_MACROS,
    params:
        n_resamples=ANALYSIS_RESAMPLES,
        code=script_code("analysis_macros.py"),
    log:
        "results/logs/analysis/macros.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_macros.py"


# Every final output of the DEBA analysis; `rule all` and `rule figures` ask for these.
DEBA_TARGETS = DEBA_FIGURES + DEBA_TABLES + [DEBA_MACROS]
