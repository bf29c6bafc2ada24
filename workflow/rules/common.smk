"""Helpers shared by all rule files, namely the grid of runs, file locations, and what the current run may do.

Only pure-Python parts of the library are imported here (never torch), so parsing stays fast.
"""

import os
import shutil
import sys

# Jobs run this checkout's src/, whatever else their environment has installed (the conda environment of
# `--sdm conda` holds only the dependencies; a venv may hold a non-editable install of another checkout).
# Rules carry CODE_VERSION and module digests hashed from these files as params, so the code a job imports
# must be the code that was hashed. PYTHONPATH reaches every job: `script:` jobs (their own Python
# process), shell jobs, and SLURM jobs (which inherit the environment). Snakemake drops PYTHONPATH inside
# conda environments unless told not to, so profiles/default sets conda-not-block-search-path-envvars.
SRC_DIR = os.path.join(workflow.basedir, "src")
if os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] != SRC_DIR:  # a job re-parsing this keeps one entry
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC_DIR, os.environ.get("PYTHONPATH")]))
if SRC_DIR not in sys.path:
    sys.path.insert(0, SRC_DIR)  # this process too: CODE_VERSION below hashes the files jobs will import


# Declared so that executors which do not inherit this process's environment pass it on to their jobs.
envvars:
    "PYTHONPATH",


# The conda environment each job gets with `snakemake --sdm conda` (README: The workflow); the path is
# relative to workflow/rules/, the folder of every rule file.
DEBA_ENV = "../envs/deba.yaml"

from deba.config import ConfigError
from deba.grid import Run, run_dir, training_settings, validate_grid
from deba.provenance import code_version
from paperkit.rules import module_digest

try:
    RUNS = validate_grid(config)
except ConfigError as error:
    raise WorkflowError(f"config: {error}") from None

# Training code version: a rule parameter, so changing code that can change a result reruns training.
CODE_VERSION = code_version()

HAS_GPU = bool(shutil.which("nvidia-smi")) and config["device"] != "cpu"


def training_runs():
    """Every Run(dataset, arch, scheduler, variant, seed) of the grid."""
    return RUNS


def run_file(run, name):
    """A result file ('summary.json', 'epochs.csv' or 'config.json') of one run."""
    return f"{run_dir(run)}/{name}"


def cells():
    """Every (dataset, arch) pair of the grid."""
    return [(dataset, arch) for dataset in config["datasets"] for arch in config["architectures"]]


def throughput_file(dataset, arch):
    """The measured throughput-vs-batch-size profile of an architecture."""
    return f"results/characterization/{dataset}/{arch}/throughput.csv"


def thresholds_file(dataset, arch):
    """DEBA's thresholds derived from the fixed-batch baseline runs of a cell."""
    return f"results/characterization/{dataset}/{arch}/thresholds.json"


def baseline_epochs(wildcards):
    """epochs.csv of every fixed-batch seed of a cell: the input of its characterization."""
    return [run_file(Run(wildcards.dataset, wildcards.arch, "fixed", "main", seed), "epochs.csv")
            for seed in config["seeds"]]


def pdf_if_latex_available():
    """paper/main.pdf when latexmk is installed; otherwise nothing, with a note saying so."""
    if shutil.which("latexmk"):
        return [PAPER_PDF]
    print("Note: latexmk is not installed, so paper/main.pdf is not built; every figure, table and macro "
          "still is. Install LaTeX (README: Troubleshooting) and rerun to get the PDF.")
    return []


def figures_only():
    """True while building the DAG for `snakemake figures` (targets are known only after parsing)."""
    settings = workflow.dag_settings
    return settings is not None and "figures" in set(settings.targets or ())


def cached_results(files):
    """Declare training and characterization results as inputs, except for `snakemake figures`.

    That target must never train: there the results are not declared (so no training job can enter the
    DAG, whatever changed) and each must already exist; a missing one is an error that names it and the
    rule that makes it. Rules using this also pass the same files as a param for their script to read.
    """
    if not figures_only():
        return files
    missing = [path for path in files if not os.path.exists(path)]
    if missing:
        shown = "\n  ".join(missing[:20]) + (f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else "")
        raise WorkflowError(f"`snakemake figures` uses cached results only, and {len(missing)} are missing "
                            f"(made by rules train, thresholds or throughput; run `snakemake --cores all` "
                            f"first):\n  {shown}")
    return []
