"""paper/main.pdf with latexmk, from the hand-written sources and every generated fragment."""

from pathlib import Path

from deba.analysis.paper import BUILD_DIR as PAPER_BUILD_DIR

PAPER_PDF = "paper/main.pdf"
# Hand-written sources.
PAPER_SOURCES = sorted([*map(str, Path("paper/sections").glob("*.tex")), "paper/references.bib"])


# Where Snakemake runs, also on a cluster: that is where pdf_if_latex_available() (common.smk) found latexmk.
localrules:
    paper_pdf,


rule paper_pdf:
    """latexmk -pdf on a copy of the inputs in results/paper-build/ (latexmk's files stay there, out of paper/);
    fails on undefined references or citations and missing figures."""
    input:
        main="paper/main.tex",
        sources=PAPER_SOURCES,
        # Everything main.tex inputs besides the hand-written sources, as each rule file lists it: the DEBA
        # figures, tables and macros (tables.smk), the smells section's (smells.smk) and the recorded sets'
        # (recorded.smk). The Snakefile includes this file after those.
        deba=DEBA_TARGETS,
        smells=SMELLS_TARGETS,
        recorded=RECORDED_PAPER_INPUTS,
    output:
        PAPER_PDF,
    params:
        build_dir=PAPER_BUILD_DIR,
        code=script_code("analysis_paper.py"),
    log:
        "results/logs/analysis/paper.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_paper.py"
