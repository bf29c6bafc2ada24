"""Micro-benchmark cases are equivalent pairs; RIdiom comparison logic; the optional tools skip cleanly."""
import ast

import pytest

from smells import ridiom
from smells.findings import IDIOMS
from smells.microbench import CASES, _result_of, run_case


def test_one_suggested_case_per_idiom():
    assert [c.idiom for c in CASES if c.variant == "suggested"] == list(IDIOMS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.idiom}-{c.variant}")
def test_both_forms_compute_the_same(case):
    assert _result_of(case.setup, case.smelly, case.result) == _result_of(case.setup, case.idiomatic, case.result)


def test_run_case_reports_a_ratio():
    row = run_case(CASES[0], number=2, repeats=3)
    assert row["ratio_min"] <= row["ratio"] <= row["ratio_max"] and row["repeats"] == 3


def test_a_pair_that_differs_is_refused():
    from dataclasses import replace

    broken = replace(CASES[0], idiomatic="out = [x * 3 for x in xs]")
    with pytest.raises(AssertionError, match="different results"):
        run_case(broken, number=1, repeats=3)


def test_compare_matches_overlapping_findings_of_the_same_idiom():
    ours = [("truth-value-test", 3, 3), ("assign-multiple-targets", 5, 6), ("star-in-call", 9, 9)]
    theirs = [("truth-value-test", 3, 3), ("assign-multiple-targets", 6, 7), ("chain-comparison", 9, 9)]
    counts = ridiom.compare(ours, theirs)
    assert counts[("truth-value-test", "both")] == 1
    assert counts[("assign-multiple-targets", "both")] == 1
    assert counts[("star-in-call", "ours_only")] == 1
    assert counts[("chain-comparison", "ridiom_only")] == 1
    table = ridiom.agreement_table(counts, files=1, timeouts=0).set_index("idiom")
    assert table.loc["truth-value-test", "agreement"] == 1.0
    assert table.loc["chain-comparison", "agreement"] == 0.0


def test_visible_spans_are_def_bodies_and_main_blocks():
    tree = ast.parse("x = 1\ndef f():\n    pass\nasync def g():\n    pass\nif __name__ == '__main__':\n    f()\n")
    assert ridiom.visible_spans(tree) == [(2, 3), (6, 7)]


needs_ridiom = pytest.mark.skipif(not ridiom.available(), reason="RefactoringIdioms (optional extra) not installed")


@needs_ridiom
def test_ridiom_documented_differences():
    """RIdiom's behaviour that docs/smells.md lists as wrong, observed on RIdiom itself."""
    source = (
        "a = 1\nb = 2\n"  # module level: RIdiom does not read it
        "def f(s, x, p, q, r):\n"
        "    if s == '':\n        pass\n"  # missed by RIdiom ('' compared as an empty string)
        "    if x == None:\n        pass\n"  # RIdiom suggests `not x`
        "    if p < q and r > q:\n        pass\n"  # RIdiom reorders operands into a chain
        "    def g():\n        c = 1\n        d = 2\n"  # nested: RIdiom walks it twice
        "async def h():\n    e = 1\n    k = 2\n"  # async def: RIdiom skips it
    )
    with ridiom.RidiomWorker() as worker:
        found = worker.findings(source, timeout_s=30)
    lines = {(idiom, start) for idiom, start, _ in found}
    assert ("assign-multiple-targets", 1) not in lines
    assert ("truth-value-test", 4) not in lines
    assert ("truth-value-test", 6) in lines
    assert ("chain-comparison", 8) in lines
    assert ("assign-multiple-targets", 15) not in lines


@needs_ridiom
def test_a_file_past_its_timeout_gives_none_and_the_next_file_a_fresh_worker():
    slow = "def f(x):\n" + "".join(f"    a{i} = {i}\n" for i in range(3000))
    with ridiom.RidiomWorker() as worker:
        assert worker.findings(slow, timeout_s=0.001) is None
        assert worker.findings("def g(s):\n    if s == None:\n        pass\n", timeout_s=30) == [
            ("truth-value-test", 2, 2)]


def test_a_worker_that_cannot_start_is_reported(monkeypatch):
    monkeypatch.setattr(ridiom.sys, "executable", "/bin/false")
    with ridiom.RidiomWorker() as worker, pytest.raises(RuntimeError, match="RIdiom worker exited.*installed"):
        worker.findings("x = 1\n", timeout_s=5)
