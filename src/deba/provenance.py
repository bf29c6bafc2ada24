"""Provenance of a result: code version, package versions, device and host.

`code_version()` hashes the source files whose content can change a training result, so the workflow can
pass it as a rule parameter (Snakemake reruns a job when a parameter changes) without importing torch. What
counts: every module in `TRAINING_MODULES`. Changing the analysis, figures or the CLI's help text does not
change the code version and does not rerun training.
"""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TRAINING_MODULES = ("config.py", "data.py", "models.py", "monitor.py", "schedulers.py", "thresholds.py",
                    "train.py", "checkpoint.py")
PACKAGES = ("torch", "torchvision", "numpy", "scikit-learn", "pillow", "deba-repro")


def code_version() -> str:
    """First 12 hex digits of a SHA-256 over the training modules' names and bytes."""
    digest = hashlib.sha256()
    for name in TRAINING_MODULES:
        digest.update(name.encode() + b"\0" + (PACKAGE_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def git_state() -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout the package was imported from, or (None, None) outside git."""
    try:
        run = lambda *args: subprocess.run(["git", *args], cwd=PACKAGE_DIR, capture_output=True, text=True,
                                           timeout=10, check=True).stdout.strip()
        return run("rev-parse", "HEAD"), bool(run("status", "--porcelain", "--", str(PACKAGE_DIR)))
    except (OSError, subprocess.SubprocessError):
        return None, None


def package_versions() -> dict[str, str | None]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def collect(device: str, threads: int) -> dict:
    """The provenance block of `config.json`; `device` is the torch device string actually used."""
    commit, dirty = git_state()
    device_name = platform.processor() or platform.machine()
    if device.startswith("cuda"):
        import torch

        device_name = torch.cuda.get_device_name(torch.device(device))
    return {
        "code_version": code_version(),
        "git_commit": commit,
        "git_dirty": dirty,
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "device": device,
        "device_name": device_name,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "threads": threads,
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
