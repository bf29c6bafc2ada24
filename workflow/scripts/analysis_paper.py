"""Snakemake adapter of rule `paper`: latexmk in paper/, failing on undefined references (deba.analysis.paper)."""

from pathlib import Path

from deba.analysis.paper import build_paper
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    main = Path(snakemake.input.main)  # noqa: F821
    pdf = build_paper(main.parent, main=main.name)
    print(f"built {pdf}")
