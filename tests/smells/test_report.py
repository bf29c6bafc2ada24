"""LaTeX fragments: macros are valid names with the study prefix; a missing optional table still has its label."""
import re

import pandas as pd

from smells import report


def test_macros_are_prefixed_letters_only(tmp_path):
    path = tmp_path / "macros.tex"
    report.macros({"total delta": 0.5, "mapping n": 60, "densest stage": "data processing"}, path)
    text = path.read_text()
    assert "\\newcommand{\\SmellsTotalDelta}{0.50}" in text
    assert "\\newcommand{\\SmellsMappingN}{60}" in text
    assert all(re.fullmatch(r"Smells[A-Za-z]+", n) for n in re.findall(r"\\newcommand\{\\(\w+)\}", text))


def test_missing_optional_table_keeps_label(tmp_path):
    path = tmp_path / "ridiom.tex"
    report.optional_table(None, path, caption="c", label="tab:smells-ridiom", missing="RIdiom was not installed")
    text = path.read_text()
    assert "\\label{tab:smells-ridiom}" in text and "RIdiom was not installed" in text


def test_optional_table_writes_a_booktabs_table(tmp_path):
    path = tmp_path / "t.tex"
    frame = pd.DataFrame({"idiom": ["for-else"], "both": [3], "agreement": [0.75]})
    report.optional_table(frame, path, caption="c", label="tab:x", missing="none")
    text = path.read_text()
    assert "\\toprule" in text and "for-else" in text and "0.75" in text and "\\label{tab:x}" in text
