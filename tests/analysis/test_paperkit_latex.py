"""paperkit.latex: escaping of awkward names, tables, macros."""

import re

import numpy as np
import pandas as pd
import pytest

from deba.analysis.paper import PaperBuildError, build_paper, latexmk_available
from paperkit.latex import (
    escape,
    format_number,
    interval,
    macro_name,
    p_value,
    percent,
    plain,
    text_columns,
    write_macros,
    write_table,
)


def test_escape_awkward_names():
    assert escape("mobilenet_v3") == r"mobilenet\_v3"
    assert escape("50%") == r"50\%"
    assert escape("a&b $x$ #1 {y} ~ ^ \\") == (r"a\&b \$x\$ \#1 \{y\} \textasciitilde{} \textasciicircum{} "
                                               r"\textbackslash{}")


def test_format_number():
    assert format_number(0.123456, 3) == "0.123"
    assert format_number(-0.5, 1) == "$-$0.5"
    assert format_number(-0.0001, 2) == "0.00"
    assert format_number(float("nan"), 2) == "n/a" == format_number(None)
    assert format_number(2.5, 1, sign=True) == "+2.5"


def test_interval_percent_and_p_value():
    assert interval(0.029, 0.026, 0.032, scale=100, digits=1, sign=True) == "+2.9 [2.6, 3.2]"
    assert interval(-0.004, -0.02, 0.005, scale=100, digits=1, sign=True) == "$-$0.4 [$-$2.0, 0.5]"
    assert interval(0.5, float("nan"), 0.6) == "0.50"  # no interval without both ends
    assert interval(float("nan"), 0.1, 0.2) == "n/a" == interval(None, None, None)
    assert percent(0.123) == "12.3" and percent(0.123, symbol=True) == "12.3\\%"
    assert percent(-0.05, sign=True) == "$-$5.0" and percent(0.05, sign=True) == "+5.0"
    assert percent(float("nan")) == "n/a"
    assert p_value(0.0004) == "$<$0.001" and p_value(0.0123) == "0.012" and p_value(None) == "n/a"


def test_plain_undoes_only_the_formatters_marks():
    assert plain("$-$0.4 [$-$1.3, 0.0]\\% $^*$ $<$0.001") == "\u22120.4 [\u22121.3, 0.0]% * <0.001"
    assert plain("mobilenet_v3") == "mobilenet_v3"


def test_macro_name_letters_only():
    assert macro_name("speedup", "mobilenet_v3", "cifar10") == "SpeedupMobilenetVThreeCifarOneZero"
    assert re.fullmatch("[A-Za-z]+", macro_name("deba", "50%", "x-y"))
    with pytest.raises(ValueError):
        macro_name("__")


def test_write_macros(tmp_path):
    path = write_macros({"DebaB": 0.5, "DebaA": "x", "DebaC": 3, "DebaD": float("nan")}, tmp_path / "m.tex")
    lines = path.read_text().splitlines()[1:]
    assert lines == [r"\newcommand{\DebaA}{x}", r"\newcommand{\DebaB}{0.50}", r"\newcommand{\DebaC}{3}",
                     r"\newcommand{\DebaD}{n/a}"]
    with pytest.raises(ValueError, match="letters only"):
        write_macros({"Deba1": 1}, tmp_path / "bad.tex")


def test_write_table_escapes_headers_and_cells(tmp_path):
    frame = pd.DataFrame({"arch": ["mobilenet_v3", "resnet18"], "rate 50%": [0.5, np.nan], "n": [3, 5],
                          "interval": ["[$-$0.1, 0.2]", "n/a"]})
    text = write_table(frame, tmp_path / "t.tex", caption="Results", label="tab:r",
                       latex_columns=("interval",)).read_text()
    assert r"mobilenet\_v3" in text and r"{rate 50\%}" in text
    assert r"\toprule" in text and r"\bottomrule" in text and r"\label{tab:r}" in text
    assert r"\begin{tabular}{lSSl}" in text
    assert "{n/a}" in text and "0.500" in text and "[$-$0.1, 0.2]" in text
    dz = write_table(frame.rename(columns={"n": "$d_z$"}), tmp_path / "dz.tex", caption="c", label="l",
                     latex_headers=("$d_z$",)).read_text()
    assert "{$d_z$}" in dz and r"{rate 50\%}" in dz
    wide = write_table(frame, tmp_path / "w.tex", caption="c", label="l", siunitx=False, wide=True,
                       note="A note.").read_text()
    assert r"\begin{table*}" in wide and "A note." in wide and r"\begin{tabular}{lrrl}" in wide


def test_write_table_stacks_units_and_shrinks_only_what_is_too_wide(tmp_path):
    frame = pd.DataFrame({"Speedup (%)": [1.5], "rate (per KLOC, 95%)": [2.0], "n (x": [3]})
    text = write_table(frame, tmp_path / "t.tex", caption="c", label="l").read_text()
    assert r"{\shortstack{Speedup\\(\%)}}" in text
    assert r"\shortstack{rate\\(per KLOC, 95\%)}" in text
    assert r"{n (x}" in text  # no closing parenthesis: not a unit
    assert text.index(r"\begin{adjustbox}{max width=\linewidth, max totalheight=0.75\textheight}") < \
        text.index(r"\begin{tabular}")
    assert text.index(r"\end{tabular}") < text.index(r"\end{adjustbox}") < text.index(r"\end{table}")



@pytest.mark.skipif(not latexmk_available(), reason="latexmk/pdflatex not installed")
def test_a_table_taller_than_the_page_shrinks_to_fit_and_one_that_does_not_fails_the_build(tmp_path):
    frame = pd.DataFrame({"Claim": [f"claim {i}" for i in range(150)], "Verdict": ["not run"] * 150})
    table = write_table(frame, tmp_path / "table.tex", caption="A long table.", label="tab:long", wide=True)
    preamble = ("\\documentclass[twocolumn]{article}\n\\usepackage{booktabs}\n\\usepackage{adjustbox}\n"
                "\\usepackage{siunitx}\n\\begin{document}\n")
    fits, overruns = tmp_path / "fits", tmp_path / "overruns"
    for folder, body in ((fits, table.read_text()),
                         (overruns, re.sub(r"\\(begin|end)\{adjustbox\}(\{[^\n]*\})?\n", "", table.read_text()))):
        folder.mkdir()
        (folder / "main.tex").write_text(preamble + body + "\\end{document}\n")
    assert build_paper(fits).exists()
    with pytest.raises(PaperBuildError, match="Float too large"):  # rows would run off the page unseen
        build_paper(overruns)


def test_text_columns_are_ragged_right_paragraphs_of_the_given_widths():
    assert text_columns(3.4, 1.25) == (r">{\raggedright\arraybackslash}p{3.40cm}"
                                       r">{\raggedright\arraybackslash}p{1.25cm}")
