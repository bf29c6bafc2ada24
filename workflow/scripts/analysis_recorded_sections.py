"""Snakemake adapter of rule `recorded_sections`: paper/generated/recorded.tex, which inputs each listed
recorded set's macros and section (deba.analysis.paper.recorded_sections_tex)."""

from pathlib import Path

from deba.analysis.paper import recorded_sections_tex
from paperkit.files import write_text_atomically
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    write_text_atomically(Path(snakemake.output[0]), recorded_sections_tex(snakemake.params.sets))  # noqa: F821
    print(f"{snakemake.output[0]}: recorded sets {snakemake.params.sets or 'none'}")  # noqa: F821
