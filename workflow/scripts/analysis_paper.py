"""Snakemake adapter of rule `paper_pdf`: latexmk on a copy of the paper's inputs in results/paper-build/,
failing on undefined references, then the PDF to paper/main.pdf (deba.analysis.paper)."""

from deba.analysis.paper import build_paper_copy
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    pdf = build_paper_copy(snakemake.input, snakemake.input.main, snakemake.params.build_dir,  # noqa: F821
                           snakemake.output[0])  # noqa: F821
    print(f"built {pdf} in {snakemake.params.build_dir}")  # noqa: F821
