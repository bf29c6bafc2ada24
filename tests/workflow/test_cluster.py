"""The SLURM path read as a GPU-cluster user would (docs/cluster.md), from dry runs of config/paper.yaml
through profiles/slurm: which partition each job queues on, site settings added to the profile's per-rule
resources, walltimes from the cost estimate, CIFAR prepared once before any training job, and a job given a
GPU that has none failing at once."""

import os
import re
import socket
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

from deba.grid import Run
from deba.walltime import FALLBACK_MINUTES, MARGIN, OVERHEAD_MINUTES

from .conftest import REPO, SNAKEFILE, SNAKEMAKE, copy_workflow

GPU_RULES = {"train", "throughput"}
ANALYSIS_RULES = {"aggregate", "statistics", "figure", "table", "macros", "report", "cost_estimate", "readme_assets"}
PAPER = ["--profile", "profiles/slurm", "--configfile", "config/paper.yaml"]


def run_snakemake(workdir: Path, *args, site=None, check=True, extra_env=None):
    """Snakemake in `workdir` with only the given DEBA_SLURM_* site settings in its environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DEBA_SLURM_")}
    env.update({f"DEBA_SLURM_{key}": str(value) for key, value in (site or {}).items()})
    env.update(extra_env or {})
    result = subprocess.run([*SNAKEMAKE, *map(str, args)], cwd=workdir, capture_output=True, text=True,
                            env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(map(str, args))} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def dry_run_jobs(workdir: Path, *args, site=None) -> list[dict]:
    """Every job of a dry run as {"rule", "wildcards", resource: value}, read from what Snakemake prints."""
    output = run_snakemake(workdir, "-n", *args, site=site).stdout
    jobs, job = [], None
    for line in output.splitlines():
        line = line.strip()
        if match := re.fullmatch(r"(?:local)?rule (\w+):", line):
            job = {"rule": match.group(1), "wildcards": ""}
            jobs.append(job)
        elif job is not None and line.startswith("wildcards: "):
            job["wildcards"] = line.removeprefix("wildcards: ")
        elif job is not None and line.startswith("resources: "):
            job.update(item.split("=", 1) for item in line.removeprefix("resources: ").split(", "))
    return jobs


def built_dag(workdir: Path, configfile: str):
    """The workflow and DAG of a dry run through the API (dependencies between jobs, local rules)."""
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1),
                                    config_settings=ConfigSettings(configfiles=[workdir / configfile]),
                                    snakefile=workdir / SNAKEFILE, workdir=workdir)
        workflow_api.dag(DAGSettings(targets={"all"})).execute_workflow(executor="dryrun")
        return workflow_api._workflow


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("cluster"))


@pytest.fixture(scope="module")
def paper_jobs(workdir):
    return dry_run_jobs(workdir, *PAPER)


def test_no_analysis_job_queues_on_the_gpu_partition(paper_jobs):
    by_partition = defaultdict(set)
    for job in paper_jobs:
        by_partition[job["slurm_partition"]].add(job["rule"])
    assert by_partition["gpu"] == GPU_RULES, by_partition["gpu"]
    assert ANALYSIS_RULES <= by_partition["cpu"] and not GPU_RULES & by_partition["cpu"]
    assert set(by_partition) == {"gpu", "cpu"}
    for job in paper_jobs:
        assert (int(job.get("gpu", 0)) > 0) == (job["rule"] in GPU_RULES), job


def test_cifar_is_prepared_once_where_snakemake_runs_before_any_training_job(workdir):
    workflow = built_dag(workdir, "config/paper.yaml")
    dag = workflow.dag
    prepare = {job.wildcards_dict["dataset"]: job for job in dag.jobs if job.rule.name == "prepare_data"}
    assert set(prepare) == {"cifar10", "cifar100"}
    assert workflow.is_local(prepare["cifar10"].rule)  # the login node, not a GPU node (and not the queue)
    training = [job for job in dag.jobs if job.rule.name == "train"]
    assert len(training) == 662
    for job in training:
        assert prepare[job.wildcards_dict["dataset"]] in dag.dependencies[job], job
    # a dataset that needs no preparation adds no job
    assert not any(job.rule.name == "prepare_data" for job in built_dag(workdir, "config/config.yaml").dag.jobs)


def test_site_settings_add_to_the_per_rule_resources(workdir):
    site = {"GPU_PARTITION": "accel", "CPU_PARTITION": "analysis", "ACCOUNT": "proj42", "GPU_MODEL": "h100",
            "CONSTRAINT": "sm90"}
    jobs = dry_run_jobs(workdir, *PAPER, site=site)
    for rule in GPU_RULES:
        job = next(job for job in jobs if job["rule"] == rule)
        assert {key: job.get(key) for key in ("slurm_partition", "slurm_account", "gpu", "gpu_model", "constraint",
                                              "mem_mb", "cpus_per_task")} == {
            "slurm_partition": "accel", "slurm_account": "proj42", "gpu": "1", "gpu_model": "h100",
            "constraint": "sm90", "mem_mb": "32000", "cpus_per_task": "8"}
    statistics = next(job for job in jobs if job["rule"] == "statistics")
    assert (statistics["slurm_partition"], statistics["slurm_account"], statistics["runtime"]) == ("analysis", "proj42", "30")
    assert "gpu_model" not in statistics and "constraint" not in statistics
    assert {job["slurm_partition"] for job in jobs} == {"accel", "analysis"}
    # a CPU-only cluster: no GPU asked for, and no model
    train = next(job for job in dry_run_jobs(workdir, *PAPER, site={"GPUS": 0}) if job["rule"] == "train")
    assert train["gpu"] == "0" and "gpu_model" not in train and train["slurm_partition"] == "gpu"


def test_resources_on_the_command_line_would_replace_the_profiles_map(workdir):
    # Why site settings are environment variables: Snakemake (issue #3429) replaces the profile's whole
    # set-resources map with a --set-resources given on the command line. If this starts to fail, Snakemake
    # merges them now, and docs/cluster.md can say so.
    jobs = dry_run_jobs(workdir, *PAPER, "--set-resources", "train:mem_mb=64000")
    train = next(job for job in jobs if job["rule"] == "train")
    assert train["mem_mb"] == "64000" and train["slurm_partition"] == "cpu" and "gpu_model" not in train


def test_a_training_jobs_walltime_is_its_cost_estimate_with_a_margin(workdir, paper_jobs):
    # before the throughput profiles exist (a dry run): the documented fallback
    assert {job["runtime"] for job in paper_jobs if job["rule"] == "train"} == {str(FALLBACK_MINUTES["train"])}
    assert {job["runtime"] for job in paper_jobs if job["rule"] == "throughput"} == {str(FALLBACK_MINUTES["throughput"])}
    # with every cell's profile: 10 ms a step at every batch size. A fixed ResNet-18 run on CIFAR-10 is
    # 100 epochs x (50,000 // 128) steps + evaluation, 100 x 10 test batches at a third of a step each
    copy = copy_workflow(workdir.parent / "priced")
    for dataset in ("cifar10", "cifar100"):
        for arch in ("resnet18", "resnet50", "densenet121", "efficientnet_b0", "mobilenet_v3", "vit_b16"):
            profile = copy / f"results/characterization/{dataset}/{arch}/throughput.csv"
            profile.parent.mkdir(parents=True)
            profile.write_text("arch,scale,device,batch_size,images_per_s,step_time_s\n" + "".join(
                f"{arch},paper,cuda,{batch},{batch / 0.01},0.01\n" for batch in (16, 128, 2048)))
    seconds = 100 * (50_000 // 128) * 0.01 + 100 * 10 * 0.01 / 3
    expected = -(-MARGIN * seconds // 60) + OVERHEAD_MINUTES
    assert expected == 24
    jobs = dry_run_jobs(copy, *PAPER, site={"MAX_RUNTIME": 600})
    train = {job["wildcards"]: int(job["runtime"]) for job in jobs if job["rule"] == "train"}
    key = ", ".join(f"{name}={value}" for name, value in
                    Run("cifar10", "resnet18", "fixed", "main", 0)._asdict().items())
    assert train[key] == expected
    assert max(train.values()) < FALLBACK_MINUTES["train"] and len(train) == 662
    capped = dry_run_jobs(workdir, *PAPER, site={"MAX_RUNTIME": 45})
    assert {job["runtime"] for job in capped if job["rule"] in GPU_RULES} == {"45"}


def test_a_bad_max_runtime_is_refused_naming_the_variable(workdir):
    result = run_snakemake(workdir, "-n", *PAPER, site={"MAX_RUNTIME": "12h"}, check=False)
    assert result.returncode != 0
    assert "DEBA_SLURM_MAX_RUNTIME='12h': allowed is a whole number of minutes" in result.stdout + result.stderr


def test_parsing_the_paper_workflow_imports_no_torch(workdir):
    code = ("import sys\nfrom tests.workflow.test_cluster import built_dag\nfrom pathlib import Path\n"
            f"built_dag(Path({str(workdir)!r}), 'config/paper.yaml')\n"
            "assert 'torch' not in sys.modules, 'parsing the workflow imported torch'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2], timeout=300)


def test_a_job_given_a_gpu_that_finds_none_fails_at_once_naming_the_host(tmp_path):
    workdir = copy_workflow(tmp_path / "nogpu")
    run = "results/runs/synthetic/resnet18/fixed/main/seed0"
    # the cell's profile exists, so the training job is the only job
    profile = workdir / "results/characterization/synthetic/resnet18/throughput.csv"
    profile.parent.mkdir(parents=True)
    profile.write_text("arch,scale,device,batch_size,images_per_s,step_time_s\nresnet18,cpu,cpu,16,1600,0.01\n")
    result = run_snakemake(workdir, f"{run}/summary.json", "--cores", "1", "--configfile", "config/tiny.yaml",
                           "--set-resources", "train:gpu=1", check=False, extra_env={"CUDA_VISIBLE_DEVICES": ""})
    assert result.returncode != 0
    log = (workdir / "results/logs/train/synthetic/resnet18/fixed/main/seed0.log").read_text()
    assert f"this train job was given a GPU (resource gpu), but host {socket.gethostname()} has no GPU" in log
    assert not (workdir / run / "epochs.csv").exists() and not (workdir / run / "checkpoints").exists()


def test_every_site_setting_is_documented_where_it_is_read():
    profile = (REPO / "profiles/slurm/config.yaml").read_text()
    read = set(re.findall(r'site\("(\w+)"', profile))
    read |= set(re.findall(r'"DEBA_SLURM_(\w+)"', (REPO / "workflow/rules/common.smk").read_text()))
    assert {"GPU_PARTITION", "CPU_PARTITION", "ACCOUNT", "GPU_MODEL", "MAX_RUNTIME"} <= read
    assert set(re.findall(r"DEBA_SLURM_(\w+)", (REPO / "docs/cluster.md").read_text())) == read
    assert set(re.findall(r"#   DEBA_SLURM_(\w+)", profile)) == read  # the table at the top of the profile
