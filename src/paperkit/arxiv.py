"""An arXiv source bundle of a LaTeX paper: the files one build read, with the .bbl, and nothing else.

arXiv compiles the files it is given with (pdf)LaTeX and runs no BibTeX, so a bundle needs the `.bbl`, not
the `.bib`. It also compiles what it should not see: hidden files, data, build leftovers. So the members are
taken from what a finished build read, as latexmk's recorder lists it in the `.fls` file (`INPUT` lines),
kept only where they are sources of the paper (never the build's own `.aux` or `.out`), plus the `.bbl`.
Sources outside the paper's folder (`../figures/...`) move into the bundle beside it and the `.tex` members
that name them are rewritten to match, because arXiv unpacks everything below one folder.

The tarball is byte-stable: members sorted, times, owners and the gzip header fixed, so an unchanged paper
gives an unchanged bundle.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from paperkit.files import write_bytes_atomically

# \includegraphics[...]{../x}, \input{../x}, \include{../x}: the prefix that leaves the paper's folder.
PARENT_REFERENCE = re.compile(r"(\\(?:includegraphics|input|include)\*?\s*(?:\[[^\]]*\]\s*)*\{)\.\./")
# What a bundle must never hold: the bibliography database (arXiv wants the .bbl) and build leftovers.
FORBIDDEN_SUFFIXES = {".bib", ".aux", ".log", ".fls", ".fdb_latexmk", ".out", ".blg", ".synctex.gz", ".toc"}


class BundleError(RuntimeError):
    """The build's record is missing, or the bundle would hold something arXiv must not get."""


def recorded_inputs(fls: str | Path) -> list[Path]:
    """The files a LaTeX run read, in order and once each, from its recorder file (`PWD` and `INPUT` lines;
    relative entries are relative to `PWD`)."""
    fls = Path(fls)
    if not fls.is_file():
        raise BundleError(f"{fls} not found: the paper must be built with latexmk's recorder (-recorder, its default)")
    cwd, inputs = fls.parent, {}
    for line in fls.read_text(errors="replace").splitlines():
        kind, _, value = line.partition(" ")
        if kind == "PWD":
            cwd = Path(value)
        elif kind == "INPUT":
            inputs.setdefault(Path(os.path.normpath(cwd / value)), None)
    return list(inputs)


def member_name(path: Path, paper_dir: Path) -> str:
    """The name of `path` in the bundle: relative to the paper's folder, or, one level above it, relative to
    that parent (`../figures/x.pdf` becomes `figures/x.pdf`)."""
    for base in (paper_dir, paper_dir.parent):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    raise BundleError(f"{path} is more than one level outside {paper_dir}; a bundle cannot reach it")


def rewrite_parent_references(text: str) -> str:
    """`\\includegraphics{../figures/x}` -> `\\includegraphics{figures/x}` (see member_name)."""
    return PARENT_REFERENCE.sub(r"\1", text)


def bundle_members(paper_dir: str | Path, main: str, sources: Iterable[str | Path]) -> dict[str, bytes]:
    """{name in the bundle: content} for the paper built in `paper_dir` from `main`: every file of `sources`
    (paths as the build saw them) that the build read, its `.tex` files rewritten by
    rewrite_parent_references, and the `.bbl`. Raises BundleError for anything arXiv must not get."""
    paper_dir = Path(paper_dir).resolve()
    sources = {Path(source).resolve() for source in sources}
    read = [path for path in recorded_inputs(paper_dir / Path(main).with_suffix(".fls")) if path in sources]
    if (paper_dir / main).resolve() not in read:
        raise BundleError(f"the build's record in {paper_dir} does not name {main}: is it this paper's build?")
    bbl = paper_dir / Path(main).with_suffix(".bbl")
    members = {}
    for path in [*read, *([bbl] if bbl.is_file() else [])]:
        name = member_name(path, paper_dir)
        content = path.read_bytes()
        if path.suffix == ".tex":
            content = rewrite_parent_references(content.decode("utf-8")).encode("utf-8")
        if name in members:
            raise BundleError(f"two files would be {name} in the bundle")
        members[name] = content
    problems = bundle_problems(members)
    if problems:
        raise BundleError("the bundle would hold " + "; ".join(problems))
    return dict(sorted(members.items()))


def bundle_problems(members: dict[str, bytes]) -> list[str]:
    """What arXiv must not get: hidden files, a .bib or build leftovers, a path leaving the folder, and a
    `.tex` file that still names one outside it."""
    problems = []
    for name, content in members.items():
        parts = PurePosixPath(name).parts
        if any(part.startswith(".") for part in parts):
            problems.append(f"{name}: a hidden file or a path outside the bundle")
        if any(name.endswith(suffix) for suffix in FORBIDDEN_SUFFIXES):
            problems.append(f"{name}: a bibliography database or a build leftover")
        if name.endswith(".tex") and re.search(r"\{\.\./", content.decode("utf-8", errors="replace")):
            problems.append(f"{name}: names a file outside the bundle ({{../)")
    return problems


def tarball_bytes(members: dict[str, bytes]) -> bytes:
    """A gzip-compressed tar of `members`, byte-stable: sorted, mode 0644, owner root, time 0."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for name in sorted(members):
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(members[name]), 0o644, 0
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                tar.addfile(info, io.BytesIO(members[name]))
    return buffer.getvalue()


def write_bundle(members: dict[str, bytes], path: str | Path) -> Path:
    return write_bytes_atomically(path, tarball_bytes(members))


def unpack(tarball: str | Path, folder: str | Path) -> list[str]:
    """Unpack `tarball` into `folder` (which must be empty or absent); returns the member names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BundleError(f"{folder} is not empty")
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(folder, filter="data")
        return tar.getnames()
