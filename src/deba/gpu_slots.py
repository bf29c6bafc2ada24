"""One training process per GPU on a local machine, each on a GPU of its own.

Snakemake neither says which GPU a job should use nor can a local GPU limit live in `profiles/default`:
Snakemake applies that workflow profile on top of `--profile profiles/slurm` too, so a local limit there
would also throttle the cluster. Instead each training process calls `claim_gpu()` before CUDA starts: it
takes an exclusive lock on the first free `deba-gpu-<id>.lock` in the temporary folder, waiting while every
GPU is taken, and sets CUDA_VISIBLE_DEVICES to that GPU. The lock is held until the process exits, so a
killed job frees its GPU.

Which GPUs it chooses among: those CUDA_VISIBLE_DEVICES lists when it lists several (a workstation user
who set it for the whole workflow), else every GPU `nvidia-smi` sees. Nothing happens where it names one
GPU or none (a scheduler that already chose, as SLURM does) or where there is no GPU. Lock files are made
readable and writable by everyone, so the jobs of several users on one machine share them; a lock file
this user may not open at all (another user's, made private) counts as that GPU being taken.
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


def candidate_gpus(count: int | None = None) -> list[str] | None:
    """The GPU ids (as CUDA_VISIBLE_DEVICES spells them) to choose among; None when there is no choice."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        entries = [entry.strip() for entry in listed.split(",") if entry.strip()]
        return entries if len(entries) > 1 else None
    count = visible_gpu_count() if count is None else count
    return [str(index) for index in range(count)] or None


def _open_lock(path: Path):
    """The lock file, opened for locking; None when another user's file may not be opened at all."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:
        try:  # flock needs no write access: another user's lock file, left readable, still serves
            fd = os.open(path, os.O_RDONLY)
        except PermissionError:
            return None
    else:
        try:  # the umask would keep other users out of a file they must lock too
            os.fchmod(fd, 0o666)
        except PermissionError:
            pass  # someone else's file, opened because it is shared: leave its mode alone
    return os.fdopen(fd, "rb")


def claim_gpu(lock_dir: str | None = None, count: int | None = None, poll_s: float = 5.0) -> str | None:
    """Set CUDA_VISIBLE_DEVICES to a free GPU and return its id; None when there is nothing to choose."""
    gpus = candidate_gpus(count)
    if gpus is None:
        return None
    directory = Path(lock_dir or tempfile.gettempdir())
    waiting_since = None
    while True:
        unopenable = []
        for gpu in gpus:
            path = directory / f"deba-gpu-{gpu}.lock"
            handle = _open_lock(path)
            if handle is None:
                unopenable.append(str(path))
                continue
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held.append(handle)
            os.environ["CUDA_VISIBLE_DEVICES"] = gpu
            if waiting_since is not None:
                log.info("GPU %s free after %.0f s", gpu, time.monotonic() - waiting_since)
            return gpu
        if len(unopenable) == len(gpus):
            raise PermissionError(f"cannot open any GPU lock file ({', '.join(unopenable)}): they belong to "
                                  "another user; set TMPDIR to a folder of your own or ask them to remove them")
        if waiting_since is None:
            waiting_since = time.monotonic()
            log.info("all %d GPUs are busy with other training jobs%s; waiting", len(gpus),
                     f" ({len(unopenable)} locked by files of another user)" if unopenable else "")
        time.sleep(poll_s)
