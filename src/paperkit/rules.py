"""Helpers for workflow rules and their scripts, shared by both studies (stdlib only, cheap to import).

- `module_digest`: a rule parameter that changes when the library code the rule calls changes, since
  Snakemake does not track imported modules itself.
- `log_to`: a script's output and traceback go to its Snakemake log.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path


def module_digest(*modules: str) -> str:
    """Short SHA-256 of the source files of the named modules, read without importing them.

    Finding a submodule imports its parent packages, which in this project hold docstrings only.
    """
    digest = hashlib.sha256()
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(f"module_digest: cannot find module {module!r}")
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def log_to(path: str | Path) -> Iterator[None]:
    """Redirect stdout/stderr into `path` for the block; on an exception, write its traceback there and
    re-raise it with the streams restored, so Snakemake prints the message (which names the bad file)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as log:
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = log
        try:
            yield
        except BaseException:
            traceback.print_exc(file=log)
            raise
        finally:
            sys.stdout, sys.stderr = saved
