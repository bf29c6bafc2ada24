"""`snakemake arxiv` after the tiny run: results/arxiv.tar.gz holds the paper's sources, generated tables and
macros, the figures it uses and its .bbl, nothing else, and compiles unpacked in an empty folder; editing any
of the paper's inputs remakes it. Needs LaTeX (skipped otherwise)."""

import re
import shutil
import tarfile
from pathlib import Path

import pytest

from deba.analysis.paper import build_paper, latexmk_available

from .conftest import snakemake
from .test_cache import copy_finished, planned_jobs

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not latexmk_available(), reason="latexmk/pdflatex not installed")]


@pytest.fixture(scope="module")
def arxiv_workflow(tiny_workflow, tmp_path_factory):
    workdir = copy_finished(tiny_workflow, tmp_path_factory.mktemp("arxiv") / "tiny")
    snakemake(workdir, "arxiv", "--cores", "2", "--configfile", "config/tiny.yaml")
    return workdir


def test_the_tarball_holds_the_paper_and_nothing_else_and_compiles_alone(arxiv_workflow, tmp_path):
    with tarfile.open(arxiv_workflow / "results" / "arxiv.tar.gz") as tar:
        names = tar.getnames()
        assert all(member.isfile() for member in tar.getmembers())
        tar.extractall(tmp_path / "unpacked", filter="data")
    assert {"main.tex", "main.bbl", "generated/macros.tex"} <= set(names)
    head = (tmp_path / "unpacked" / "main.tex").read_text().splitlines()[:5]
    assert any(line.startswith(r"\pdfoutput=1") for line in head), "arXiv reads \\pdfoutput=1 in the first five lines"
    assert {Path(name).suffix for name in names} == {".tex", ".bbl", ".pdf"}  # no .bib, data or leftovers
    assert not [name for name in names if any(part.startswith(".") for part in Path(name).parts)]
    paper = arxiv_workflow / "paper"
    sections = {f"sections/{path.name}" for path in (paper / "sections").glob("*.tex")}
    assert sections <= set(names), "a hand-written section is missing"
    # every figure the sources include is there, and no other
    included = set()
    for name in names:
        if name.endswith(".tex"):
            text = (tmp_path / "unpacked" / name).read_text()
            assert "{../" not in text
            included |= set(re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}", text))
    figures = {name for name in names if name.endswith(".pdf")}
    assert {Path(name).stem for name in figures} == {Path(name).stem for name in included}
    assert build_paper(tmp_path / "unpacked").stat().st_size > 10_000  # offline; fails on "??" or a missing file


@pytest.mark.parametrize("edited", ["paper/sections/method.tex", "paper/generated/macros.tex",
                                    "paper/generated/tables/main.tex", "figures/smells/density.pdf"])
def test_editing_any_input_of_the_paper_remakes_the_tarball(arxiv_workflow, tmp_path, edited):
    workdir = tmp_path / "copy"
    shutil.copytree(arxiv_workflow, workdir, symlinks=True)
    assert "arxiv" not in {rule for rule, _ in planned_jobs(workdir, targets=("arxiv",))[0]}
    with open(workdir / edited, "ab") as file:
        file.write(b"\n% an edit\n")
    assert "arxiv" in {rule for rule, _ in planned_jobs(workdir, targets=("arxiv",))[0]}
