"""The paper: no number typed by hand in its sources, and it compiles from generated fragments when
latexmk is installed (skipped otherwise)."""

import re
import shutil
from pathlib import Path

import pytest

from deba.analysis import pipeline
from deba.analysis.paper import PaperBuildError, build_paper, latexmk_available

PAPER = Path(__file__).resolve().parents[2] / "paper"
OWN_SOURCES = [PAPER / "main.tex", *sorted(p for p in (PAPER / "sections").glob("*.tex") if p.name != "smells.tex")]
# What may hold digits: comments, math, and the arguments of commands that name things rather than state them.
ALLOWED = [r"(?<!\\)%.*", r"\$[^$]*\$", r"\\\[.*?\\\]", r"\\begin\{equation\}.*?\\end\{equation\}",
           (r"\\(cite[pt]?|ref|label|input|includegraphics|bibliography|bibliographystyle|usepackage|"
            r"documentclass|graphicspath|sisetup|setlength)(\[[^\]]*\])?\{[^}]*\}"),
           r"\[[^\]]*\]\{(article|geometry)\}", r"\\usepackage\[[^\]]*\]", r"\\documentclass\[[^\]]*\]"]


def prose_digits(text: str) -> list[str]:
    for pattern in ALLOWED:
        text = re.sub(pattern, " ", text, flags=re.DOTALL)
    return [line.strip() for line in text.splitlines() if re.search(r"\d", line)]


def test_no_number_typed_by_hand():
    assert OWN_SOURCES and (PAPER / "references.bib").exists()
    for path in OWN_SOURCES:
        assert prose_digits(path.read_text()) == [], f"{path.name} has a number typed by hand"
    assert prose_digits("a speedup of 45\\% and $x_1$ here")  # the check itself can fail
    assert prose_digits("% 45 in a comment, $x_1$ in math, \\ref{sec:a1}") == []


def test_main_inputs_every_section():
    main = (PAPER / "main.tex").read_text()
    for path in [*OWN_SOURCES[1:], PAPER / "sections" / "smells.tex"]:
        assert f"\\input{{sections/{path.stem}}}" in main


@pytest.mark.skipif(not latexmk_available(), reason="latexmk/pdflatex not installed")
def test_paper_compiles_without_undefined_references(analysed, tmp_path):
    _, aggregate_out, stats_out, _ = analysed
    paper = tmp_path / "paper"
    shutil.copytree(PAPER, paper, ignore=shutil.ignore_patterns("generated", "main.pdf", "*.aux", "*.log"))
    # The smells section needs the smells study's generated files; a stand-in keeps this test about the DEBA
    # part (the smells study tests its own section).
    (paper / "sections" / "smells.tex").write_text("\\section{Performance smells}\\label{sec:smells}\nStand-in.\n")
    pipeline.render_all(aggregate_out, stats_out, paper / "generated", n_resamples=200)
    pdf = build_paper(paper)
    assert pdf.read_bytes().startswith(b"%PDF")
    # a broken reference must fail the build
    (paper / "sections" / "limitations.tex").write_text("\\section{Limitations} See Table~\\ref{tab:nowhere}.\n")
    with pytest.raises(PaperBuildError, match="undefined"):
        build_paper(paper)
