"""Workflow tests run in a scratch copy of the workflow, so they never touch the repository's results."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deba.profiles import PROFILE_DIR

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
SNAKEFILE = Path("workflow") / "Snakefile"  # relative to a workflow copy, which Snakemake finds by itself


def copy_workflow(target: Path) -> Path:
    """workflow/ (with the Snakefile), config/, profiles/, the stored device profiles the pricing reads and the
    hand-written paper sources (not generated files), plus links to what the smells rules read: `src/` (the
    self-scan) and the hand-labelled stage sample."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "src").symlink_to(REPO / "src")
    (target / "tests" / "data").mkdir(parents=True)
    (target / "tests" / "data" / "smells").symlink_to(REPO / "tests" / "data" / "smells")
    if (REPO / "recorded").is_dir():  # recorded results the smells rules read (the 44-project corpus)
        (target / "recorded").symlink_to(REPO / "recorded")
    for folder in ("workflow", "config", "profiles", PROFILE_DIR):
        shutil.copytree(REPO / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "paper", target / "paper",
                    ignore=shutil.ignore_patterns("generated", "*.pdf", "*.aux", "*.log", "*.fls", "*.fdb_latexmk",
                                                  "*.out", "*.bbl", "*.blg"))
    return target


def snakemake(workdir: Path, *args, check=True, timeout=900):
    result = subprocess.run([*SNAKEMAKE, *map(str, args)], cwd=workdir, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(map(str, args))} failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}")
    return result


@pytest.fixture(scope="session")
def tiny_workflow(tmp_path_factory):
    """The tiny config run once through every rule; tests inspect or rerun the copy."""
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny"))
    result = snakemake(workdir, "--cores", "2", "--configfile", "config/tiny.yaml")
    return workdir, result


@pytest.fixture(autouse=True)
def restore_import_path():
    """Parsing the workflow in this process (Snakemake's API) puts its src/ first on PYTHONPATH and sys.path
    (common.smk); undo that so one test's scratch copy never decides what later tests import."""
    saved_path, saved_pythonpath = list(sys.path), os.environ.get("PYTHONPATH")
    yield
    sys.path[:] = saved_path
    if saved_pythonpath is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = saved_pythonpath
