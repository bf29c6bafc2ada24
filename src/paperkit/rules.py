"""Helpers for workflow scripts, shared by both studies (stdlib only, cheap to import).

- `log_to`: a script's output and traceback go to its Snakemake log.

A rule's code digest (the param that reruns it when a module its script imports changes) is
`paperkit.closure`'s.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path


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
