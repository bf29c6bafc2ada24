"""The tiny config through every rule, then what a rerun does: nothing, only figures, or a clear error."""

import re
import shutil

import pytest

from .conftest import copy_workflow, snakemake

pytestmark = pytest.mark.slow
TINY = ("--configfile", "config/tiny.yaml")


def planned_jobs(output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table a dry run prints."""
    table = output.split("Job stats:")[1].split("\n\n")[0] if "Job stats:" in output else ""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)
            if m.group(1) != "total"}


def test_every_rule_runs_and_leaves_its_outputs(tiny_workflow):
    workdir, _ = tiny_workflow
    summaries = list((workdir / "results" / "runs").rglob("summary.json"))
    # main; ablations, comparators, the legacy-rule sweep and the A/A control on resnet18
    assert len(summaries) == 2 * 2 * 2 + 2 * 2 + 3 * 2 + 1 + 1
    assert (workdir / "results" / "characterization" / "synthetic" / "resnet18" / "thresholds.json").is_file()
    assert (workdir / "paper" / "generated" / "macros.tex").is_file()
    assert list((workdir / "paper" / "generated").rglob("*.pdf")), "no figures"
    if shutil.which("latexmk"):
        assert (workdir / "paper" / "main.pdf").stat().st_size > 10_000


def test_a_second_run_with_nothing_changed_does_nothing(tiny_workflow):
    workdir, _ = tiny_workflow
    result = snakemake(workdir, "--cores", "2", *TINY)
    assert "Nothing to be done" in result.stdout + result.stderr


def test_editing_a_figure_script_reruns_figures_but_never_training(tiny_workflow):
    workdir, _ = tiny_workflow
    script = workdir / "workflow" / "scripts" / "analysis_figure.py"
    original = script.read_text()
    script.write_text(original + "\n# an edit\n")
    try:
        jobs = planned_jobs(snakemake(workdir, "-n", *TINY).stdout)
    finally:
        script.write_text(original)
    assert jobs.get("figure", 0) >= 1
    assert not {"train", "thresholds", "throughput", "aggregate", "statistics"} & set(jobs), jobs


def test_figures_target_refuses_to_train_and_names_what_is_missing(tmp_path):
    workdir = copy_workflow(tmp_path / "fresh")
    result = snakemake(workdir, "-n", "figures", *TINY, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "results/runs/synthetic/resnet18/fixed/main/seed0/summary.json" in output
    assert "snakemake --cores all" in output and "train" in output

