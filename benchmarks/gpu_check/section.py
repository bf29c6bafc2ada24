"""One section of the GPU check in its own process: its file, its deadline, and how it ends.

A section's file (`<section>.json` in the output folder) is a JSON object rewritten atomically after every
unit of work (`Section.save`), so whatever stops the process, the file holds everything finished before.
It carries `status`: `running` while it works, then `ok`, `out of time` (its deadline came: what it
measured is kept), `terminated` (SIGTERM from outside: gpu_check.sh's backstop), or `failed` (with the
error and traceback).

The deadline is enforced inside the process: at the deadline an interval timer sends the process SIGTERM,
which stops the work in progress as cleanly as it can be stopped (the trainer checkpoints and raises its
`Preempted`; any other code gets `Stopped` at its next Python instruction). Work that can stop early by
itself (a profile skipping its last round) reads `Section.remaining()`.
"""

from __future__ import annotations

import json
import signal
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from paperkit.files import write_text_atomically

# Fault injection for the rehearsal (tests, .ci/run): the named section raises instead of running.
FAIL_SECTION_VARIABLE = "DEBA_TEST_GPU_CHECK_FAIL"
EXIT_STATUS = {"ok": 0, "failed": 1, "out of time": 3, "terminated": 4}


class Stopped(BaseException):
    """SIGTERM reached code that has no stop of its own (BaseException: `except Exception` lets it pass)."""


class Section:
    def __init__(self, name: str, out_dir: Path, budget_s: float, quick: bool):
        self.name = name
        self.path = Path(out_dir) / f"{name}.json"
        self.budget_s = budget_s
        self.started = time.monotonic()
        self.deadline_reached = False
        self.data: dict = {"section": name, "status": "running", "quick": quick, "budget_s": budget_s,
                           "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    def remaining(self) -> float:
        return self.budget_s - (time.monotonic() - self.started)

    def save(self) -> None:
        self.data["seconds"] = round(time.monotonic() - self.started, 1)
        write_text_atomically(self.path, json.dumps(self.data, indent=1, default=str) + "\n")

    def run(self, work, stop_on: tuple[type[BaseException], ...] = ()) -> int:
        """Run `work(self)` until done or the deadline; record how it ended; return the exit status.

        An exception of a `stop_on` type (the trainer's `Preempted`: it took the SIGTERM) counts as a stop."""
        def on_deadline(signum, frame):
            self.deadline_reached = True
            signal.raise_signal(signal.SIGTERM)

        def on_term(signum, frame):
            raise Stopped()

        signal.signal(signal.SIGALRM, on_deadline)
        signal.signal(signal.SIGTERM, on_term)
        signal.setitimer(signal.ITIMER_REAL, max(self.remaining(), 0.01))
        self.save()
        try:
            work(self)
            self.data["status"] = "ok"
        except (Stopped, *stop_on):
            self.data["status"] = "out of time" if self.deadline_reached else "terminated"
        except Exception as error:
            self.data["status"] = "failed"
            self.data["error"] = "".join(traceback.format_exception_only(error)).strip()
            self.data["traceback"] = traceback.format_exc()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            # A trainer that swallowed the SIGTERM may have set our handler back; either way the work is over.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self.save()
        return EXIT_STATUS[self.data["status"]]
