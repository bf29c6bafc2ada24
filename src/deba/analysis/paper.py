"""Build paper/main.pdf with latexmk and fail on what a reader would notice: undefined references or
citations, missing figures or inputs. Used by the workflow's paper rule and the paper test.

The workflow builds in a copy of its inputs under results/paper-build/ (`build_paper_copy`), so latexmk's
working files (.aux, .bbl, .fdb_latexmk, ...) never land in paper/, where a later copy of the sources (the
paper test's) would pick them up; only the finished PDF is copied to paper/main.pdf.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from deba.analysis.layout import recorded_generated_dir, recorded_section_path
from paperkit.files import write_bytes_atomically

BUILD_DIR = "results/paper-build"

# Lines of a LaTeX log that mean the PDF is incomplete: a "??" in the text, a missing file, or a float taller
# than the page, whose last rows run off its bottom.
PROBLEMS = re.compile(r"(LaTeX Warning: (Reference|Citation) .* undefined|There were undefined references|"
                      r"LaTeX Warning: File .* not found|! LaTeX Error|Package natbib Warning: Citation|"
                      r"LaTeX Warning: Float too large for page)")


def recorded_sections_tex(names: Iterable[str]) -> str:
    """paper/generated/recorded.tex: for each recorded set, its macros and its hand-written section, as
    main.tex (in paper/) inputs them; a comment only when there are none (deba.analysis.layout)."""
    lines = ["% Generated file: do not edit. The recorded sets of config key paper_recorded_sets."]
    for name in names:
        generated = Path(recorded_generated_dir(name)).relative_to("paper")
        section = Path(recorded_section_path(name)).relative_to("paper").with_suffix("")
        lines += [f"\\input{{{generated.as_posix()}/macros}}", f"\\input{{{section.as_posix()}}}"]
    return "\n".join(lines) + "\n"


class PaperBuildError(RuntimeError):
    """latexmk failed or the log shows undefined references or missing files."""


def latexmk_available() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def build_paper(paper_dir: str | Path, *, main: str = "main.tex", timeout_s: int = 300) -> Path:
    """Run `latexmk -pdf` in `paper_dir`; return the PDF's path or raise PaperBuildError with the problems."""
    paper_dir = Path(paper_dir)
    if not latexmk_available():
        raise PaperBuildError("latexmk/pdflatex not found: install them (Debian: apt-get install latexmk "
                              "texlive-latex-recommended texlive-latex-extra texlive-science)")
    command = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", main]
    result = subprocess.run(command, cwd=paper_dir, capture_output=True, text=True, timeout=timeout_s, check=False)
    log_path = paper_dir / Path(main).with_suffix(".log")
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    problems = sorted({match.group(0) for match in PROBLEMS.finditer(log)})
    if result.returncode != 0 or problems:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise PaperBuildError(f"latexmk in {paper_dir} failed (exit {result.returncode}); problems in {log_path}: "
                              f"{problems or 'see output'}\n{tail}")
    return paper_dir / Path(main).with_suffix(".pdf")


def build_paper_copy(sources: Iterable[str | Path], main: str | Path, build_dir: str | Path, pdf: str | Path,
                     *, root: str | Path = ".", timeout_s: int = 300) -> Path:
    """Copy `sources` into `build_dir` at their paths relative to `root` (the paper's `../figures/...` inputs
    included), build `main` (a path under `root`, one of the sources) there, and copy its PDF to `pdf`
    atomically; returns `pdf`. latexmk's files stay in `build_dir` for the next build."""
    root, build_dir, main = Path(root).resolve(), Path(build_dir), Path(main)
    for source in {*map(Path, sources), main}:
        try:
            relative = source.resolve().relative_to(root)
        except ValueError:
            raise PaperBuildError(f"paper source {source} is not inside {root}") from None
        target = build_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)  # unchanged files keep their time, so latexmk can skip them
    copied_main = build_dir / main.resolve().relative_to(root)
    built = build_paper(copied_main.parent, main=copied_main.name, timeout_s=timeout_s)
    write_bytes_atomically(pdf, built.read_bytes())
    return Path(pdf)
