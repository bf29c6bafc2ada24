"""The paper: no number typed by hand in its sources, and it compiles from generated fragments when
latexmk is installed (skipped otherwise)."""

import re
import shutil
from pathlib import Path

import pytest

from deba.analysis.paper import PaperBuildError, build_paper_copy, latexmk_available, recorded_sections_tex
from deba.analysis.render import recorded_prefixes, render_all

PAPER = Path(__file__).resolve().parents[2] / "paper"
SECTIONS = sorted(p for p in (PAPER / "sections").glob("*.tex") if p.name != "smells.tex")
RECORDED_SECTIONS = sorted((PAPER / "recorded").glob("*.tex"))  # one per recorded set the paper can show
OWN_SOURCES = [PAPER / "main.tex", *SECTIONS, *RECORDED_SECTIONS]
# What may hold digits: comments (to the end of their line: the patterns run with re.DOTALL), math, the
# arguments of commands that name things rather than state them, and the names of datasets and networks.
ALLOWED = [r"(?<!\\)%[^\n]*", r"\$[^$]*\$", r"\\\[.*?\\\]", r"\\begin\{equation\}.*?\\end\{equation\}",
           (r"\\(cite[pt]?|ref|label|input|includegraphics|bibliography|bibliographystyle|usepackage|"
            r"documentclass|graphicspath|sisetup|setlength)(\[[^\]]*\])?\{[^}]*\}"),
           r"\[[^\]]*\]\{(article|geometry)\}", r"\\usepackage\[[^\]]*\]", r"\\documentclass\[[^\]]*\]",
           r"\\pdfoutput=1",  # a switch for arXiv's build (main.tex's first line), not a number of the paper
           r"\b(CIFAR|ResNet|DenseNet|EfficientNet|MobileNet|ViT)-\w+"]  # names of datasets and networks


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
    # a comment ends at its line
    assert prose_digits("% a comment\nan epoch of 640 images") == ["an epoch of 640 images"]


def test_main_inputs_every_section():
    main = (PAPER / "main.tex").read_text()
    for path in [*SECTIONS, PAPER / "sections" / "smells.tex"]:
        assert f"\\input{{sections/{path.stem}}}" in main
    assert "\\input{generated/recorded}" in main  # the recorded sets' sections (deba.analysis.paper)


def paper_sources(paper: Path = PAPER) -> list[Path]:
    """The paper's hand-written sources, the files git tracks under paper/ (generated/ is made by the rules):
    never the folder as a whole, which after a workflow run may also hold a PDF or latexmk's files."""
    return [paper / "main.tex", paper / "references.bib", *sorted((paper / "sections").glob("*.tex")),
            *sorted((paper / "recorded").glob("*.tex"))]


# What an interrupted or older build leaves beside main.tex; a stale main.bbl with a bad entry made the
# copied paper fail in bibtex (issue 15).
LEFTOVERS = {"main.bbl": "\\begin{thebibliography}{1}\\bibitem{broken\n", "main.aux": "\\relax\n\\citation{nowhere}\n",
             "main.fdb_latexmk": "# Fdb version 4\n", "main.log": "", "main.pdf": "not a pdf"}


def paper_with_leftovers(tmp_path: Path) -> Path:
    """A copy of the paper's sources with latexmk's leftovers beside them, as a workflow run in paper/ left them."""
    paper = tmp_path / "checkout" / "paper"
    for source in paper_sources():
        target = paper / source.relative_to(PAPER)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for name, text in LEFTOVERS.items():
        (paper / name).write_text(text)
    return paper


def test_paper_sources_leave_out_build_files(tmp_path):
    paper = paper_with_leftovers(tmp_path)
    names = {path.name for path in paper_sources(paper)}
    assert "main.tex" in names and "references.bib" in names and "limitations.tex" in names
    assert not names & set(LEFTOVERS)
    assert (paper / "main.bbl").exists()  # the check itself: the leftovers are there to be left out


@pytest.mark.skipif(not latexmk_available(), reason="latexmk/pdflatex not installed")
def test_paper_compiles_without_undefined_references(analysed, tmp_path):
    """Built as the workflow builds it (a copy of the inputs in a build folder), from a paper/ folder that
    holds a previous build's leftovers: they must not matter."""
    _, aggregate_out, stats_out, _ = analysed
    paper = paper_with_leftovers(tmp_path)
    # The smells section needs the smells study's generated files; a stand-in keeps this test about the DEBA
    # part (the smells study tests its own section).
    (paper / "sections" / "smells.tex").write_text("\\section{Performance smells}\\label{sec:smells}\nStand-in.\n")
    written = render_all(aggregate_out, stats_out, paper / "generated", n_resamples=200)
    # and every recorded set's section, here made from the same results: their macros, labels and captions
    # must not clash with the main ones
    names = [path.stem for path in RECORDED_SECTIONS]
    for name in names:
        written += render_all(aggregate_out, stats_out, paper / "generated" / "recorded" / name, n_resamples=200,
                              **recorded_prefixes(name))
    (paper / "generated" / "recorded.tex").write_text(recorded_sections_tex(names))
    written.append(paper / "generated" / "recorded.tex")
    build = tmp_path / "checkout" / "results" / "paper-build"
    sources = [*paper_sources(paper), *map(Path, written)]
    pdf = build_paper_copy(sources, paper / "main.tex", build, paper / "main.pdf", root=paper.parent)
    assert pdf.read_bytes().startswith(b"%PDF")
    # latexmk worked in the build folder; in paper/ only the PDF was replaced
    assert (build / "paper" / "main.aux").exists()
    assert all((paper / name).read_text() == text for name, text in LEFTOVERS.items() if name != "main.pdf")
    # a broken reference must fail the build
    (paper / "sections" / "limitations.tex").write_text("\\section{Limitations} See Table~\\ref{tab:nowhere}.\n")
    with pytest.raises(PaperBuildError, match="undefined"):
        build_paper_copy(sources, paper / "main.tex", build, paper / "main.pdf", root=paper.parent)
