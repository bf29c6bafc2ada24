"""paper/main.pdf with latexmk, from the hand-written sources and every generated fragment."""

from pathlib import Path

# latexmk_available(): True when latexmk and pdflatex are installed, i.e. when PAPER_PDF can be built.
from deba.analysis.paper import BUILD_DIR as PAPER_BUILD_DIR, latexmk_available

PAPER_PDF = "paper/main.pdf"
# Hand-written sources; sections/smells.tex is written by the smells study (its rules provide it if absent).
PAPER_SOURCES = sorted({*map(str, Path("paper/sections").glob("*.tex")), "paper/sections/smells.tex",
                        "paper/references.bib"})
# Generated fragments of other studies that main.tex inputs: the smells section's outputs (SMELLS_TARGETS,
# from smells.smk) and anything a rule file appends here. Read when the DAG is built, so the order of the
# `include:` lines does not matter.
PAPER_EXTRA_INPUTS = globals().get("PAPER_EXTRA_INPUTS", [])


rule paper_pdf:
    """latexmk -pdf on a copy of the inputs in results/paper-build/ (latexmk's files stay there, out of paper/);
    fails on undefined references or citations and missing figures."""
    input:
        main="paper/main.tex",
        sources=PAPER_SOURCES,
        generated=DEBA_TARGETS,
        extra=lambda wildcards: PAPER_EXTRA_INPUTS + globals().get("SMELLS_TARGETS", []),
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
