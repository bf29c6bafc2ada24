"""One job per figure of the smells section (smells.figures), from the study's small result files."""


rule smells_figure:
    input:
        unpack(lambda wildcards: smells_layout.sources(smells_layout.FIGURE_INPUTS[wildcards.name], SMELLS_DIR)),
    output:
        report(smells_layout.figure_path("{name}"), caption="../report/smells_figure.rst", category="Smells study",
               subcategory="Figures"),
    wildcard_constraints:
        name="|".join(smells_layout.FIGURE_INPUTS),
    params:
        code=script_code("smells_figure.py"),
    log:
        smells_layout.log_path(SMELLS_DIR, "figure_{name}"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_figure.py"
