"""The DAG of each shipped config, built through Snakemake's Python API as a dry run (nothing is executed)."""

from collections import Counter
from pathlib import Path

import pytest
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

from deba.profiles import PROFILE_DIR, stored_profiles

from .conftest import REPO, SNAKEFILE, copy_workflow, snakemake


def jobs_by_rule(workdir: Path, configfile: str, targets=("all",)) -> Counter:
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1),
                                    config_settings=ConfigSettings(configfiles=[workdir / configfile]),
                                    snakefile=workdir / SNAKEFILE, workdir=workdir)
        dag_api = workflow_api.dag(DAGSettings(targets=set(targets)))
        dag_api.execute_workflow(executor="dryrun")
        return Counter(job.rule.name for job in workflow_api._workflow.dag.jobs)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("dag"))


def test_the_paper_grid_has_every_training_job_and_every_later_stage(workdir):
    jobs = jobs_by_rule(workdir, "config/paper.yaml")
    # main comparison, ablations, comparators, the sensitivity sweep (ResNet-18, five variants), the A/A control
    assert jobs["train"] == 120 + 12 * 5 * 5 + 12 * 5 * 3 + 2 * 5 * 5 + 12
    assert jobs["thresholds"] == jobs["throughput"] == 12
    for later in ("aggregate", "statistics", "figure", "table", "macros"):
        assert jobs[later] >= 1, later


def test_the_default_config_covers_every_stage(workdir):
    jobs = jobs_by_rule(workdir, "config/config.yaml")
    # 2 archs x 3 seeds x (fixed, deba); ablations; comparators; the rule-sensitivity sweep; the A/A control
    # (2 archs x 3 seeds)
    assert jobs["train"] == 2 * 3 * 2 + 2 * 2 + 3 + 4 + 2 * 3
    assert jobs["thresholds"] == jobs["throughput"] == 2
    for later in ("aggregate", "statistics", "figure", "table", "macros", "cost_estimate", "cost_validation"):
        assert jobs[later] >= 1, later
    # the recorded CIFAR-10 CPU-scale run's section (config paper_recorded_sets), which trains nothing
    assert jobs["recorded_statistics"] == jobs["recorded_assets"] == jobs["recorded_sections"] == 1
    assert jobs["device_pricing"] == jobs["recorded_pricing"] == 1


@pytest.mark.parametrize("configfile", ["config/cifar-cpu.yaml", "config/tiny.yaml"])
def test_a_config_whose_results_are_the_recorded_set_shows_none(workdir, configfile):
    jobs = jobs_by_rule(workdir, configfile)
    assert jobs["recorded_sections"] == 1 and "recorded_assets" not in jobs and "recorded_statistics" not in jobs


@pytest.mark.parametrize("configfile, cells", [("config/config.yaml", 2), ("config/paper.yaml", 12)])
def test_the_cost_target_measures_throughput_and_prices_the_grid_without_training(workdir, configfile, cells):
    jobs = jobs_by_rule(workdir, configfile, targets=("cost",))
    assert jobs == {"throughput": cells, "cost_estimate": 1, "cost": 1}


@pytest.mark.parametrize("override, message", [
    ("architectures=[resnet19]", "'resnet19' is not one of"),
    ("schedulers_typo=1", "'schedulers_typo' was unexpected"),
    ("epochs=-2", "-2 is less than the minimum of 1"),
    ("seeds=[]", "should be non-empty"),
    ("epochs=ten", "'ten' is not of type 'integer'"),
    ("datasets=[imagenet]", "'imagenet' is not one of"),
])
def test_bad_config_fails_before_any_job(workdir, override, message):
    # earlier dry runs in this copy wrote the grid manifest; a bad config must not even rewrite that
    before = {path: path.stat().st_mtime_ns for path in workdir.glob("results/**/*")}
    result = snakemake(workdir, "-n", "--config", override, check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert {path: path.stat().st_mtime_ns for path in workdir.glob("results/**/*")} == before


def test_an_unknown_recorded_set_is_refused_naming_the_key_and_the_sets_there_are(workdir):
    result = snakemake(workdir, "-n", "--config", "paper_recorded_sets=[cifar-gpu]", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "paper_recorded_sets names 'cifar-gpu'" in output and "['cifar-cpu']" in output


def test_an_unknown_price_on_profile_is_refused_naming_the_stored_ones(workdir):
    result = snakemake(workdir, "-n", "--config", "price_on=[h100]", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "config key price_on: no stored throughput profile 'h100'" in output
    assert "stored: " + ", ".join(stored_profiles(REPO)) in output


def test_the_stored_profiles_are_inputs_of_the_pricing_rules_and_of_no_other(workdir):
    """price_on: all (the default) prices on every stored profile, the recorded set in the paper included; a
    list prices on those named only."""
    stored = {f"{PROFILE_DIR}/{name}.json" for name in stored_profiles(REPO)}
    readers = profile_readers(workdir, "config/config.yaml")
    assert set(readers) == {"device_pricing", "recorded_pricing"} and all(found == stored for found in readers.values())
    one = sorted(stored_profiles(REPO))[0]
    readers = profile_readers(workdir, "config/config.yaml", price_on=[one])
    assert readers["device_pricing"] == {f"{PROFILE_DIR}/{one}.json"}


def profile_readers(workdir: Path, configfile: str, **overrides) -> dict[str, set[str]]:
    """Rule name -> the stored profile files its jobs read, in the DAG of `configfile` (a dry run)."""
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1),
                                    config_settings=ConfigSettings(configfiles=[workdir / configfile],
                                                                   config=overrides),
                                    snakefile=workdir / SNAKEFILE, workdir=workdir)
        dag_api = workflow_api.dag(DAGSettings(targets={"all"}))
        dag_api.execute_workflow(executor="dryrun")
        readers: dict[str, set[str]] = {}
        for job in workflow_api._workflow.dag.jobs:
            found = {str(path) for path in job.input if str(path).startswith(PROFILE_DIR)}
            if found:
                readers.setdefault(job.rule.name, set()).update(found)
        return readers


def test_min_batch_above_max_batch_is_refused_by_the_grid_check(workdir):
    result = snakemake(workdir, "-n", "--config", "min_batch=5000", check=False)
    assert result.returncode != 0 and "min_batch=5000 is above max_batch=" in result.stdout + result.stderr


def test_a_config_that_omits_every_optional_key_is_one_grid_for_the_workflow_and_deba_cost(tmp_path):
    """Every key has a default in the schema, and the workflow and deba.cost (grid.training_runs on
    config_schema.load_config) fill in the same ones: an empty config describes one grid."""
    import json

    from deba.config_schema import load_config
    from deba.grid import run_dir, training_runs

    bare = copy_workflow(tmp_path / "bare")
    (bare / "config" / "config.yaml").write_text("{}\n")
    snakemake(bare, "-n", "--cores", "1", "--quiet", "rules")  # parsing writes the grid manifest
    manifest = json.loads((bare / "results" / "grid.json").read_text())
    runs = training_runs(load_config([bare / "config" / "config.yaml"], base=False))
    assert manifest["runs"] == [run_dir(run) for run in runs]
    assert {run.scheduler for run in runs} == {"fixed", "deba", "adabatch", "smith", "gns"}  # the defaults' comparators
