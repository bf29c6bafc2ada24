"""ruff's PERF column: skipped cleanly when ruff is not installed."""
import pytest

from smells.ruffcheck import perf_findings, ruff_command

COMMAND = ruff_command()


@pytest.mark.skipif(COMMAND is None, reason="ruff (optional extra smells-ref) not installed")
def test_perf401_on_a_manual_list_loop(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "def f(xs):\n    out = []\n    for x in xs:\n        if x:\n            out.append(x)\n    return out\n")
    clean = tmp_path / "clean.py"
    clean.write_text("def g(xs):\n    return [x for x in xs if x]\n")
    found = perf_findings(COMMAND, [source, clean])
    assert [(f["code"], f["row"]) for f in found] == [("PERF401", 5)]
    assert found[0]["filename"] == str(source)
