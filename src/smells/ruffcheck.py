"""Second reference column: ruff's PERF rules (perflint) on the same files, counted per project.

ruff is an optional extra (``pip install ruff``). PERF401 (manual list comprehension) and PERF403 (manual
dict comprehension) are the two rules that overlap our idioms; the others are listed as they are.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

_BATCH = 400  # files per ruff invocation: keeps command lines well under the OS limit


def ruff_command() -> list[str] | None:
    """How to run ruff here (the executable next to this Python first), or None when it is not installed."""
    beside = Path(sys.executable).with_name("ruff")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    return [found] if found else None


def ruff_version(command: list[str]) -> str:
    return subprocess.run(command + ["--version"], capture_output=True, text=True, check=True).stdout.strip()


def perf_findings(command: list[str], files: list[Path]) -> list[dict]:
    """ruff PERF findings on ``files``: dicts with filename, code, row. Config files are ignored (--isolated)."""
    findings = []
    for start in range(0, len(files), _BATCH):
        batch = [str(f) for f in files[start:start + _BATCH]]
        completed = subprocess.run(
            command + ["check", "--isolated", "--no-cache", "--exit-zero", "--select", "PERF",
                       "--output-format", "json", "--target-version", "py311", *batch],
            capture_output=True, text=True,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"ruff failed ({completed.returncode}): {completed.stderr.strip()[:500]}")
        for item in json.loads(completed.stdout or "[]"):
            if item.get("code"):  # syntax errors come without a rule code
                findings.append({"filename": item["filename"], "code": item["code"],
                                 "row": item["location"]["row"]})
    return findings
