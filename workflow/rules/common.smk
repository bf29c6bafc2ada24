"""Helpers shared by all rule files, namely the grid of runs, file locations, and what the current run may do.

Only pure-Python parts of the library are imported here (never torch), so parsing stays fast.
"""

import os
import shutil

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
