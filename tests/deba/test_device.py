"""A run asked for a GPU that finds none fails at once, naming the host, before it loads any data."""

import os
import socket
import subprocess
import sys
import time

import pytest
import torch

from deba.device import NoGPUError, asked_for_gpu, require_cuda, start_job_device
from deba.train import resolve_device


def test_deba_train_device_cuda_without_a_gpu_fails_within_seconds_naming_the_host(tmp_path):
    # CUDA_VISIBLE_DEVICES="" hides every GPU, so this holds on a GPU machine too. The dataset is CIFAR-10 in
    # an empty folder: a check that came after data loading would fail on the data (or try to download it).
    data_root = tmp_path / "empty"
    data_root.mkdir()
    out = tmp_path / "run"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "deba.cli", "--device", "cuda", "--dataset", "cifar10",
                             "--data-root", str(data_root), "--arch", "resnet18", "--scale", "paper",
                             "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert f"host {socket.gethostname()} has no GPU" in result.stderr
    assert "--device cuda was requested" in result.stderr and "Traceback" not in result.stderr
    assert "cifar10 not found" not in result.stderr and list(data_root.iterdir()) == []
    assert not out.exists()  # nothing written: no run folder, no checkpoint
    assert elapsed < 60, f"took {elapsed:.0f} s"  # the import of torch, not a training epoch on the CPU


def test_require_cuda_names_the_host_and_what_it_saw(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.setenv("SLURM_JOB_PARTITION", "gpu")
    monkeypatch.delenv("SLURM_JOB_GPUS", raising=False)
    monkeypatch.delenv("SLURM_GPUS_ON_NODE", raising=False)
    with pytest.raises(NoGPUError) as error:
        require_cuda("this training job was given a GPU (resource gpu)")
    message = str(error.value)
    assert message.startswith(f"this training job was given a GPU (resource gpu), but host {socket.gethostname()}")
    assert "CUDA_VISIBLE_DEVICES=''" in message and f"torch {torch.__version__}" in message
    assert "SLURM job 4242 in partition gpu was granted GPUs: none" in message


def test_device_auto_still_falls_back_to_the_cpu_and_cuda_does_not(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(NoGPUError):
        resolve_device("cuda")


@pytest.mark.parametrize("resources, asked", [
    ({"gpu": 1}, True), ({"gpu": 0}, False), ({}, False), ({"gpu": "2"}, True),
    ({"gres": "gpu:h100:1"}, True), ({"gres": "tmpspace:10G"}, False), ({"gpu": None}, False),
])
def test_a_job_asked_for_a_gpu_when_its_resources_say_so(resources, asked):
    assert asked_for_gpu(resources) is asked


def test_a_workflow_job_asked_for_a_gpu_exits_naming_the_host_and_one_not_asked_goes_on(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("deba.device.claim_gpu", lambda: None)  # the lock files of deba.gpu_slots
    with pytest.raises(SystemExit) as stop:
        start_job_device("throughput", "auto", {"gpu": 1})
    assert str(stop.value).startswith(f"throughput: this throughput job was given a GPU (resource gpu), but host "
                                      f"{socket.gethostname()} has no GPU")
    with pytest.raises(SystemExit, match="the config asks for device: cuda"):
        start_job_device("train", "cuda", {"gpu": 0})
    assert start_job_device("train", "auto", {"gpu": 0}) is None  # a local run without a GPU trains on the CPU
