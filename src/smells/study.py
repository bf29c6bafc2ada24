"""Scan a corpus: per project, the findings, the scopes with their code lines, skips and one summary row.

This is the expensive step of the study; everything after it (stage mapping, statistics, figures) reads the
tables it writes. Projects are scanned in parallel processes, each file once: parse + detect, then
``tokenize`` for the code lines (KLOC) that are attributed to scopes.
"""
from __future__ import annotations

import tokenize
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from smells.classify import classify
from smells.corpus import Project, select_files
from smells.findings import IDIOMS, SKIP_REASONS
from smells.kloc import assign_lines_to_scopes, code_lines
from smells.scan import scan_file


@dataclass
class ProjectScan:
    """Everything the scan learned about one project, as plain rows."""

    summary: dict
    findings: list[dict]
    scopes: list[dict]
    skips: list[dict]


def scan_project(project: Project, *, max_lines: int, seed: int, max_bytes: int) -> ProjectScan:
    """Scan the project's own files (capped) and classify it."""
    files, total_lines = select_files(project, max_lines, seed)
    findings, scopes, skips = [], [], []
    imports: set[str] = set()
    lines_scanned = 0
    code_total = 0
    for relative in files:
        result = scan_file(project.root / relative, max_bytes=max_bytes, display_path=relative, keep_source=True)
        if result.skip:
            skips.append({"project": project.name, **result.skip.to_dict()})
            continue
        try:
            lines = code_lines(result.source)
        except (tokenize.TokenError, SyntaxError) as error:  # parsed by ast but not tokenizable: skip
            skips.append({"project": project.name, "path": relative, "reason": "syntax-error",
                          "detail": f"tokenize: {error}"})
            continue
        lines_scanned += result.lines
        code_total += len(lines)
        imports |= result.imports
        assign_lines_to_scopes(lines, result.scopes)
        for scope_id, scope in enumerate(result.scopes):
            scopes.append({
                "project": project.name, "path": relative, "scope_id": scope_id, "kind": scope.kind,
                "name": scope.name, "class_name": scope.class_name, "line": scope.line,
                "end_line": scope.end_line, "code_lines": scope.code_lines, "calls": " ".join(sorted(scope.calls)),
            })
        for finding in result.findings:
            findings.append({"project": project.name, **finding.to_dict()})
    label = classify(project.name, imports - project.top_levels, project.top_levels, project.classifiers)
    counts = Counter(f["idiom"] for f in findings)
    skip_counts = Counter(s["reason"] for s in skips)
    summary = {
        "project": project.name,
        "version": project.version,
        "group": label.group,
        "ml_imports": " ".join(label.ml_imports),
        "ai_classifier": label.ai_classifier,
        "files_total": len(project.files),
        "files_selected": len(files),
        "files_scanned": len(files) - len(skips),
        "lines_total": total_lines,
        "lines_scanned": lines_scanned,
        "kloc": code_total / 1000,
        "findings": len(findings),
        **{f"n_{idiom}": counts.get(idiom, 0) for idiom in IDIOMS},
        **{f"skipped_{reason}": skip_counts.get(reason, 0) for reason in SKIP_REASONS},
    }
    return ProjectScan(summary, findings, scopes, skips)


def scan_corpus(projects: list[Project], *, max_lines: int, seed: int, max_bytes: int, workers: int = 1):
    """Scan all projects; returns (projects, findings, scopes, skips) DataFrames in project order."""
    kwargs = dict(max_lines=max_lines, seed=seed, max_bytes=max_bytes)
    if workers > 1 and len(projects) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # Largest first keeps every worker busy until the end; results keep the corpus order.
            largest_first = sorted(projects, key=lambda p: len(p.files), reverse=True)
            futures = {p.name: pool.submit(scan_project, p, **kwargs) for p in largest_first}
            scans = [futures[p.name].result() for p in projects]
    else:
        scans = [scan_project(p, **kwargs) for p in projects]
    summary_columns = list(scans[0].summary) if scans else ["project"]
    finding_columns = ["project", "path", "idiom", "line", "end_line", "function", "scope_id", "suggestion"]
    scope_columns = ["project", "path", "scope_id", "kind", "name", "class_name", "line", "end_line",
                     "code_lines", "calls"]
    skip_columns = ["project", "path", "reason", "detail"]
    return (
        pd.DataFrame([s.summary for s in scans], columns=summary_columns),
        pd.DataFrame([row for s in scans for row in s.findings], columns=finding_columns),
        pd.DataFrame([row for s in scans for row in s.scopes], columns=scope_columns),
        pd.DataFrame([row for s in scans for row in s.skips], columns=skip_columns),
    )
