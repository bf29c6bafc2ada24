"""Helpers shared by all rule files, namely the grid of runs, file locations, and what the current run may do.

Only pure-Python parts of the library are imported here (never torch), so parsing stays fast.
"""

import os
import shutil
import sys

# Jobs run this checkout's src/, whatever else their environment has installed (the conda environment of
# `--sdm conda` holds only the dependencies; a venv may hold a non-editable install of another checkout).
# Rules carry digests of the modules their scripts import from these files as params (script_code), so the
# code a job imports must be the code that was hashed. PYTHONPATH reaches every job: `script:` jobs (their own Python
# process), shell jobs, and SLURM jobs (which inherit the environment). Snakemake drops PYTHONPATH inside
# conda environments unless told not to, so profiles/default sets conda-not-block-search-path-envvars.
# The Snakefile is workflow/Snakefile (Snakemake's standard layout); the repository root is its parent.
REPO_DIR = os.path.dirname(workflow.basedir)
SRC_DIR = os.path.join(REPO_DIR, "src")
if os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] != SRC_DIR:  # a job re-parsing this keeps one entry
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC_DIR, os.environ.get("PYTHONPATH")]))
if SRC_DIR not in sys.path:
    sys.path.insert(0, SRC_DIR)  # this process too: the grid below is built by the code jobs will import


# Declared so that executors which do not inherit this process's environment pass it on to their jobs.
envvars:
    "PYTHONPATH",


# The conda environment each job gets with `snakemake --sdm conda` (docs/workflow.md: Software); the path is
# relative to workflow/rules/, the folder of every rule file.
DEBA_ENV = "../envs/deba.yaml"

import json
from pathlib import Path

from deba import contract
from deba.analysis import layout
from deba.analysis.paper import latexmk_available
from deba import config_schema
from deba.config_schema import ConfigError, validate_config
from deba.grid import TIMING_CONTROL, Run, run_dir, training_settings, validate_grid
from deba.prepare import PREPARED_DATASETS
from deba.recorded import MANIFEST as RECORDED_MANIFEST
from deba.walltime import Walltimes
from paperkit.closure import digest_modules, module_closure
from paperkit.files import write_text_atomically

# The config validated against workflow/schemas/config.schema.yaml, every default filled in (the loader
# `python -m deba.cost`, the benchmarks and the tests use too), and every
# Run(dataset, arch, scheduler, variant, seed) of its grid (deba.grid.training_runs), each run's settings checked.
try:
    validate_config(config)
    RUNS = validate_grid(config)
except ConfigError as error:
    raise WorkflowError(f"config: {error}") from None

SCRIPTS_DIR = os.path.join(workflow.basedir, "scripts")
_SCRIPT_CODE = {}


def script_code(script):
    """A digest of every project module that workflow/scripts/`script` imports, transitively (paperkit.closure;
    read with ast, nothing imported), for the `code` param of the rules running that script. Snakemake tracks
    the script itself; this makes an edit of any module it runs rerun them, and of no other module. A script
    that imports deba.config_schema reads the config schema's defaults, bounds and choices as code: their
    digest is part of its own (config_schema.rules_digest; the descriptions are not)."""
    if script not in _SCRIPT_CODE:
        modules = module_closure([os.path.join(SCRIPTS_DIR, script)], src=SRC_DIR)
        digest = digest_modules(modules)
        if "deba.config_schema" in modules:
            digest = f"{digest}-{config_schema.rules_digest()}"
        _SCRIPT_CODE[script] = digest
    return _SCRIPT_CODE[script]

# Whether training and throughput jobs ask for a GPU (resource `gpu`) when they run where Snakemake runs:
# always under `device: cuda`; under `device: auto` when this machine shows one (`--resources gpu=N` then
# limits how many run at once). This says nothing about a cluster's nodes: profiles/slurm sets the resource
# per rule itself. Either way a job given a GPU checks that it has one before it loads any data, and fails
# at once naming its host if not (deba.device.start_job_device), rather than train on the CPU.
ASK_FOR_GPU = config["device"] == "cuda" or (config["device"] == "auto" and bool(shutil.which("nvidia-smi")))


# Threads of a training run: one, so a local run trains one run per core. On the 2-core development machine
# (benchmarks/results/timing_noise.md) two timings of identical work spread as much when one run has every
# core to itself as when one-thread runs go side by side, and side by side gets through more runs per hour;
# at one thread a run's numbers do not depend on the machine's core count. `--set-threads train=N` (or a profile's
# set-threads, as profiles/slurm has) overrides it.
TIMED_JOB_THREADS = 1


def rule_threads(rule, default):
    """The threads a rule's jobs get: `--set-threads` (or a profile's `set-threads`) if it names the rule."""
    override = workflow.resource_settings.overwrite_threads.get(rule)
    value = getattr(override, "value", override)
    return value if isinstance(value, int) else default


# The threads training runs with, overrides included. A throughput profile times training steps at this
# count and claims every local core while it does (local_cores): at batch sizes up to max_batch it is the most
# memory-hungry job there is, and a training run beside it took longer than its A/A twin (docs/timing.md:
# One thread per timed job).
TRAIN_THREADS = rule_threads("train", TIMED_JOB_THREADS)


def local_cores():
    """Every core Snakemake may use locally (1 in a dry run, which is given none)."""
    cores = workflow.resource_settings.cores
    return cores if isinstance(cores, int) and 0 < cores < sys.maxsize else 1


def run_file(run, name):
    """A result file ('summary.json', 'epochs.csv' or 'config.json') of one run."""
    return f"{run_dir(run)}/{name}"


def cells():
    """Every (dataset, arch) pair of the grid."""
    return [(dataset, arch) for dataset in config["datasets"] for arch in config["architectures"]]


# The measured throughput-vs-batch-size profile of an architecture, and DEBA's thresholds derived from the
# fixed-batch baseline runs of a cell (paths: deba.contract).
throughput_file = contract.throughput_file
thresholds_file = contract.thresholds_file


# What rule prepare_data writes once a dataset is ready under data_root (data.smk); training runs wait for it.
DATA_MANIFEST = "results/data/{dataset}.json"


def data_manifest(dataset):
    """The prepare_data manifest a training run of `dataset` waits for; none where nothing is prepared."""
    return [DATA_MANIFEST.format(dataset=dataset)] if dataset in PREPARED_DATASETS else []


def site_max_runtime():
    """The site's longest walltime in minutes (environment variable DEBA_SLURM_MAX_RUNTIME), or None."""
    value = os.environ.get("DEBA_SLURM_MAX_RUNTIME", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise WorkflowError(f"DEBA_SLURM_MAX_RUNTIME={value!r}: allowed is a whole number of minutes, at least 1 "
                            "(the GPU partition's MaxTime; docs/cluster.md)")
    return int(value)


# The `runtime` (minutes) of training and throughput jobs: the cost estimate of each run on its cell's
# throughput profile, with a margin; a fallback until that profile exists (deba.walltime, docs/cluster.md).
WALLTIMES = Walltimes(config, throughput_file, site_max_runtime())


def baseline_epochs(wildcards):
    """epochs.csv of every fixed-batch seed of a cell: the input of its characterization."""
    return [run_file(Run(wildcards.dataset, wildcards.arch, "fixed", "main", seed), contract.EPOCHS_FILE)
            for seed in config["seeds"]]


# The grid this config asks for, written to GRID_MANIFEST while the workflow is parsed, and only when its
# content differs from what the file holds: its modification time then says when the grid last changed. The
# rules that read a set of runs or cells (aggregate, cost_estimate) take it as an input, so a different grid
# reruns them even where Snakemake has no record of their params (`.snakemake/` removed, results/ copied
# from another checkout): Snakemake's mtime check needs no metadata. A dry run with another config rewrites
# it too, so the next run with the first config aggregates once more (training is never affected).
GRID_MANIFEST = layout.GRID_MANIFEST
GRID = {"runs": [run_dir(run) for run in RUNS], "cells": [list(cell) for cell in cells()],
        "training": training_settings(config)}


def write_grid_manifest(path=GRID_MANIFEST, grid=GRID):
    """Write the grid manifest if its content changed (keeping its modification time otherwise)."""
    text = json.dumps(grid, indent=1, sort_keys=True) + "\n"
    target = Path(path)
    if not target.is_file() or target.read_text() != text:
        write_text_atomically(target, text)


# The report rule's `snakemake --report` parses this workflow again without this run's --config overrides.
if not os.environ.get("DEBA_REPORT_ONLY"):
    write_grid_manifest()


def pdf_if_latex_available():
    """paper/main.pdf when latexmk and pdflatex are installed; otherwise nothing, with a note saying so."""
    if latexmk_available():
        return [PAPER_PDF]
    print("Note: latexmk or pdflatex is not installed, so paper/main.pdf is not built; every figure, table and "
          "macro still is. Install LaTeX (README: Troubleshooting) and rerun to get the PDF.")
    return []


def figures_only():
    """True while building the DAG for `snakemake figures` (targets are known only after parsing)."""
    settings = workflow.dag_settings
    return settings is not None and "figures" in set(settings.targets or ())


def cached_results(files):
    """Training and characterization results as inputs; under `snakemake figures` each must already exist.

    That target must never train, and a missing result is an error naming it and the rule that makes it.
    The inputs are the same under both targets, so neither changes what the other sees as a rule's input
    set (which would make each rerun aggregation and everything after it); under `figures` the rules that
    make them have no producible job (producer_input), so the files on disk are taken as they are.
    """
    if figures_only():
        missing = [path for path in files if not os.path.exists(path)]
        if missing:
            shown = "\n  ".join(missing[:20]) + (f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else "")
            raise WorkflowError(f"`snakemake figures` uses cached results only, and {len(missing)} are missing "
                                f"(made by rules train, thresholds or throughput; run `snakemake --cores all` "
                                f"first):\n  {shown}")
    return files


# Under `snakemake figures` the inputs of train, thresholds and throughput jobs: a file no rule makes. Such a
# job cannot be built, so Snakemake takes the existing result files as source files and never trains.
NOT_UNDER_FIGURES = "results/.not-made-under-snakemake-figures"


def producer_input(files):
    """Input function of the rules that make cached results: `files` normally, unbuildable under `figures`."""
    return [NOT_UNDER_FIGURES] if figures_only() else files


# Recorded sets the paper shows beside this config's results (recorded.smk).
PAPER_RECORDED_SETS = config["paper_recorded_sets"]


def check_recorded_sets(names):
    """Refuse, while parsing, a listed set that has no recorded folder or no section in paper/recorded/."""
    available = sorted(path.parent.name for path in Path(layout.RECORDED_DIR).glob(f"*/{RECORDED_MANIFEST}")
                       if Path(layout.recorded_section_path(path.parent.name)).is_file())
    for name in names:
        expected = (f"{layout.RECORDED_DIR}/{name}/{RECORDED_MANIFEST}", layout.recorded_section_path(name))
        missing = [path for path in expected if not Path(path).is_file()]
        if missing:
            raise WorkflowError(f"config key paper_recorded_sets names {name!r}, but {' and '.join(missing)} "
                                f"{'is' if len(missing) == 1 else 'are'} missing; sets with a recorded folder and "
                                f"a section: {available or 'none'}")


check_recorded_sets(PAPER_RECORDED_SETS)


def recorded_stats(name):
    """A recorded set's statistics tables, recomputed by this checkout's analysis code."""
    return {table: layout.recorded_source_path(name, table) for table in layout.STATS_FILES}


def recorded_assets(name):
    """Every figure, table and the macro file of a recorded set's copy in the paper."""
    generated = layout.recorded_generated_dir(name)
    return ([f"{generated}/figures/{figure}.pdf" for figure in layout.FIGURE_INPUTS]
            + [f"{generated}/tables/{table}.tex" for table in layout.TABLE_INPUTS] + [f"{generated}/macros.tex"])
