"""Walltimes of GPU jobs from the cost estimate (deba.walltime): the derivation, the fallback before a profile
exists, retries, a site's cap, and pricing one cell at a time exactly as the whole grid is priced."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from deba.config_schema import load_config
from deba.cost import estimate_runs
from deba.grid import Run, training_runs
from deba.walltime import FALLBACK_MINUTES, MARGIN, OVERHEAD_MINUTES, Walltimes, price_cell

REPO = Path(__file__).resolve().parents[2]
ARCHITECTURES = ["resnet18", "resnet50", "densenet121", "efficientnet_b0", "mobilenet_v3", "vit_b16"]
RESNET = Run("cifar10", "resnet18", "fixed", "main", 0)


@pytest.fixture(scope="module")
def paper_config():
    return load_config([REPO / "config/paper.yaml"])


def write_profile(path, arch, step_times, scale="paper"):
    """A throughput profile as rule `throughput` writes it: {batch size: step time in seconds}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{"arch": arch, "scale": scale, "device": "cuda", "batch_size": batch, "images_per_s": batch / step,
                   "step_time_s": step} for batch, step in step_times.items()]).to_csv(path, index=False)


def profiles_under(tmp_path):
    return lambda dataset, arch: str(tmp_path / dataset / arch / "throughput.csv")


def test_a_runs_walltime_is_its_estimate_times_the_margin_plus_the_overhead(tmp_path, paper_config):
    write_profile(tmp_path / "cifar10/resnet18/throughput.csv", "resnet18", {16: 0.01, 128: 0.01, 2048: 0.01})
    walltimes = Walltimes(paper_config, profiles_under(tmp_path))
    # 100 epochs x 390 steps x 10 ms, and 100 epochs x 10 test batches x 10 ms / 3 for evaluation
    seconds = 100 * 390 * 0.01 + 100 * 10 * 0.01 / 3
    assert walltimes.train(RESNET) == -(-MARGIN * seconds // 60) + OVERHEAD_MINUTES == 24
    # a retry (after a time-out: the job resumes from its checkpoint) gets the attempt number times as much
    assert walltimes.train(RESNET, attempt=2) == 48
    # the throughput job: warm-up plus 10 timed steps at 8 batch sizes, 10 ms each
    assert walltimes.throughput("cifar10", "resnet18") == -(-MARGIN * 11 * 8 * 0.01 // 60) + OVERHEAD_MINUTES


def test_without_a_profile_the_fallback_and_with_one_written_later_the_estimate(tmp_path, paper_config):
    walltimes = Walltimes(paper_config, profiles_under(tmp_path))
    assert walltimes.train(RESNET) == FALLBACK_MINUTES["train"]
    assert walltimes.throughput("cifar10", "resnet18") == FALLBACK_MINUTES["throughput"]
    # the profile appears while the workflow runs (its throughput job finished): the next call prices it
    profile = tmp_path / "cifar10/resnet18/throughput.csv"
    write_profile(profile, "resnet18", {16: 0.01, 2048: 0.01})
    assert walltimes.train(RESNET) == 24
    write_profile(profile, "resnet18", {16: 0.02, 2048: 0.02})  # measured again: priced again
    os.utime(profile, ns=(profile.stat().st_atime_ns, profile.stat().st_mtime_ns + 10**9))
    assert walltimes.train(RESNET) == -(-MARGIN * 2 * (100 * 390 * 0.01 + 100 * 10 * 0.01 / 3) // 60) + OVERHEAD_MINUTES


@pytest.mark.parametrize("contents", ["wrong scale", "empty", "not a profile"])
def test_a_profile_that_cannot_price_the_run_gives_the_fallback(tmp_path, paper_config, contents):
    profile = tmp_path / "cifar10/resnet18/throughput.csv"
    if contents == "wrong scale":
        write_profile(profile, "resnet18", {128: 0.01}, scale="cpu")
    else:
        profile.parent.mkdir(parents=True)
        profile.write_text("" if contents == "empty" else "arch,batch_size\nresnet18,oops\n")
    assert Walltimes(paper_config, profiles_under(tmp_path)).train(RESNET) == FALLBACK_MINUTES["train"]


def test_a_sites_cap_bounds_every_walltime(tmp_path, paper_config):
    write_profile(tmp_path / "cifar10/resnet18/throughput.csv", "resnet18", {128: 10.0})  # a slow device
    walltimes = Walltimes(paper_config, profiles_under(tmp_path), max_minutes=240)
    assert walltimes.train(RESNET) == 240
    assert walltimes.train(Run("cifar10", "vit_b16", "fixed", "main", 0)) == 240  # the fallback too


def test_pricing_cell_by_cell_gives_the_whole_grids_estimate(tmp_path, paper_config):
    for index, arch in enumerate(ARCHITECTURES):
        for dataset in paper_config["datasets"]:
            write_profile(tmp_path / dataset / arch / "throughput.csv", arch,
                          {16: 0.01 * (index + 1), 512: 0.05 * (index + 1), 2048: 0.3 * (index + 1)})
    whole = pd.concat([pd.read_csv(tmp_path / "cifar10" / arch / "throughput.csv") for arch in ARCHITECTURES])
    expected = {Run(row.dataset, row.arch, row.scheduler, row.variant, int(row.seed)): row.total_s
                for row in estimate_runs(paper_config, whole).itertuples()}
    by_cell = {}
    for dataset in paper_config["datasets"]:
        for arch in ARCHITECTURES:
            by_cell.update(price_cell(paper_config, dataset, arch, profiles_under(tmp_path)(dataset, arch))["runs"])
    assert set(by_cell) == set(expected) == set(training_runs(paper_config)) and len(expected) == 662
    assert by_cell == pytest.approx(expected)


def test_importing_it_imports_no_torch():
    code = "import sys, deba.walltime; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_throughput_jobs_warm_up_is_the_profilers():
    import inspect

    from deba.throughput import measure
    from deba.walltime import WARMUP_STEPS

    assert inspect.signature(measure).parameters["warmup_steps"].default == WARMUP_STEPS
