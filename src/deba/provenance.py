"""Provenance of a result: code version, package versions, whether the lock file was installed, device, host.

`code_version()` is the digest of every project module that training imports (`paperkit.closure`: the
transitive imports of `deba.train`, found by reading the sources, so no module list is kept by hand and
torch is never imported to compute it). The workflow's train rule carries the digest of what its job
script imports (`workflow/scripts/train_run.py`: `deba.train` plus the grid and GPU-slot helpers), a
superset, so every change of the code version reruns training. Changing the analysis, figures or the CLI's
help text changes neither.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import socket
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from paperkit.closure import closure_digest

from .config_schema import rules_digest

PACKAGE_DIR = Path(__file__).resolve().parent
# The module whose import closure is "the training code": it writes the result files.
TRAINING_ENTRY = "deba.train"
PACKAGES = ("torch", "torchvision", "numpy", "scikit-learn", "pillow", "deba-repro")
# The hashed lock of the supported platform (README: Install exactly the locked set); absent in a wheel.
LOCK_FILE = PACKAGE_DIR.parents[1] / "requirements.lock"


def code_version() -> str:
    """16 hex digits of SHA-256 over the names and bytes of the modules `deba.train` imports, transitively,
    and the config schema's rules (deba.config_schema: every training default and bound comes from it, so a
    changed default is a changed code version; an edited description is not)."""
    modules = closure_digest(TRAINING_ENTRY, src=PACKAGE_DIR.parent, packages=_project_packages())
    return hashlib.sha256(f"{modules}:{rules_digest()}".encode()).hexdigest()[:16]


def _project_packages() -> frozenset[str]:
    """The packages of this project beside `deba`: in a checkout every package in src/; in an installed copy
    (site-packages holds other projects too) the top-level packages of the distribution that ships deba."""
    root = PACKAGE_DIR.parent
    if root.name == "src":
        return frozenset(path.parent.name for path in root.glob("*/__init__.py"))
    owners = metadata.packages_distributions()
    ours = set(owners.get("deba", ()))
    return frozenset(name for name, dists in owners.items() if ours & set(dists)) | {"deba"}


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


def lock_state(lock: Path = LOCK_FILE) -> dict:
    """Whether the installed packages are exactly the lock file's pins: {"file", "used", "mismatches"}.

    `used` is True when every `name==version` of the lock is installed at that version, False when some
    differ (listed, at most 10, as "name: installed X, locked Y"), None when there is no lock file to compare
    with (an installed wheel).
    """
    if not lock.is_file():
        return {"file": None, "used": None, "mismatches": []}
    mismatches = []
    for match in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", lock.read_text(), re.M):
        name, pinned = match.groups()
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != pinned:
            mismatches.append(f"{name}: installed {installed}, locked {pinned}")
    return {"file": lock.name, "used": not mismatches, "mismatches": mismatches[:10]}


def collect(device: str, threads: int, settings) -> dict:
    """The provenance block of `config.json`; `device` is the torch device string actually used, `settings`
    the precision and memory format the run resolved (`deba.fast_path.Settings`)."""
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
        "lock": lock_state(),
        "device": device,
        "device_name": device_name,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "threads": threads,
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "precision": settings.precision,
        "memory_format": settings.memory_format,
        "fast_path_reason": settings.reason,
    }
