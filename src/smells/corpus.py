"""The corpus: which projects, and which of their files count as the project's own source code.

Two sources, both ending in a list of ``Project``:
- ``installed_projects()``: the distributions installed in a ``site-packages`` directory (the offline
  default), each with the ``.py`` files its RECORD lists and the trove classifiers of its metadata;
- ``extracted_projects()``: wheels fetched for the pinned corpus and extracted by ``smells.fetch``.

``select_files`` drops tests and docs and, when the project is larger than the cap, keeps a seeded random
subset of whole files up to the cap, so a few huge projects cannot dominate the run time.
"""
from __future__ import annotations

import email.parser
import random
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

# Directory names whose files are tests or documentation, never the project's own code.
EXCLUDED_DIRS = frozenset({"test", "tests", "testing", "_testing", "doc", "docs", "examples"})


@dataclass
class Project:
    """One project of the corpus: name, version, its Python files and its PyPI trove classifiers."""

    name: str
    version: str
    root: Path  # paths in ``files`` are relative to this directory
    files: list[str]
    classifiers: list[str] = field(default_factory=list)

    @property
    def top_levels(self) -> set[str]:
        """Top-level import names the project provides (``pkg/x.py`` -> pkg, ``mod.py`` -> mod)."""
        names = set()
        for path in self.files:
            first = path.split("/", 1)[0]
            names.add(first.removesuffix(".py"))
        return names


def is_test_or_doc(relative_path: str) -> bool:
    """Whether a file is a test, a test helper or documentation by its path."""
    parts = relative_path.split("/")
    name = parts[-1]
    if any(part in EXCLUDED_DIRS for part in parts[:-1]):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _normal_name(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def installed_projects(site_packages: str | Path, exclude: list[str] = ()) -> list[Project]:
    """Every distribution installed in ``site_packages`` that ships ``.py`` files, sorted by name.

    Editable installs (files outside ``site_packages``) and the names in ``exclude`` are left out.
    """
    site = Path(site_packages).resolve()
    if not site.is_dir():
        raise FileNotFoundError(f"smells corpus: site-packages directory not found: {site}")
    skip = {_normal_name(n) for n in exclude}
    projects: dict[str, Project] = {}
    for dist in metadata.distributions(path=[str(site)]):
        name = dist.metadata["Name"]
        if not name or _normal_name(name) in skip or _normal_name(name) in projects:
            continue
        files = []
        for entry in dist.files or []:
            relative = str(entry).replace("\\", "/")
            if relative.endswith(".py") and not relative.startswith(".."):
                files.append(relative)
        if not files:
            continue
        projects[_normal_name(name)] = Project(
            name=name,
            version=dist.version,
            root=site,
            files=sorted(files),
            classifiers=list(dist.metadata.get_all("Classifier") or []),
        )
    return [projects[k] for k in sorted(projects)]


def extracted_projects(corpus_dir: str | Path, names: list[str]) -> list[Project]:
    """Projects extracted by ``smells.fetch`` under ``corpus_dir/<name>/`` (their wheel's METADATA inside)."""
    projects = []
    for name in names:
        root = Path(corpus_dir) / name
        if not root.is_dir():
            raise FileNotFoundError(f"smells corpus: project {name!r} was not fetched: {root} is missing")
        metadata_files = sorted(root.glob("*.dist-info/METADATA"))
        if not metadata_files:
            raise FileNotFoundError(f"smells corpus: no *.dist-info/METADATA in {root}")
        meta = email.parser.Parser().parsestr(metadata_files[0].read_text(encoding="utf-8", errors="replace"))
        files = sorted(str(p.relative_to(root)).replace("\\", "/") for p in root.rglob("*.py") if p.is_file())
        files = [f for f in files if ".dist-info/" not in f and ".data/" not in f]
        projects.append(Project(name, meta["Version"] or "", root, files, meta.get_all("Classifier") or []))
    return projects


def select_files(project: Project, max_lines: int, seed: int) -> tuple[list[str], int]:
    """The project's own source files (no tests/docs), capped at about ``max_lines`` physical lines.

    Returns (files, total_lines_before_cap). Files are taken whole in a seeded random order until the cap;
    the first file is always taken. ``max_lines <= 0`` means no cap.
    """
    own = [f for f in project.files if not is_test_or_doc(f)]
    sizes = {}
    for relative in own:
        try:
            with open(project.root / relative, "rb") as handle:
                sizes[relative] = handle.read().count(b"\n")
        except OSError:
            sizes[relative] = 0  # the scan reports it as unreadable
    total = sum(sizes.values())
    if max_lines <= 0 or total <= max_lines:
        return own, total
    order = sorted(own)
    random.Random(f"{seed}:{project.name}").shuffle(order)
    chosen, lines = [], 0
    for relative in order:
        if chosen and lines + sizes[relative] > max_lines:
            continue
        chosen.append(relative)
        lines += sizes[relative]
    return sorted(chosen), total


def save_projects(projects: list[Project], path: str | Path, **extra) -> None:
    """Write the corpus manifest (JSON): every project with its root, files and classifiers."""
    import json

    document = {**extra, "projects": [
        {"name": p.name, "version": p.version, "root": str(p.root), "files": p.files, "classifiers": p.classifiers}
        for p in projects
    ]}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(document, indent=1) + "\n")


def load_projects(path: str | Path) -> list[Project]:
    import json

    document = json.loads(Path(path).read_text())
    return [Project(p["name"], p["version"], Path(p["root"]), p["files"], p["classifiers"])
            for p in document["projects"]]


def write_manifest(corpus: dict, fetch: dict, output: str | Path, wheels: str | Path) -> list[Project]:
    """The corpus manifest of a study config: the installed distributions, or the pinned wheels fetched.

    Pinned: every project of ``corpus["projects"]`` must be in the lock; wheels are downloaded into
    ``wheels`` (shared by pinned corpora: files are named by wheel and verified by hash), extracted next to
    ``output``, and all failures are named together (``smells.fetch.fetch_corpus``).
    """
    import sysconfig

    from smells.fetch import fetch_corpus, load_lock

    output = Path(output)
    if corpus["source"] == "installed":
        site = corpus["site_packages"] or sysconfig.get_paths()["purelib"]
        projects = installed_projects(site, corpus["exclude"])
        save_projects(projects, output, source="installed", site_packages=str(site))
        return projects
    names = [p["name"] for p in corpus["projects"]]
    if not names:
        raise ValueError(f"smells.corpus.projects is empty: a pinned corpus needs projects from {corpus['lock']}")
    lock = load_lock(corpus["lock"])
    missing = [n for n in names if n not in lock]
    if missing:
        raise ValueError(f"smells.corpus.projects: {missing} not in the lock file {corpus['lock']} "
                         f"(allowed: {sorted(lock)})")
    extracted = output.parent / "extracted"
    fetch_corpus(lock, names, wheels, extracted, **fetch)
    projects = extracted_projects(extracted, names)
    save_projects(projects, output, source="pinned", domains={p["name"]: p.get("domain", "") for p in corpus["projects"]})
    return projects
