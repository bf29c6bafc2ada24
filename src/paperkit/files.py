"""Writing output files so that a reader never sees a half-written one.

Every result, table, figure and checkpoint is written to a temporary file beside its destination and moved
into place with one `os.replace` (atomic within a filesystem), so a crash or a killed job leaves either the
previous file or none, never a truncated file that looks finished.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path: str | Path, *, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success move it to `path`, on error remove it.

    `durable=True` also flushes the file to disk before the move, for files whose loss would cost hours
    (training checkpoints and results), not for outputs that are cheap to regenerate.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    try:
        yield Path(tmp)
        if durable:
            with open(tmp, "rb") as written:
                os.fsync(written.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are for everyone to read
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes_atomically(path: str | Path, data: bytes, *, durable: bool = False) -> Path:
    with atomic_output(path, durable=durable) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomically(path: str | Path, text: str, *, durable: bool = False) -> Path:
    return write_bytes_atomically(path, text.encode("utf-8"), durable=durable)
