"""One job per table of the smells section and one for its macros (smells.report). A cross-check's table
without its tool installed (SMELLS_TOOLS) says so; the `scale` table sets this corpus beside the recorded ones."""


rule smells_table:
    input:
        unpack(lambda wildcards: smells_layout.scale_sources(SMELLS_STUDIES) if wildcards.name == "scale"
               else smells_layout.sources(smells_layout.TABLE_INPUTS[wildcards.name], SMELLS_DIR, SMELLS_TOOLS)),
    output:
        report(smells_layout.table_path("{name}"), caption="../report/smells_table.rst", category="Smells study",
               subcategory="Tables"),
    wildcard_constraints:
        name="|".join(smells_layout.TABLE_INPUTS),
    params:
        studies=lambda wildcards: SMELLS_STUDIES if wildcards.name == "scale" else {},
        code=script_code("smells_table.py"),
    log:
        smells_layout.log_path(SMELLS_DIR, "table_{name}"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_table.py"


rule smells_macros:
    input:
        **smells_layout.sources(smells_layout.MACRO_INPUTS, SMELLS_DIR, SMELLS_TOOLS),
    output:
        smells_layout.MACROS_PATH,
    params:
        corpus=SMELLS_NAME,
        code=script_code("smells_macros.py"),
    log:
        smells_layout.log_path(SMELLS_DIR, "macros"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_macros.py"
