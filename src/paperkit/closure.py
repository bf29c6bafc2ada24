"""Which project modules a script runs, found by reading its imports, and a digest of their sources.

Snakemake reruns a job when one of its params changes but does not follow the modules a script imports,
so every rule with a script carries `code=closure_digest(script)` as a param: a hash of the transitive
closure of the project modules the script imports (its `import` and `from ... import` statements anywhere
in the file, lazy ones inside functions included, and the packages whose `__init__.py` those imports run).
Nothing is imported: each file is parsed with `ast`, so computing the digests of the whole workflow while
Snakemake parses it never loads torch, pandas or matplotlib. Imports of anything outside the project
packages (the standard library, third-party packages) are not followed; their versions are provenance
(`deba.provenance`), not code.

    closure_digest("workflow/scripts/analysis_figure.py", src="src")  # -> 16 hex digits
    module_closure(["workflow/scripts/train_run.py"], src="src")      # -> {"deba.train": Path(...), ...}

Stdlib only, cheap to import.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from pathlib import Path

# Parsed imports by (file, mtime_ns, size): the workflow asks for the closure of every rule's script, and
# most share modules, so each file is read and parsed once per process.
_IMPORTS_CACHE: dict[tuple[str, int, int], tuple[tuple[str, bool], ...]] = {}


def project_packages(src: str | Path) -> frozenset[str]:
    """The top-level packages of a source folder: its sub-folders with an `__init__.py`."""
    src = Path(src)
    if not src.is_dir():
        raise FileNotFoundError(f"closure: source folder {src} does not exist")
    return frozenset(path.parent.name for path in src.glob("*/__init__.py"))


def module_file(name: str, src: str | Path) -> Path | None:
    """The file of module `name` under `src` (a module's .py or a package's __init__.py), or None."""
    base = Path(src).joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, module: str | None) -> tuple[tuple[str, bool], ...]:
    """(name, certain) for every import in `path`; `module` is its dotted name (None for a script).

    `from a import b` yields ("a", True) and ("a.b", False): `b` is a submodule only if such a file exists.
    """
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key in _IMPORTS_CACHE:
        return _IMPORTS_CACHE[key]
    tree = ast.parse(path.read_bytes(), filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, True) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                if module is None:
                    raise ImportError(f"{path}:{node.lineno}: a relative import in a script cannot be resolved")
                parts = module.split(".") if is_package else module.split(".")[:-1]
                if node.level - 1 > len(parts) - 1:
                    raise ImportError(f"{path}:{node.lineno}: relative import beyond the top-level package")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([base] if base else [])])
            found.append((base, True))
            found += [(f"{base}.{alias.name}", False) for alias in node.names if alias.name != "*"]
    _IMPORTS_CACHE[key] = result = tuple(found)
    return result


def module_closure(roots: Iterable[str | Path], src: str | Path,
                   packages: Iterable[str] | None = None) -> dict[str, Path]:
    """Every project module that importing `roots` runs, by dotted name, sorted.

    A root is a script's path (a `str` ending in .py or a Path) or a dotted module name. `packages` are the
    top-level packages that count as the project (default: those in `src`). A project import that names
    no file is an error naming the importing file, so a typo or a moved module never hashes to "nothing".
    """
    src = Path(src)
    packages = frozenset(packages) if packages is not None else project_packages(src)
    found: dict[str, Path] = {}
    pending: list[tuple[Path, str | None]] = []

    def add(name: str, certain: bool, importer: Path | str) -> None:
        if name.split(".")[0] not in packages:
            return
        parts = name.split(".")
        # importing a.b.c runs a/__init__.py and a/b/__init__.py first
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if prefix in found:
                continue
            path = module_file(prefix, src)
            if path is None:
                if certain or depth < len(parts):
                    raise ModuleNotFoundError(f"closure: {importer} imports {name!r}, but {src} has no module "
                                              f"{prefix!r}")
                return  # `from package import name` where name is not a module
            found[prefix] = path
            pending.append((path, prefix))

    for root in roots:
        if isinstance(root, Path) or str(root).endswith(".py"):
            path = Path(root)
            if not path.is_file():
                raise FileNotFoundError(f"closure: script {path} does not exist")
            pending.append((path, None))
        else:
            add(str(root), True, "the caller")
    while pending:
        path, module = pending.pop()
        for name, certain in _imports(path, module):
            add(name, certain, path)
    return dict(sorted(found.items()))


def digest_modules(modules: dict[str, Path]) -> str:
    """16 hex digits of SHA-256 over the modules' dotted names and bytes (independent of where src/ is)."""
    digest = hashlib.sha256()
    for name, path in sorted(modules.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def closure_digest(*roots: str | Path, src: str | Path, packages: Iterable[str] | None = None) -> str:
    """Digest of `module_closure(roots)`: the `code` param of a rule whose script is `roots[0]`."""
    return digest_modules(module_closure(roots, src, packages))
