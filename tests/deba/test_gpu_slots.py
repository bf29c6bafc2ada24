"""GPU slots: each local training process locks a GPU of its own among those it may use; schedulers that
already chose win; lock files are shared between users."""

import os
import subprocess
import sys

import pytest

from deba.gpu_slots import claim_gpu

CLAIM = ("import sys; from deba.gpu_slots import claim_gpu; "
         "print(claim_gpu(sys.argv[1], count=2, poll_s=0.05), flush=True); sys.stdin.read()")


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


def test_several_gpus_listed_in_cuda_visible_devices_are_shared_out_one_each(monkeypatch, tmp_path):
    # a workstation user who set CUDA_VISIBLE_DEVICES=2,3 for the whole workflow; flock locks belong to the
    # open file, so two claims in one process compete as two processes would
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert claim_gpu(str(tmp_path), count=8) == "2" and os.environ["CUDA_VISIBLE_DEVICES"] == "2"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert claim_gpu(str(tmp_path), count=8) == "3" and os.environ["CUDA_VISIBLE_DEVICES"] == "3"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["deba-gpu-2.lock", "deba-gpu-3.lock"]


def test_lock_files_are_made_for_every_user_to_lock(monkeypatch, tmp_path):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    previous = os.umask(0o022)  # the usual umask, which alone would leave the file writable by its owner only
    try:
        claim_gpu(str(tmp_path), count=1)
    finally:
        os.umask(previous)
    assert (tmp_path / "deba-gpu-0.lock").stat().st_mode & 0o777 == 0o666


def refuse_opening(monkeypatch, paths, also_read_only=False):
    """os.open as another user's lock files would answer it: no writing (and, optionally, no reading)."""
    real_open = os.open

    def guarded(path, flags, *args):
        if str(path) in paths and (flags & os.O_RDWR or also_read_only):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", guarded)


def test_another_users_lock_file_is_locked_read_only(monkeypatch, tmp_path):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    lock = tmp_path / "deba-gpu-0.lock"
    lock.touch()
    refuse_opening(monkeypatch, {str(lock)})
    assert claim_gpu(str(tmp_path), count=2) == "0"


def test_a_lock_file_that_cannot_be_opened_counts_as_a_taken_gpu(monkeypatch, tmp_path):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    refuse_opening(monkeypatch, {str(tmp_path / "deba-gpu-0.lock")}, also_read_only=True)
    assert claim_gpu(str(tmp_path), count=2) == "1"


def test_when_no_lock_file_can_be_opened_the_error_names_them(monkeypatch, tmp_path):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    locks = {str(tmp_path / f"deba-gpu-{i}.lock") for i in range(2)}
    refuse_opening(monkeypatch, locks, also_read_only=True)
    with pytest.raises(PermissionError, match="deba-gpu-0.lock.*TMPDIR"):
        claim_gpu(str(tmp_path), count=2, poll_s=0.01)
