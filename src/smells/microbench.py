"""Micro-benchmarks: is each idiom actually faster than its non-idiomatic form on this interpreter?

Each case times the smelly form and the form ``smells`` suggests for it, on the same data, with
``timeit``; the two are interleaved repeat by repeat so drift in machine load hits both. The ratio is
smelly time / idiomatic time: above 1 means the idiom is faster. Each pair is checked to compute the same
result before it is timed.
"""
from __future__ import annotations

import platform
import statistics
import sys
import timeit
from dataclasses import dataclass

from smells.findings import IDIOMS


@dataclass(frozen=True)
class Case:
    idiom: str
    setup: str
    smelly: str
    idiomatic: str
    result: str  # expression evaluated after each snippet to check both compute the same thing
    variant: str = "suggested"  # "suggested": the form smells prints; "exact": the tighter form a human writes


_SETUP = "xs = list(range(1000)); pairs = [(i, i * 2) for i in xs]; rec = (1, 2, 3); empty = []\n" \
         "def f(a, b, c):\n    return a + b + c\n"

CASES: tuple[Case, ...] = (
    Case("list-comprehension", _SETUP, "out = []\nfor x in xs:\n    out.append(x * 2)",
         "out = [x * 2 for x in xs]", "out"),
    Case("set-comprehension", _SETUP, "out = set()\nfor x in xs:\n    out.add(x % 97)",
         "out = {x % 97 for x in xs}", "out"),
    Case("dict-comprehension", _SETUP, "out = {}\nfor x in xs:\n    out[x] = x * 2",
         "out = {x: x * 2 for x in xs}", "out"),
    Case("chain-comparison", _SETUP, "out = 0\nfor x in xs:\n    if 10 < x and x < 500:\n        out += 1",
         "out = 0\nfor x in xs:\n    if 10 < x < 500:\n        out += 1", "out"),
    Case("truth-value-test", _SETUP, "out = 0\nfor x in xs:\n    if empty == []:\n        out += 1",
         "out = 0\nfor x in xs:\n    if not empty:\n        out += 1", "out"),
    Case("for-else", _SETUP,
         "found = False\nfor x in xs:\n    if x == 999:\n        found = True\n        break\nout = 0 if found else 1",
         "for x in xs:\n    if x == 999:\n        out = 0\n        break\nelse:\n    out = 1", "out"),
    Case("assign-multiple-targets", _SETUP, "for x in xs:\n    a = x\n    b = 2\nout = a + b",
         "for x in xs:\n    a, b = x, 2\nout = a + b", "out"),
    Case("star-in-call", _SETUP, "out = 0\nfor x in xs:\n    out += f(rec[0], rec[1], rec[2])",
         "out = 0\nfor x in xs:\n    out += f(*rec[:3])", "out"),
    Case("for-multiple-targets", _SETUP, "out = 0\nfor p in pairs:\n    out += p[0] + p[1]",
         "out = 0\nfor p_0, p_1, *_ in pairs:\n    out += p_0 + p_1", "out"),
    # Where our suggestion must stay general (unknown length), also time the exact form a human would write.
    Case("star-in-call", _SETUP, "out = 0\nfor x in xs:\n    out += f(rec[0], rec[1], rec[2])",
         "out = 0\nfor x in xs:\n    out += f(*rec)", "out", "exact"),
    Case("for-multiple-targets", _SETUP, "out = 0\nfor p in pairs:\n    out += p[0] + p[1]",
         "out = 0\nfor p_0, p_1 in pairs:\n    out += p_0 + p_1", "out", "exact"),
)
assert tuple(c.idiom for c in CASES if c.variant == "suggested") == IDIOMS


def _result_of(setup: str, snippet: str, result: str):
    namespace: dict = {}
    exec(setup, namespace)  # noqa: S102 - fixed benchmark snippets defined above, not scanned code
    exec(snippet, namespace)  # noqa: S102
    return eval(result, namespace)


def run_case(case: Case, *, number: int, repeats: int) -> dict:
    """Time one case; returns per-loop seconds (median over repeats) and the speed ratio with its range."""
    if _result_of(case.setup, case.smelly, case.result) != _result_of(case.setup, case.idiomatic, case.result):
        raise AssertionError(f"micro-benchmark {case.idiom}: the two forms compute different results")
    smelly_timer = timeit.Timer(case.smelly, case.setup)
    idiomatic_timer = timeit.Timer(case.idiomatic, case.setup)
    smelly, idiomatic = [], []
    for _ in range(repeats):
        smelly.append(smelly_timer.timeit(number) / number)
        idiomatic.append(idiomatic_timer.timeit(number) / number)
    ratios = [s / i for s, i in zip(smelly, idiomatic)]
    return {
        "idiom": case.idiom, "variant": case.variant,
        "smelly_s": statistics.median(smelly), "idiomatic_s": statistics.median(idiomatic),
        "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
        "faster": min(ratios) > 1.0, "repeats": repeats, "number": number,
    }


def run_all(*, number: int, repeats: int) -> list[dict]:
    return [run_case(case, number=number, repeats=repeats) for case in CASES]


def interpreter() -> str:
    return f"{platform.python_implementation()} {sys.version.split()[0]}"
