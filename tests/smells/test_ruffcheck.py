"""ruff's PERF column: skipped cleanly when ruff is not installed."""
import pytest

from smells.corpus import Project
from smells.ruffcheck import corpus_findings, perf_findings, ruff_command

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


@pytest.mark.skipif(COMMAND is None, reason="ruff (optional extra smells-ref) not installed")
def test_corpus_findings_name_files_as_the_scan_does_from_a_relative_root(tmp_path, monkeypatch):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "m.py").write_text("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n"
                                         "    return out\n")
    (tmp_path / "p" / "bad.py").write_text("def g(:\n")  # a syntax error is not a PERF finding
    monkeypatch.chdir(tmp_path)
    found = corpus_findings(COMMAND, [Project("p", "1", tmp_path.joinpath("p").relative_to(tmp_path), ["bad.py", "m.py"])],
                            max_lines=0, seed=0)
    # PERF402: a plain copy loop (list(xs)); the path is the scan's, relative to the root
    assert found.to_dict("records") == [{"project": "p", "path": "m.py", "code": "PERF402", "row": 4}]
