"""Cross-check against RIdiom itself (PyPI ``RefactoringIdioms==0.0.11``), run in-process, per file, with a timeout.

RIdiom is an optional extra: ``pip install --no-deps RefactoringIdioms==0.0.11 sympy pathos`` (plus pathos'
own small dependencies ``ppft dill multiprocess pox``, which ``--no-deps`` leaves out). ``available()`` says
whether it can be imported; nothing here imports it at module import time.

RIdiom only reads the bodies of ``def`` functions (and ``if __name__ == "__main__":`` blocks), so the
agreement is computed on the code it can see: our findings inside those spans against RIdiom's findings,
with RIdiom's duplicates (a nested function is walked twice) removed.
"""
from __future__ import annotations

import ast
import contextlib
import gc
import importlib.util
import io
import signal
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


class RidiomTimeout(Exception):
    pass


class _Deadline:
    """SIGALRM-based per-file deadline.

    RIdiom wraps its detectors in bare ``except:`` clauses that swallow any exception, so one alarm is not
    enough: after the deadline the timer re-fires every few milliseconds until the exception escapes to us.
    Garbage collection is off meanwhile: a gc callback (hypothesis registers one) running when the alarm
    fires would lose the timeout as an "unraisable" exception, or raise it inside whatever hook reports that.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False
        self.expired = False

    def _on_alarm(self, signum, frame):
        if self.armed:
            self.expired = True
            raise RidiomTimeout()

    def __enter__(self):
        # Not armed yet: an alarm raised inside __enter__ would escape the `with` statement. The caller
        # arms it as the first statement of the block; an alarm before that is ignored and re-fires.
        self.gc_was_enabled = gc.isenabled()
        gc.disable()
        self.previous = signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.005)
        return self

    def __exit__(self, *exc):
        self.armed = False  # first: an alarm arriving from here on is ignored
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        if self.gc_was_enabled:
            gc.enable()
        return isinstance(exc[1], RidiomTimeout)


def available() -> bool:
    """Whether RIdiom and the modules it imports at load time are installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("RefactoringIdioms", "pathos", "sympy"))


def _load():
    import sys

    argv = sys.argv
    sys.argv = ["RIdiom"]  # its main module parses argv at import
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            from RefactoringIdioms import main as ridiom_main
    finally:
        sys.argv = argv
    return ridiom_main


def ridiom_findings(source: str, timeout_s: float) -> list[tuple[str, int, int]] | None:
    """RIdiom's findings in one file as (idiom, first line, last line), deduplicated; None on timeout."""
    ridiom = _load()
    detectors = [ridiom.get_list_comprehension, ridiom.get_set_comprehension, ridiom.get_dict_comprehension,
                 ridiom.get_chain_compare, ridiom.get_truth_value_test, ridiom.get_for_else,
                 ridiom.get_ass_multi_targets, ridiom.get_star_call, ridiom.get_for_multi_targets]
    found = set()
    with _Deadline(timeout_s) as deadline, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        deadline.armed = True
        for detector in detectors:
            try:
                pairs = detector(source)
            except RidiomTimeout:
                raise
            except Exception:  # RIdiom's own bugs on unusual code: that detector finds nothing here
                continue
            if deadline.expired:  # the alarm fired inside RIdiom and was swallowed there
                raise RidiomTimeout()
            for entry in pairs:
                idiom, spans = RIDIOM_NAMES.get(entry[0]), entry[-1]
                lines = [pos[0] for span in spans for pos in span]
                if idiom and lines:
                    found.add((idiom, min(lines), max(lines)))
    if deadline.expired:
        return None
    return sorted(found)


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
