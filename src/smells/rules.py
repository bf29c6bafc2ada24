"""Helpers the workflow's smells rules call while Snakemake parses them: stdlib only, nothing heavy.

Snakemake's lint asks for functions to live outside rule files; these are the smells rules' only ones.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path


def python_files(roots: list[str]) -> list[str]:
    """Every ``.py`` file under ``roots``, sorted (the self-scan's inputs)."""
    return sorted(str(path) for root in roots for path in Path(root).rglob("*.py"))


def has_ridiom() -> bool:
    """RIdiom and what it imports at load time are installed (checked without importing them)."""
    return all(importlib.util.find_spec(m) is not None for m in ("RefactoringIdioms", "pathos", "sympy"))


def has_ruff() -> bool:
    """ruff is installed beside this interpreter or on PATH."""
    import shutil

    return Path(sys.executable).with_name("ruff").exists() or shutil.which("ruff") is not None


def installed_tools() -> tuple[str, ...]:
    """The optional cross-checks (smells.layout.OPTIONAL_STAGES) whose tool is installed here."""
    return tuple(tool for tool, installed in (("ridiom", has_ridiom()), ("ruff", has_ruff())) if installed)


def installed_fingerprint(site_packages: str = "") -> str:
    """Digest of the (name, version) of every distribution in site-packages (this interpreter's by default).

    A param of the installed corpus: installing, removing or upgrading a package reruns the scan.
    """
    import sysconfig
    from importlib import metadata

    site = site_packages or sysconfig.get_paths()["purelib"]
    pairs = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions(path=[site]))
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()[:16]
