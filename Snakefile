"""Reproduce DEBA (arXiv:2511.03809) and the performance-smells study (arXiv:2504.20224).

    snakemake --cores all                      everything the config asks for, to paper/main.pdf
    snakemake --cores all figures              figures and tables from cached results; never trains
    snakemake --cores all cost                 the grid's device-hours from throughput profiles; never trains
    snakemake --cores all arxiv                results/arxiv.tar.gz: the paper's sources for arXiv, with its .bbl
    snakemake --profile profiles/slurm --configfile config/paper.yaml     the full grid on SLURM
"""

from snakemake.utils import min_version

min_version("9.20")


configfile: "config/config.yaml"
# common.smk validates it against workflow/schemas/config.schema.yaml and fills in every default, as
# `python -m deba.cost`, the benchmarks and the tests do (deba.config_schema).


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/characterization.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/statistics.smk"
include: "workflow/rules/pricing.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/recorded.smk"
include: "workflow/rules/smells.smk"
# After every rule file whose outputs the paper inputs (tables, recorded, smells): paper.smk names their lists.
include: "workflow/rules/paper.smk"
include: "workflow/rules/arxiv.smk"
include: "workflow/rules/readme.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/cost.smk"


rule all:
    input:
        DEBA_TARGETS,
        RECORDED_TARGETS,
        SMELLS_TARGETS,
        README_ASSETS,
        COST_TARGETS,
        "results/report.html",
        pdf_if_latex_available(),
    default_target: True


rule figures:
    """Figures, tables and macros from the results on disk; never trains (see cached_results in common.smk)."""
    input:
        DEBA_TARGETS,
        RECORDED_TARGETS,
        SMELLS_TARGETS,
        README_ASSETS,


rule paper:
    input:
        PAPER_PDF,


rule cost:
    """The grid's device-hours from the throughput profiles alone (results/cost/estimate.md); never trains."""
    input:
        **COST_ESTIMATE,
