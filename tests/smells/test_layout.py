"""smells.layout is the one place the study's paths are written: the rule files hold none, and every figure,
table and the macros it names can be written from the files it says they read."""
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from smells import figures, layout, report

ROOT = Path(__file__).parents[2]
RECORDED = ROOT / "recorded" / "smells-44"


def test_rule_files_write_no_path():
    rule_files = sorted((ROOT / "workflow" / "rules").glob("smells*.smk"))
    assert len(rule_files) > 1
    for rule_file in rule_files:
        text = rule_file.read_text()
        written = re.findall(r"""["'][^"'\n]*\.(?:csv|json|tex|pdf|log)["']""", text) + re.findall(r"results/", text)
        assert not written, f"{rule_file.name} writes paths {written}; they belong in smells.layout"


def test_every_result_file_has_one_key_and_one_writer():
    names = [name for names in layout.STAGE_FILES.values() for name in names]
    assert len(names) == len(set(names))
    assert set(layout.OPTIONAL_STAGES) <= set(layout.STAGE_FILES)
    for key in {*layout.RECORDED_FILES, *layout.MACRO_INPUTS,
                *(key for inputs in [*layout.FIGURE_INPUTS.values(), *layout.TABLE_INPUTS.values()] for key in inputs)}:
        assert layout.source_path(key, "results/smells/x")  # known key
    assert layout.source_path("tests", "f") == "f/tests.json"
    assert layout.source_path("microbench", "f") == layout.SHARED_FILES["microbench"]


def test_sources_leave_out_the_tools_not_installed():
    sources = layout.sources(layout.MACRO_INPUTS, "f", installed=())
    assert "ridiom" not in sources and "projects" in sources
    assert "ridiom" in layout.sources(layout.MACRO_INPUTS, "f", installed=("ridiom",))


def test_this_run_replaces_a_recorded_study_of_its_name():
    recorded = [{"label": "pinned-44", "path": "recorded/smells-44"}, {"label": "other", "path": "recorded/o"}]
    assert layout.studies("pinned-44", recorded) == {"pinned-44": "results/smells/pinned-44", "other": "recorded/o"}
    assert layout.scale_sources({"a": "x"}) == ["x/projects.csv", "x/comparison.csv", "x/tests.json"]


@pytest.fixture
def study(tmp_path):
    """The recorded 44-project study with a microbenchmark and a self-scan beside it, by key."""
    bench = pd.DataFrame({"idiom": ["for-else"], "variant": ["suggested"], "smelly_s": [2.0], "idiomatic_s": [1.0],
                          "ratio": [2.0], "ratio_min": [1.5], "ratio_max": [2.5], "faster": [True], "repeats": [3],
                          "number": [10], "interpreter": ["CPython 3.11"]})
    bench.to_csv(tmp_path / "microbench.csv", index=False)
    (tmp_path / "self_scan.json").write_text(json.dumps({"files_scanned": 3, "lines": 30, "findings": 1}))
    sources = {key: str(RECORDED / layout.file_name(key)) for key in layout.RECORDED_FILES}
    return {**sources, "microbench": str(tmp_path / "microbench.csv"), "self_scan": str(tmp_path / "self_scan.json")}


def test_every_table_and_the_macros_are_written_from_their_inputs(study, tmp_path):
    for name, inputs in layout.TABLE_INPUTS.items():
        output = tmp_path / f"{name}.tex"
        report.render_table(name, {key: study[key] for key in inputs}, output, studies={"pinned-44": RECORDED})
        assert "\\label{tab:smells-" in output.read_text(), name
    values = report.write_section_macros({key: study[key] for key in layout.MACRO_INPUTS}, tmp_path / "macros.tex",
                                         corpus="pinned-44")
    assert values["self findings"] == 1 and values["ridiom files"] > 0


def test_a_cross_check_without_its_tool_says_so(study, tmp_path):
    report.render_table("ruff", {}, tmp_path / "ruff.tex")
    assert "ruff was not installed" in (tmp_path / "ruff.tex").read_text()
    values = report.write_section_macros({key: study[key] for key in layout.MACRO_INPUTS if key != "ridiom"},
                                         tmp_path / "macros.tex", corpus="c")
    assert values["ridiom files"] == 0


@pytest.mark.parametrize("name", sorted(layout.FIGURE_INPUTS))
def test_every_figure_is_drawn_from_its_inputs(study, tmp_path, name):
    output = figures.render(name, {key: study[key] for key in layout.FIGURE_INPUTS[name]}, tmp_path / "f.pdf")
    assert output.read_bytes().startswith(b"%PDF")
