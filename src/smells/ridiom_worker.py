"""The RIdiom worker process behind `smells.ridiom.RidiomWorker`: one JSON line in, one JSON line out.

Reads each file's source as a JSON string per line on stdin and answers with its findings as a JSON list per
line. It says "ready" once RIdiom is imported. Anything RIdiom prints goes to /dev/null, never into replies.
"""
from __future__ import annotations

import json
import os
import sys

from smells.ridiom import import_ridiom, ridiom_findings


def main() -> None:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    # RIdiom prints as it works; whatever reaches fd 1 (Python or C) must not mix into the replies
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    import_ridiom()
    replies.write("ready\n")
    replies.flush()
    for line in sys.stdin:
        replies.write(json.dumps(ridiom_findings(json.loads(line))) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
