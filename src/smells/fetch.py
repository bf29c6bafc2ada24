"""Fetch the pinned corpus: download wheels only, verify each sha256 against the lock, extract safely.

No build code runs: ``pip download --no-deps --only-binary :all:`` never builds an sdist, and the lock pins
pure-Python wheels (``py3-none-any``) so the same file, and hash, is fetched on every platform. Extraction
refuses anything that could write outside the target (absolute paths, ``..``, drive letters), links, and
archives over the size or file-count caps; it writes into a temporary folder renamed into place at the
end, so an interrupted fetch never looks finished.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_CHUNK = 1 << 20


class HashMismatchError(RuntimeError):
    """A downloaded file's sha256 is not the one in the lock file."""


class UnsafeArchiveError(RuntimeError):
    """An archive member would escape the target, is a link, or breaks a size cap."""


class FetchError(RuntimeError):
    """One or more wheels of the corpus could not be fetched or verified (every one is named)."""


@dataclass(frozen=True)
class LockEntry:
    name: str
    version: str
    filename: str
    sha256: str
    url: str = ""  # the index's file URL (``smells.select`` records it); empty: ask pip for name==version


def load_lock(path: str | Path) -> dict[str, LockEntry]:
    """Read the lock file (``{"projects": {name: {version, filename, sha256}}}``), checking every field."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"smells lock file not found: {path}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from None
    projects = document.get("projects") if isinstance(document, dict) else None
    if not isinstance(projects, dict):
        raise ValueError(f"{path}: expected an object with key 'projects' mapping names to pins")
    entries = {}
    for name, pin in projects.items():
        for key in ("version", "filename", "sha256"):
            if not isinstance(pin, dict) or not isinstance(pin.get(key), str) or not pin[key]:
                raise ValueError(f"{path}: project {name!r} needs a non-empty string {key!r}")
        digest = pin["sha256"].lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{path}: project {name!r} has sha256 {pin['sha256']!r}; allowed: 64 hex digits")
        if not pin["filename"].endswith(".whl"):
            raise ValueError(f"{path}: project {name!r} pins {pin['filename']!r}; only wheels (.whl) are allowed")
        url = pin.get("url", "")
        if url and (not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("https", "file")):
            raise ValueError(f"{path}: project {name!r} has url {url!r}; allowed: an https:// (or file://) URL")
        entries[name] = LockEntry(name, pin["version"], pin["filename"], digest, url)
    return entries


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_hash(path: str | Path, expected: str) -> None:
    """Raise HashMismatchError naming the file and both hashes unless ``path`` hashes to ``expected``."""
    actual = sha256_of(path)
    if actual != expected.lower():
        raise HashMismatchError(
            f"sha256 mismatch for {Path(path).name}: the lock file says {expected}, the download is {actual}; "
            f"refusing to use it (delete the file and fetch again, or update the lock on purpose)"
        )


def pip_download_command(name: str, version: str, dest: str | Path) -> list[str]:
    """The pip command that downloads exactly one pure-Python wheel and nothing else."""
    return [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--platform", "any", "--implementation", "py", "--python-version", "3.11",
        "--dest", str(dest), "--quiet", "--disable-pip-version-check", f"{name}=={version}",
    ]


def download_url(url: str, target: str | Path, sha256: str, *, timeout_s: float = 60) -> Path:
    """Download ``url`` to ``target`` and verify its sha256; a partial or refused file never stays at ``target``.

    The bytes go to a temporary file beside ``target`` that is renamed into place only once its hash matches,
    so an existing ``target`` is always a verified, complete file (a rerun reuses it and fetches the rest).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as sink, urllib.request.urlopen(url, timeout=timeout_s) as source:
            shutil.copyfileobj(source, sink, _CHUNK)
        verify_hash(partial, sha256)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target


def download_wheel(entry: LockEntry, dest: str | Path) -> Path:
    """Download the locked wheel into ``dest`` (reusing a verified copy) and verify its hash.

    With a URL in the lock the file is fetched directly (one HTTPS request, no pip start-up per wheel: 300
    projects fetch in seconds rather than minutes); without one, pip downloads exactly ``name==version``.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / entry.filename
    if not target.exists() and entry.url:
        try:
            return download_url(entry.url, target, entry.sha256)
        except HashMismatchError:
            raise
        except OSError as error:  # URLError and HTTPError are OSErrors; pip below is the second way
            print(f"{entry.name}: {entry.url} failed ({error}); asking pip for {entry.name}=={entry.version}")
    if not target.exists():
        completed = subprocess.run(pip_download_command(entry.name, entry.version, dest), capture_output=True,
                                   text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"pip download {entry.name}=={entry.version} failed:\n{completed.stderr.strip()}")
        if not target.exists():
            got = sorted(p.name for p in dest.glob("*.whl"))
            raise RuntimeError(f"pip download {entry.name}=={entry.version} did not produce {entry.filename} "
                               f"(found {got}); is the pinned wheel pure Python?")
    verify_hash(target, entry.sha256)
    return target


def _safe_member_path(archive: str, name: str) -> PurePosixPath:
    if "\\" in name or "\x00" in name:
        raise UnsafeArchiveError(f"{archive}: member {name!r} has a backslash or NUL in its name")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchiveError(f"{archive}: member {name!r} is an absolute path")
    if any(part == ".." for part in path.parts):
        raise UnsafeArchiveError(f"{archive}: member {name!r} would be written outside the target (..)")
    return path


def safe_extract(archive: str | Path, target: str | Path, *, max_total_bytes: int, max_file_bytes: int,
                 max_files: int) -> Path:
    """Extract a zip/wheel into ``target`` (which must not exist yet) under the given caps.

    Links (symlink mode bits), special files, escaping paths and oversize content raise UnsafeArchiveError
    before anything appears at ``target``. Sizes are enforced on the bytes actually decompressed, not only
    on the sizes the archive declares.
    """
    archive, target = Path(archive), Path(target)
    if target.exists():
        raise FileExistsError(f"safe_extract: target already exists: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > max_files:
                raise UnsafeArchiveError(f"{archive.name}: {len(members)} members > max_files={max_files}")
            total = 0
            for info in members:
                relative = _safe_member_path(archive.name, info.filename)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise UnsafeArchiveError(f"{archive.name}: member {info.filename!r} is a symbolic link")
                # Archives written without Unix file types carry permission bits only: those are files.
                if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    raise UnsafeArchiveError(f"{archive.name}: member {info.filename!r} is not a regular file")
                if info.is_dir():
                    (staging / relative).mkdir(parents=True, exist_ok=True)
                    continue
                if info.file_size > max_file_bytes:
                    raise UnsafeArchiveError(f"{archive.name}: member {info.filename!r} declares {info.file_size} "
                                             f"bytes > max_file_bytes={max_file_bytes}")
                out_path = staging / relative
                out_path.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as source, open(out_path, "wb") as sink:
                    for block in iter(lambda: source.read(_CHUNK), b""):
                        written += len(block)
                        total += len(block)
                        if written > max_file_bytes:
                            raise UnsafeArchiveError(f"{archive.name}: member {info.filename!r} inflates past "
                                                     f"max_file_bytes={max_file_bytes}")
                        if total > max_total_bytes:
                            raise UnsafeArchiveError(f"{archive.name}: contents exceed "
                                                     f"max_total_bytes={max_total_bytes}")
                        sink.write(block)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def fetch_corpus(lock: dict[str, LockEntry], names: list[str], wheels: str | Path, extracted: str | Path, *,
                 max_total_bytes: int, max_file_bytes: int, max_files: int, log=print) -> list[Path]:
    """Download, verify and extract every named project; returns the extracted folders in ``names`` order.

    A project whose download fails or whose hash differs is named and refused, but the others are still
    fetched: verified wheels and extracted folders stay on disk, so a rerun fetches only what is missing.
    Raises FetchError listing every failure at the end.
    """
    missing = [n for n in names if n not in lock]
    if missing:
        raise ValueError(f"smells corpus: {missing} not in the lock file (allowed: {sorted(lock)})")
    folders, failures = [], []
    for name in names:
        target = Path(extracted) / name
        try:
            wheel = download_wheel(lock[name], wheels)
            if not target.exists():  # extraction is atomic: an existing folder is complete
                safe_extract(wheel, target, max_total_bytes=max_total_bytes, max_file_bytes=max_file_bytes,
                             max_files=max_files)
        except (HashMismatchError, UnsafeArchiveError, RuntimeError, OSError) as error:
            failures.append(f"{name}: {error}")
            log(f"{name}: REFUSED: {error}")
            continue
        log(f"{name}: {wheel.name} verified and extracted")
        folders.append(target)
    if failures:
        raise FetchError(f"{len(failures)} of {len(names)} projects could not be fetched (the other "
                         f"{len(names) - len(failures)} are kept; a rerun fetches only what is missing):\n"
                         + "\n".join(failures))
    return folders


def make_lock(names: list[str], workdir: str | Path, *, pins: dict[str, str] | None = None) -> dict:
    """Download the newest (or pinned) pure-Python wheel of each project and record version, file and hash.

    Used once to write ``config/smells.lock.json``; the fetch rule then only ever downloads these files.
    """
    workdir = Path(workdir)
    projects = {}
    for name in names:
        dest = workdir / name
        dest.mkdir(parents=True, exist_ok=True)
        spec = f"{name}=={pins[name]}" if pins and name in pins else name
        command = pip_download_command(name, "0", dest)[:-1] + [spec]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"pip download {spec} failed:\n{completed.stderr.strip()}")
        wheels = sorted(dest.glob("*.whl"), key=lambda p: p.stat().st_mtime)
        if not wheels:
            raise RuntimeError(f"pip download {spec} produced no wheel")
        wheel = wheels[-1]
        version = wheel.name.split("-")[1]
        projects[name] = {"version": version, "filename": wheel.name, "sha256": sha256_of(wheel)}
    return {"comment": "pure-Python wheels of the pinned smells corpus; written by `smells lock`",
            "projects": projects}
