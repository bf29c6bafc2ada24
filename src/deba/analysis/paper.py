"""Build paper/main.pdf with latexmk and fail on what a reader would notice: undefined references or
citations, missing figures or inputs. Used by the workflow's paper rule and the paper test."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

# Lines of a LaTeX log that mean the PDF is incomplete (a "??" in the text or a missing file).
PROBLEMS = re.compile(r"(LaTeX Warning: (Reference|Citation) .* undefined|There were undefined references|"
                      r"LaTeX Warning: File .* not found|! LaTeX Error|Package natbib Warning: Citation)")


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
