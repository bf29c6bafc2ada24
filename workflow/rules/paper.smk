"""paper/main.pdf with latexmk, from the hand-written sources and every generated fragment."""

from pathlib import Path

# latexmk_available(): True when latexmk and pdflatex are installed, i.e. when PAPER_PDF can be built.
from deba.analysis.paper import BUILD_DIR as PAPER_BUILD_DIR, latexmk_available

PAPER_PDF = "paper/main.pdf"
# Hand-written sources; sections/smells.tex is written by the smells study (its rules provide it if absent).
PAPER_SOURCES = sorted({*map(str, Path("paper/sections").glob("*.tex")), "paper/sections/smells.tex",
                        "paper/references.bib"})


# Where Snakemake runs, also on a cluster: that is where pdf_if_latex_available() (common.smk) found latexmk.
localrules:
    paper_pdf,


rule paper_pdf:
    """latexmk -pdf on a copy of the inputs in results/paper-build/ (latexmk's files stay there, out of paper/);
    fails on undefined references or citations and missing figures."""
    input:
        main="paper/main.tex",
        sources=PAPER_SOURCES,
        generated=DEBA_TARGETS,
        # What main.tex inputs besides DEBA_TARGETS and the hand-written sources, each list made afresh by
        # its rule file: the smells section's outputs (smells.smk) and the recorded sets' sections
        # (recorded.smk). Read when the DAG is built, so the order of the `include:` lines does not matter;
        # never a list that rule files append to, which would keep a previous parse's entries when one
        # process parses the workflow twice (the DAG tests do).
        extra=lambda wildcards: globals().get("SMELLS_TARGETS", []) + globals().get("RECORDED_PAPER_INPUTS", []),
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
