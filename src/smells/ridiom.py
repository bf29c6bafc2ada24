"""Cross-check against RIdiom itself (PyPI ``RefactoringIdioms==0.0.11``), run per file with a timeout.

RIdiom is an optional extra: ``pip install --no-deps RefactoringIdioms==0.0.11 sympy pathos`` (plus pathos'
own small dependencies ``ppft dill multiprocess pox``, which ``--no-deps`` leaves out). ``available()`` says
whether it can be imported; nothing here imports it at module import time.

RIdiom runs in a worker process (``RidiomWorker``, serving ``python -m smells.ridiom_worker``): a file it
takes too long on is abandoned by killing the worker, and the next file gets a fresh one. An in-process
alarm cannot do that reliably, because RIdiom's bare ``except:`` clauses swallow the timeout exception.

RIdiom only reads the bodies of ``def`` functions (and ``if __name__ == "__main__":`` blocks), so the
agreement is computed on the code it can see: our findings inside those spans against RIdiom's findings,
with RIdiom's duplicates (a nested function is walked twice) removed.
"""
from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import random
import select
import subprocess
import sys
from collections import Counter

from smells.findings import IDIOMS

RIDIOM_NAMES = {
    "List Comprehension": "list-comprehension",
    "Set Comprehension": "set-comprehension",
    "Dict Comprehension": "dict-comprehension",
    "Chain Compare": "chain-comparison",
    "Truth Value Test": "truth-value-test",
    "For Else": "for-else",
    "Assign Multi Targets": "assign-multiple-targets",
    "Call Star": "star-in-call",
    "For Multi Targets": "for-multiple-targets",
}

STARTUP_TIMEOUT_S = 120  # importing RIdiom (and sympy) takes a few seconds on a busy machine


def available() -> bool:
    """Whether RIdiom and the modules it imports at load time are installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("RefactoringIdioms", "pathos", "sympy"))


class RidiomWorker:
    """RIdiom in a child process, one file per request; a context manager that stops the child on exit.

    The child imports RIdiom once before the first request, so a file's timeout covers only its analysis.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> RidiomWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def findings(self, source: str, timeout_s: float) -> list[tuple[str, int, int]] | None:
        """RIdiom's findings in one file as (idiom, first line, last line), deduplicated; None on timeout."""
        process = self._process or self._start()
        process.stdin.write(json.dumps(source) + "\n")
        process.stdin.flush()
        reply = self._read_line(timeout_s)
        if reply is None:
            self.close()  # still working on this file: kill it; the next call starts a fresh worker
            return None
        return [tuple(finding) for finding in json.loads(reply)]

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process.stdin.close()
            self._process.stdout.close()
            self._process = None

    def _start(self) -> subprocess.Popen:
        self._process = subprocess.Popen([sys.executable, "-m", "smells.ridiom_worker"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, encoding="utf-8")
        hint = "is RefactoringIdioms installed? (see smells.ridiom)"
        try:
            ready = self._read_line(STARTUP_TIMEOUT_S)
        except RuntimeError as error:
            raise RuntimeError(f"{error}; {hint}") from None
        if ready != "ready":
            self.close()
            raise RuntimeError(f"the RIdiom worker (python -m smells.ridiom_worker) did not start within "
                               f"{STARTUP_TIMEOUT_S} s; {hint}")
        return self._process

    def _read_line(self, timeout_s: float) -> str | None:
        """The worker's next line, or None when none arrives in time; an error if the worker died."""
        # one request gets exactly one line, so nothing is ever left in the pipe's read buffer for select to miss
        ready, _, _ = select.select([self._process.stdout], [], [], timeout_s)
        if not ready:
            return None
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait()
            self.close()
            raise RuntimeError(f"the RIdiom worker exited with status {code}; its error is on stderr above")
        return line.rstrip("\n")


def ridiom_findings(source: str) -> list[tuple[str, int, int]]:
    """RIdiom's findings in one file, in this process and without a time limit (the worker calls this)."""
    ridiom = import_ridiom()
    detectors = [ridiom.get_list_comprehension, ridiom.get_set_comprehension, ridiom.get_dict_comprehension,
                 ridiom.get_chain_compare, ridiom.get_truth_value_test, ridiom.get_for_else,
                 ridiom.get_ass_multi_targets, ridiom.get_star_call, ridiom.get_for_multi_targets]
    found = set()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for detector in detectors:
            try:
                pairs = detector(source)
            except Exception:  # RIdiom's own bugs on unusual code: that detector finds nothing here
                continue
            for entry in pairs:
                idiom, spans = RIDIOM_NAMES.get(entry[0]), entry[-1]
                lines = [pos[0] for span in spans for pos in span]
                if idiom and lines:
                    found.add((idiom, min(lines), max(lines)))
    return sorted(found)


def import_ridiom():
    """RIdiom's main module, imported quietly (it prints, and parses sys.argv, at import)."""
    argv = sys.argv
    sys.argv = ["RIdiom"]  # its main module parses argv at import
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            from RefactoringIdioms import main as ridiom_main
    finally:
        sys.argv = argv
    return ridiom_main


def visible_spans(tree: ast.Module) -> list[tuple[int, int]]:
    """Line spans RIdiom analyses: every ``def`` (not ``async def``) and ``if __name__ == "__main__"`` block."""
    spans = []
    for node in ast.walk(tree):
        is_main = isinstance(node, ast.If) and ast.unparse(node.test) == "__name__ == '__main__'"
        if isinstance(node, ast.FunctionDef) or is_main:
            spans.append((node.lineno, node.end_lineno))
    return spans


def compare(ours: list[tuple[str, int, int]], theirs: list[tuple[str, int, int]]) -> Counter:
    """Per idiom: findings both report (same idiom, overlapping lines), only ours, only RIdiom's."""
    counts: Counter = Counter()
    unmatched = list(theirs)
    for idiom, start, end in ours:
        match = next((t for t in unmatched if t[0] == idiom and t[1] <= end and start <= t[2]), None)
        if match:
            unmatched.remove(match)
            counts[(idiom, "both")] += 1
        else:
            counts[(idiom, "ours_only")] += 1
    for idiom, _, _ in unmatched:
        counts[(idiom, "ridiom_only")] += 1
    return counts


def agreement_table(counts: Counter, files: int, timeouts: int):
    """Rows per idiom: both, ours only, RIdiom only, and agreement = both / union."""
    import pandas as pd

    rows = []
    for idiom in IDIOMS:
        both, ours, theirs = (counts[(idiom, k)] for k in ("both", "ours_only", "ridiom_only"))
        union = both + ours + theirs
        rows.append({"idiom": idiom, "both": both, "ours only": ours, "RIdiom only": theirs,
                     "agreement": both / union if union else float("nan")})
    table = pd.DataFrame(rows)
    table.attrs.update(files=files, timeouts=timeouts)
    return table


def cross_check(projects, worker, *, max_lines: int, seed: int, max_bytes: int, max_files: int,
                timeout_s: float, log=print):
    """Agreement with RIdiom on up to ``max_files`` files drawn at random (seeded) from the scanned files.

    ``worker`` answers ``findings(source, timeout_s)`` with RIdiom's findings or None on a timeout
    (``RidiomWorker``). Files that the scan skips are passed over; timeouts are counted, not compared. Only
    our findings inside the spans RIdiom reads are compared. Returns the agreement table with the number of
    files compared and of timeouts as columns (so they travel with the CSV).
    """
    from smells.corpus import select_files
    from smells.scan import scan_file

    files = [(p, f) for p in projects for f in select_files(p, max_lines, seed)[0]]
    random.Random(seed).shuffle(files)
    counts, compared, timeouts = Counter(), 0, 0
    for project, relative in files:
        if compared >= max_files:
            break
        result = scan_file(project.root / relative, keep_source=True, max_bytes=max_bytes)
        if result.skip:
            continue
        theirs = worker.findings(result.source, timeout_s)
        if theirs is None:
            timeouts += 1
            log(f"timeout: {project.name}/{relative}")
            continue
        spans = visible_spans(ast.parse(result.source))
        ours = [(f.idiom, f.line, f.end_line) for f in result.findings
                if any(a <= f.line and f.end_line <= b for a, b in spans)]
        counts += compare(ours, theirs)
        compared += 1
    table = agreement_table(counts, compared, timeouts)
    table["files"] = compared
    table["timeouts"] = timeouts
    return table
