"""paperkit.arxiv: what a bundle holds (the sources a build read, the .bbl), what it refuses, and that it is
byte-stable; with LaTeX installed, a small paper with a citation and a figure outside its folder, bundled and
compiled again unpacked in an empty folder."""

import tarfile

import pytest

from deba.analysis.paper import build_paper, latexmk_available
from paperkit import arxiv

MAIN = r"""\documentclass{article}
\usepackage{graphicx}
\begin{document}
Text \cite{knuth}.
\input{sections/intro}
\includegraphics[width=2cm]{../figures/dot.pdf}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""


def fake_build(tmp_path):
    """A paper folder as latexmk leaves it: sources, a .bbl, build leftovers, a hidden file, the recorder's
    list (relative and absolute entries, system files, a source read twice)."""
    root = tmp_path / "build"
    paper = root / "paper"
    (paper / "sections").mkdir(parents=True)
    (root / "figures").mkdir()
    (paper / "main.tex").write_text(MAIN)
    (paper / "sections" / "intro.tex").write_text("Intro.\n")
    (paper / "sections" / "unused.tex").write_text("Never input.\n")
    (paper / "refs.bib").write_text("@book{knuth, title={T}, author={K}, year={1984}}\n")
    (paper / "main.bbl").write_text("\\begin{thebibliography}{1}\\end{thebibliography}\n")
    (paper / ".hidden.tex").write_text("")
    (root / "figures" / "dot.pdf").write_bytes(b"%PDF-1.4 not really\n")
    for leftover in ("main.aux", "main.log", "main.out"):
        (paper / leftover).write_text("")
    (paper / "main.fls").write_text(
        f"PWD {paper}\nINPUT /usr/share/texlive/texmf-dist/tex/latex/base/article.cls\nINPUT main.tex\n"
        f"INPUT ./main.aux\nOUTPUT main.aux\nINPUT sections/intro.tex\nINPUT {paper}/sections/intro.tex\n"
        "INPUT ../figures/dot.pdf\nINPUT main.bbl\nINPUT main.out\n")
    sources = [paper / name for name in ("main.tex", "sections/intro.tex", "sections/unused.tex", "refs.bib",
                                         ".hidden.tex")] + [root / "figures" / "dot.pdf"]
    return paper, sources


def test_the_bundle_holds_what_the_build_read_from_the_sources_and_the_bbl(tmp_path):
    paper, sources = fake_build(tmp_path)
    members = arxiv.bundle_members(paper, "main.tex", sources)
    assert list(members) == ["figures/dot.pdf", "main.bbl", "main.tex", "sections/intro.tex"]
    assert r"\includegraphics[width=2cm]{figures/dot.pdf}" in members["main.tex"].decode()
    assert "../" not in members["main.tex"].decode()


def test_recorded_inputs_resolve_against_pwd_once_each(tmp_path):
    paper, _ = fake_build(tmp_path)
    read = arxiv.recorded_inputs(paper / "main.fls")
    assert read.count(paper / "sections" / "intro.tex") == 1
    assert tmp_path / "build" / "figures" / "dot.pdf" in read
    with pytest.raises(arxiv.BundleError, match="recorder"):
        arxiv.recorded_inputs(tmp_path / "missing.fls")


@pytest.mark.parametrize("name, content, problem", [
    (".hidden.tex", b"", "hidden"),
    ("sections/.x.tex", b"", "hidden"),
    ("refs.bib", b"", "bibliography database"),
    ("main.aux", b"", "leftover"),
    ("main.tex", rb"\input{../outside}", "outside the bundle"),
])
def test_what_arxiv_must_not_get_is_named(name, content, problem):
    assert problem in " ".join(arxiv.bundle_problems({"main.tex": b"ok", name: content}))
    assert arxiv.bundle_problems({"main.tex": b"ok", "generated/figures/a.pdf": b"%PDF"}) == []


def test_a_bundle_refuses_files_too_far_outside_and_a_record_of_another_paper(tmp_path):
    paper, sources = fake_build(tmp_path)
    with pytest.raises(arxiv.BundleError, match="more than one level"):
        arxiv.member_name(tmp_path / "elsewhere" / "x.pdf", paper / "sub")
    with pytest.raises(arxiv.BundleError, match="does not name other.tex"):
        (paper / "other.fls").write_text((paper / "main.fls").read_text())
        arxiv.bundle_members(paper, "other.tex", sources)


def test_the_tarball_is_byte_stable_and_unpacks_only_into_an_empty_folder(tmp_path):
    members = {"main.tex": b"x", "generated/macros.tex": b"y"}
    first = arxiv.write_bundle(members, tmp_path / "a.tar.gz").read_bytes()
    assert arxiv.tarball_bytes(dict(reversed(list(members.items())))) == first
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        assert tar.getnames() == ["generated/macros.tex", "main.tex"]
        assert {(m.mtime, m.uid, m.mode) for m in tar.getmembers()} == {(0, 0, 0o644)}
    assert sorted(arxiv.unpack(tmp_path / "a.tar.gz", tmp_path / "out")) == ["generated/macros.tex", "main.tex"]
    with pytest.raises(arxiv.BundleError, match="not empty"):
        arxiv.unpack(tmp_path / "a.tar.gz", tmp_path / "out")


@pytest.mark.skipif(not latexmk_available(), reason="latexmk/pdflatex not installed")
def test_a_bundled_paper_compiles_unpacked_without_its_bib(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paper = tmp_path / "build" / "paper"
    (paper / "sections").mkdir(parents=True)
    (tmp_path / "build" / "figures").mkdir()
    (paper / "main.tex").write_text(MAIN)
    (paper / "sections" / "intro.tex").write_text("Intro.\n")
    (paper / "refs.bib").write_text("@book{knuth, title={The TeXbook}, author={Knuth, D.}, year={1984}, "
                                    "publisher={AW}}\n")
    figure = plt.figure(figsize=(0.5, 0.5))
    figure.savefig(tmp_path / "build" / "figures" / "dot.pdf")
    plt.close(figure)
    build_paper(paper)
    sources = [*paper.rglob("*.tex"), paper / "refs.bib", tmp_path / "build" / "figures" / "dot.pdf"]
    members = arxiv.bundle_members(paper, "main.tex", sources)
    assert set(members) == {"main.tex", "main.bbl", "sections/intro.tex", "figures/dot.pdf"}
    arxiv.write_bundle(members, tmp_path / "arxiv.tar.gz")
    arxiv.unpack(tmp_path / "arxiv.tar.gz", tmp_path / "unpacked")
    assert build_paper(tmp_path / "unpacked").stat().st_size > 1000  # fails on an undefined citation
    assert not (tmp_path / "unpacked" / "main.blg").exists(), "BibTeX ran without the .bib"
