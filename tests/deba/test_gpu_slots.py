"""GPU slots: each local training process locks a GPU of its own; schedulers that already chose win."""

import os
import subprocess
import sys

import pytest

from deba.gpu_slots import claim_gpu

CLAIM = "import sys; from deba.gpu_slots import claim_gpu; print(claim_gpu(sys.argv[1], count=2, poll_s=0.05), flush=True); sys.stdin.read()"


def test_concurrent_processes_get_different_gpus_and_a_third_waits(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    start = lambda: subprocess.Popen([sys.executable, "-c", CLAIM, str(tmp_path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)
    first, second = start(), start()
    claimed = {first.stdout.readline().strip(), second.stdout.readline().strip()}
    assert claimed == {"0", "1"}
    third = start()
    with pytest.raises(subprocess.TimeoutExpired):
        third.communicate(timeout=1.0)  # both GPUs are held: it waits
    first.stdin.close()
    first.wait()  # exiting releases the lock
    assert third.stdout.readline().strip() in claimed
    for process in (second, third):
        process.stdin.close()
        process.wait()


def test_a_scheduler_s_choice_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    assert claim_gpu(str(tmp_path), count=8) is None
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"


def test_no_gpu_no_claim(monkeypatch, tmp_path):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert claim_gpu(str(tmp_path), count=0) is None
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
