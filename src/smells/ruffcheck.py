"""Second reference column: ruff's PERF rules (perflint) on the same files, counted per project.

ruff is an optional extra (``pip install ruff``). PERF401 (manual list comprehension) and PERF403 (manual
dict comprehension) are the two rules that overlap our idioms; the others are listed as they are. ``perf_table``
normalises the counts by each group's KLOC and measures how many of the overlapping findings lie inside ours.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

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
            # Only PERF rules: syntax errors come without a code, or as "invalid-syntax" in newer ruff.
            if str(item.get("code") or "").startswith("PERF"):
                findings.append({"filename": item["filename"], "code": item["code"],
                                 "row": item["location"]["row"]})
    return findings


# ruff's rule for a manual loop -> our idiom it overlaps with.
OVERLAP = {"PERF401": "list-comprehension", "PERF403": "dict-comprehension"}
PERF_COLUMNS = ["rule", "ML", "non-ML", "ML per KLOC", "non-ML per KLOC", "inside our finding"]


def corpus_findings(command: list[str], projects, *, max_lines: int, seed: int) -> pd.DataFrame:
    """ruff PERF findings on the files the scan selected, one row per finding (project, path, code, row)."""
    from smells.corpus import select_files

    rows = []
    for project in projects:
        selected = select_files(project, max_lines, seed)[0]
        # ruff reports absolute file names whatever it was given: match on resolved paths, or no finding
        # would ever join ours (the scan's paths are relative to the project root).
        paths = {str((project.root / f).resolve()): f for f in selected}
        for item in perf_findings(command, [project.root / f for f in selected]):
            name = str(Path(item["filename"]).resolve())
            rows.append({"project": project.name, "path": paths.get(name, item["filename"]),
                         "code": item["code"], "row": item["row"]})
    return pd.DataFrame(rows, columns=["project", "path", "code", "row"])


def perf_table(found: pd.DataFrame, projects: pd.DataFrame, ours: pd.DataFrame) -> pd.DataFrame:
    """Per PERF rule: findings and findings per KLOC by group; for the overlapping rules, the share inside ours.

    ``found``: ruff rows (project, path, code, row); ``projects``: the scan's per-project table (group, kloc);
    ``ours``: our findings (project, path, idiom, line, end_line). A ruff finding is inside one of ours when
    its row lies within the span of one of our findings of the overlapping idiom in the same file.
    """
    group = projects.set_index("project")["group"]
    kloc = projects.groupby("group")["kloc"].sum()
    found = found.assign(group=found["project"].map(group))
    table = []
    for code, part in found.groupby("code"):
        entry = {"rule": code, "ML": int((part["group"] == "ML").sum()),
                 "non-ML": int((part["group"] == "non-ML").sum())}
        entry["ML per KLOC"] = entry["ML"] / kloc.get("ML", float("nan"))
        entry["non-ML per KLOC"] = entry["non-ML"] / kloc.get("non-ML", float("nan"))
        idiom = OVERLAP.get(code)
        entry["inside our finding"] = _share_inside(part, ours[ours["idiom"] == idiom]) if idiom else float("nan")
        table.append(entry)
    return pd.DataFrame(table, columns=PERF_COLUMNS)


def _share_inside(theirs: pd.DataFrame, spans: pd.DataFrame) -> float:
    # Join on the file, then keep the pairs whose span contains ruff's row; a row counts once however many
    # of our spans contain it.
    pairs = theirs.reset_index(drop=True).reset_index().merge(spans, on=["project", "path"], how="inner")
    inside = pairs[(pairs["line"] <= pairs["row"]) & (pairs["row"] <= pairs["end_line"])]
    return inside["index"].nunique() / len(theirs)
