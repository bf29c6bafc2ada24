"""Scan files and trees: read, decode, parse and detect, turning every failure into a counted skip.

A file that cannot be read, decoded or parsed, is larger than ``max_bytes`` or nests too deeply for the
parser (or for our walk) is reported as a ``Skip`` with its reason, and the scan goes on.
"""
from __future__ import annotations

import ast
import io
import os
import sys
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from smells.detector import detect
from smells.findings import IDIOMS, SKIP_REASONS, Finding, Scope, Skip

# Larger files are almost always generated (tables, vendored bundles); they are skipped, not scanned.
DEFAULT_MAX_BYTES = 2_000_000

# SyntaxError messages that identify Python 2 source rather than a broken file.
_PY2_MARKERS = ("Missing parentheses in call to",  # print / exec statements
               "multiple exception types must be parenthesized",  # except X, e:
               "leading zeros in decimal integer literals")  # 0777


@dataclass
class FileResult:
    """What one file yields: findings, scopes and imports, or a skip; ``lines`` is its physical line count."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    lines: int = 0
    source: str | None = None
    skip: Skip | None = None


def decode_source(data: bytes) -> str:
    """Decode bytes as Python source (PEP 263 cookie or BOM, else UTF-8); raises UnicodeDecodeError."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # an unknown or inconsistent coding cookie
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, str(error)) from error
    try:
        text = data.decode(encoding)
    except LookupError as error:
        raise UnicodeDecodeError("unknown", data[:1], 0, 1, f"unknown encoding {encoding}") from error
    return text.removeprefix("\ufeff")


def _syntax_reason(error: SyntaxError) -> str:
    message = str(error.msg or "")
    if "too many nested" in message or "too complex" in message or "too many levels" in message:
        return "too-deep"
    if any(marker in message for marker in _PY2_MARKERS):
        return "python2"
    return "syntax-error"


def scan_source(source: str, path: str) -> FileResult:
    """Parse and detect one module's source text; skips carry the reason."""
    result = FileResult(path=path, lines=source.count("\n") + (not source.endswith("\n") and bool(source)))
    try:
        tree = ast.parse(source, filename=path)
        result.findings, result.scopes, result.imports = detect(tree, path)
    except SyntaxError as error:
        result.skip = Skip(path, _syntax_reason(error), f"line {error.lineno}: {error.msg}")
    except ValueError as error:  # e.g. "source code string cannot contain null bytes"
        result.skip = Skip(path, "syntax-error", str(error))
    except (RecursionError, MemoryError) as error:
        result.skip = Skip(path, "too-deep", f"{type(error).__name__}: nesting exceeds the parser or walker")
    return result


def scan_file(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES, display_path: str | None = None,
              keep_source: bool = False) -> FileResult:
    """Read, decode and scan one file. ``display_path`` is the path written into findings."""
    shown = display_path if display_path is not None else str(path)
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            return FileResult(shown, skip=Skip(shown, "too-large", f"{size} bytes > max_bytes={max_bytes}"))
        data = Path(path).read_bytes()
    except OSError as error:
        return FileResult(shown, skip=Skip(shown, "unreadable", f"{type(error).__name__}: {error.strerror}"))
    try:
        source = decode_source(data)
    except UnicodeDecodeError as error:
        return FileResult(shown, skip=Skip(shown, "decode-error", str(error.reason)))
    result = scan_source(source, shown)
    if keep_source and result.skip is None:
        result.source = source
    return result


def iter_python_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Every ``*.py`` file under the given files/directories, in sorted order; symlinks are not followed.

    A path that does not exist raises FileNotFoundError naming it.
    """
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise FileNotFoundError(f"smells scan: no such file or directory: {root}")
        if root.is_file():
            yield root
            continue
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                candidate = Path(directory) / name
                if name.endswith(".py") and not candidate.is_symlink():
                    yield candidate


def scan_paths(paths: Iterable[str | os.PathLike], *, max_bytes: int = DEFAULT_MAX_BYTES,
               progress: Callable[[int, int, str], None] | None = None) -> list[FileResult]:
    """Scan every Python file under ``paths``; ``progress(done, total, path)`` is called after each file."""
    files = list(iter_python_files(paths))
    results = []
    for done, path in enumerate(files, start=1):
        results.append(scan_file(path, max_bytes=max_bytes))
        if progress is not None:
            progress(done, len(files), str(path))
    return results


def terminal_progress(stream=None) -> Callable[[int, int, str], None] | None:
    """A one-line progress display when ``stream`` is a terminal; None (quiet) when piped or redirected."""
    stream = stream if stream is not None else sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None

    def show(done: int, total: int, path: str) -> None:
        # Redraw at most ~100 times per scan: printing per file would cost more than scanning small files.
        step = max(1, total // 100)
        if done % step and done != total:
            return
        tail = path[-50:]
        stream.write(f"\rscanning {done}/{total} files  {tail:<50}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def summarize(results: list[FileResult]) -> dict:
    """Counts over scanned files (``smells scan``'s summary and the self-scan's): files, lines, per idiom, skips."""
    by_idiom = Counter(f.idiom for r in results for f in r.findings)
    skips = Counter(r.skip.reason for r in results if r.skip)
    return {
        "files": len(results),
        "files_scanned": sum(r.skip is None for r in results),
        "lines": sum(r.lines for r in results),
        "findings": sum(by_idiom.values()),
        "by_idiom": {idiom: by_idiom.get(idiom, 0) for idiom in IDIOMS},
        "skipped": {reason: skips.get(reason, 0) for reason in SKIP_REASONS},
    }
