"""What reruns after a finished run, and why: the cache must be exact.

- Editing any module of src/ reruns exactly the rules whose script imports it (transitively), and what
  depends on their outputs; nothing else.
- Results carry their grid: with Snakemake's records gone (`.snakemake/` removed, results/ copied), another
  config never finds "Nothing to be done", and run folders trained under other settings are refused.
- `snakemake figures` and `snakemake` do not invalidate each other.

Each test works in its own copy of the finished tiny run (conftest.tiny_workflow), made with its records.
"""

import os
import shutil
from pathlib import Path

import pytest
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

from deba.profiles import PROFILE_DIR
from paperkit.closure import module_closure

from .conftest import SNAKEFILE, snakemake

pytestmark = pytest.mark.slow
TINY = ("--configfile", "config/tiny.yaml")


def copy_finished(tiny_workflow, target: Path, *, own_src=False) -> Path:
    """A copy of the finished tiny run, records (.snakemake/) and times included; with `own_src`, src/ is a
    copy (times kept) instead of a link to the repository's, so a test can edit it."""
    workdir, _ = tiny_workflow
    shutil.copytree(workdir, target, symlinks=True)
    if own_src and (target / "src").is_symlink():
        linked = (target / "src").resolve()
        (target / "src").unlink()
        shutil.copytree(linked, target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return target


def planned_jobs(workdir: Path, configfile="config/tiny.yaml", targets=("all",), *, params_changed=False,
                 threads=None):
    """(rule name, Snakemake's reason) of every job a dry run would run, and the rules with a job in the DAG;
    with `params_changed`, also the rules of every job whose params differ from Snakemake's record (its
    reason names only the first cause it finds, so a job downstream of a rerun one never shows this).
    `threads`: {rule: threads}, as `--set-threads` gives them."""
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1, overwrite_threads=threads or {}),
                                    config_settings=ConfigSettings(configfiles=[workdir / configfile]),
                                    snakefile=workdir / SNAKEFILE, workdir=workdir)
        dag_api = workflow_api.dag(DAGSettings(targets=set(targets)))
        dag_api.execute_workflow(executor="dryrun")
        dag = workflow_api._workflow.dag
        jobs = [(job.rule.name, dag.reason(job)) for job in dag.needrun_jobs(exclude_finished=False)]
        rules = [rule for rule in workflow_api._workflow.rules if rule.name in {job.rule.name for job in dag.jobs}]
        if not params_changed:
            return jobs, rules
        persistence = workflow_api._workflow.persistence
        return jobs, rules, {job.rule.name for job in dag.jobs if persistence.params_changed(job)}


def rule_closures(rules, src: Path) -> dict[str, set[str]]:
    """Rule name -> the project modules its script imports, transitively (computed here, independently of
    the rule's `code` param)."""
    closures = {}
    for rule in rules:
        if rule.script:
            script = Path(rule.basedir.join(rule.script).get_path_or_uri(secret_free=True))
            closures[rule.name] = set(module_closure([script], src))
    return closures


def module_name(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_editing_a_module_reruns_exactly_the_rules_that_import_it(tiny_workflow, tmp_path):
    """Every module of src/ belongs to the group of modules imported by the same rules; one module of each
    group is edited in turn (a dry run each: editing the others of a group changes the same params). The
    jobs whose params changed must be exactly its importers', and every other job planned must be downstream
    of a rerun job."""
    workdir = copy_finished(tiny_workflow, tmp_path / "edit", own_src=True)
    src = workdir / "src"
    jobs, rules = planned_jobs(workdir)
    assert jobs == [], f"the copy of the finished run is not up to date: {jobs}"
    closures = rule_closures(rules, src)
    assert {"train", "throughput", "thresholds", "aggregate", "figure", "macros"} <= set(closures)
    modules = sorted(p for p in src.rglob("*.py") if "egg-info" not in str(p))
    groups: dict[frozenset, list[Path]] = {}
    for path in modules:
        importers = frozenset(rule for rule, closure in closures.items() if module_name(path, src) in closure)
        groups.setdefault(importers, []).append(path)
    assert len(modules) > 30 and len(groups) > 5 and frozenset() in groups  # some modules no rule runs
    problems = []
    for expected, paths in sorted(groups.items(), key=lambda item: sorted(item[0])):
        path = paths[0]
        original, stat = path.read_bytes(), path.stat()
        path.write_bytes(original + b"\n# an edit\n")
        try:
            jobs, _, changed = planned_jobs(workdir, params_changed=True)
        finally:
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        # a job that is neither: downstream of a rerun job, nor reading the edited file as data (the smells
        # self-scan), nor rerun for its params
        unexplained = {rule for rule, reason in jobs if not reason.params_changed and not reason.updated_input_run
                       and {str(f) for f in (reason.updated_input or ())} != {str(path.relative_to(workdir))}}
        if changed != expected or not expected <= {rule for rule, _ in jobs} or unexplained:
            problems.append(f"{module_name(path, src)}: params changed for {sorted(changed)}, its importers are "
                            f"{sorted(expected)}"
                            + (f"; unexplained {sorted(unexplained)}" if unexplained else ""))
    assert not problems, "\n".join(problems)


def test_another_thread_count_reruns_every_timed_job(tiny_workflow, tmp_path):
    """Timings (and, on CPU, the bits) depend on the threads: `--set-threads train=2` retrains every run and
    reprofiles every cell at that thread count."""
    workdir = copy_finished(tiny_workflow, tmp_path / "threads")
    jobs, _, changed = planned_jobs(workdir, threads={"train": 2}, params_changed=True)
    assert {"train", "throughput"} <= changed
    runs = list((workdir / "results" / "runs").glob("**/summary.json"))
    assert [rule for rule, _ in jobs].count("train") == len(runs) >= 20


def test_without_records_another_config_is_never_nothing_to_be_done(tiny_workflow, tmp_path):
    workdir = copy_finished(tiny_workflow, tmp_path / "records")
    shutil.rmtree(workdir / ".snakemake")
    jobs, _ = planned_jobs(workdir)
    assert jobs == [], "the same grid without records: nothing to redo"
    for configfile in ("config/config.yaml", "config/paper.yaml"):
        jobs, _ = planned_jobs(workdir, configfile)
        reasons = dict(jobs)
        assert {"train", "aggregate", "statistics", "figure"} <= set(reasons), configfile
        assert "results/grid.json" in {str(f) for f in reasons["aggregate"].updated_input or ()}, configfile


def test_run_folders_from_other_settings_are_refused_not_reused(tiny_workflow, tmp_path):
    """The tiny runs, records lost, then the same grid with 3 epochs: no training job is planned (the
    folders exist and Snakemake has no record of their params), so aggregation must refuse them."""
    workdir = copy_finished(tiny_workflow, tmp_path / "settings")
    shutil.rmtree(workdir / ".snakemake")
    result = snakemake(workdir, "--cores", "1", *TINY, "--config", "epochs=3", "--", "results/aggregate/runs.csv",
                       check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "trained under other settings" in output and "epochs=2 (the config asks 3)" in output
    assert "results/runs/synthetic/resnet18/fixed/main/seed0" in output


def test_figures_and_all_do_not_invalidate_each_other(tiny_workflow, tmp_path):
    workdir = copy_finished(tiny_workflow, tmp_path / "targets")
    for target in ("figures", "all", "figures"):
        result = snakemake(workdir, target, "--cores", "1", *TINY)
        output = result.stdout + result.stderr
        assert "Nothing to be done" in output, f"snakemake {target}:\n{output[-3000:]}"


def test_a_newly_stored_or_changed_profile_reruns_the_pricing_and_what_shows_it_only(tiny_workflow, tmp_path):
    """price_on: all (the default): a profile stored later (a GPU lease's) is priced without editing a config,
    and neither it nor an edit of a stored profile reruns the statistics or anything before them."""
    workdir = copy_finished(tiny_workflow, tmp_path / "profiles")
    folder = workdir / PROFILE_DIR
    stored = sorted(folder.glob("*.json"))
    shutil.copyfile(stored[0], folder / "a-gpu-lease.json")
    added, _ = planned_jobs(workdir)
    stored[0].write_text(stored[0].read_text().replace('"notes": "', '"notes": "edited; ', 1))
    (folder / "a-gpu-lease.json").unlink()
    changed, _ = planned_jobs(workdir)
    for jobs in (added, changed):
        rules = {rule for rule, _ in jobs}
        assert "device_pricing" in rules, jobs
        # the pricing, and what shows it: the tables, the macros (the sensitivity paragraph), README assets, paper
        assert rules <= {"device_pricing", "table", "macros", "readme_assets", "paper_pdf", "arxiv", "report",
                         "all"}, rules
