"""One training process per GPU on a local machine, each on a GPU of its own.

Snakemake neither says which GPU a job should use nor can a local GPU limit live in `profiles/default`:
Snakemake applies that workflow profile on top of `--profile profiles/slurm` too, so a local limit there
would also throttle the cluster. Instead each training process calls `claim_gpu()` before CUDA starts: it
takes an exclusive lock on the first free `/tmp/deba-gpu-<i>.lock`, waiting while every GPU is taken, and
sets CUDA_VISIBLE_DEVICES to that GPU. The lock is held until the process exits, so a killed job frees its
GPU. Nothing happens where a scheduler already chose (SLURM sets CUDA_VISIBLE_DEVICES) or where there is
no GPU.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)
_held = []  # open lock files, kept for the life of the process


def visible_gpu_count() -> int:
    if not shutil.which("nvidia-smi"):
        return 0
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(line.startswith("GPU ") for line in listing.splitlines())


def claim_gpu(lock_dir: str | None = None, count: int | None = None, poll_s: float = 5.0) -> int | None:
    """Set CUDA_VISIBLE_DEVICES to a free GPU and return its index; None when there is nothing to choose."""
    if os.environ.get("CUDA_VISIBLE_DEVICES") is not None:
        return None
    count = visible_gpu_count() if count is None else count
    if count == 0:
        return None
    directory = Path(lock_dir or tempfile.gettempdir())
    waiting_since = None
    while True:
        for index in range(count):
            handle = open(directory / f"deba-gpu-{index}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held.append(handle)
            os.environ["CUDA_VISIBLE_DEVICES"] = str(index)
            if waiting_since is not None:
                log.info("GPU %d free after %.0f s", index, time.monotonic() - waiting_since)
            return index
        if waiting_since is None:
            waiting_since = time.monotonic()
            log.info("all %d GPUs are busy with other training jobs; waiting", count)
        time.sleep(poll_s)
