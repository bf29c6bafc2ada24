"""Smells study (src/smells): corpus -> scan -> statistics and stages -> figures, tables and macros.

One rule file per stage (smells_<stage>.smk, included below); every path comes from `smells.layout`. The
scan is the only expensive step; everything after it reads its CSVs. The RIdiom and ruff cross-checks run
only when those optional tools are installed (checked here without importing them). Besides DEBA_ENV and
script_code (common.smk) nothing here needs the DEBA rules: a Snakefile that defines those two and includes
this file runs the study alone (tests/smells/test_workflow.py does).
"""

from snakemake.utils import validate

from smells import layout as smells_layout
from smells.rules import installed_fingerprint, installed_tools, python_files

validate(config["smells"], "../schemas/smells.schema.yaml")
SMELLS = config["smells"]
SMELLS_NAME = smells_layout.corpus_name(SMELLS["corpus"])
SMELLS_DIR = smells_layout.study_dir(SMELLS_NAME)
# This run's corpus and the recorded ones (small tables committed under recorded/) shown beside it.
SMELLS_STUDIES = smells_layout.studies(SMELLS_NAME, SMELLS["recorded"])
# The optional cross-checks whose tool is installed: the tables and macros ask for those files only.
SMELLS_TOOLS = installed_tools()

# Every figure, table and the macros of the paper's smells section; paper.smk's PDF rule takes them as inputs.
SMELLS_TARGETS = smells_layout.targets()


include: "smells_corpus.smk"
include: "smells_scan.smk"
include: "smells_statistics.smk"
include: "smells_cross_checks.smk"
include: "smells_microbench.smk"
include: "smells_self_scan.smk"
include: "smells_figures.smk"
include: "smells_tables.smk"


rule smells:
    """The smells study alone (figures, tables, macros of its paper section); never trains DEBA."""
    input:
        SMELLS_TARGETS,
