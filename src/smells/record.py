"""Record a finished smells run: copy its small result tables into a committed folder with a README.

    python -m smells.record results/smells/pinned-300 recorded/smells-300 \
        --command "snakemake --cores 1 --configfile config/smells-300.yaml smells" --wall "12 min 3 s"

Only the tables (a few hundred KB) are copied, never the downloaded code; the README says which machine,
code version (git commit), command, date and wall time produced them. The paper's corpus table (`scale`,
rule ``smells_table``) reads ``smells.layout.SCALE_INPUTS`` from such a folder, so the paper can set the run
beside others offline.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from smells.layout import RECORDED_FILES, SCALE_INPUTS, file_name


# The code a smells run executes (besides the packages it imports): its uncommitted edits are reported.
STUDY_CODE = ("src/smells", "src/paperkit", "workflow/rules/smells*.smk", "workflow/scripts/smells_*.py",
              "workflow/schemas/smells.schema.yaml")


def record(run: Path, folder: Path, *, command: str, wall: str) -> list[str]:
    """Copy the recorded files of ``run`` into ``folder`` and write its README; returns the files copied."""
    missing = [file_name(key) for key in SCALE_INPUTS if not (run / file_name(key)).is_file()]
    if missing:
        raise FileNotFoundError(f"smells record: {run} lacks {missing}; run the study first")
    folder.mkdir(parents=True, exist_ok=True)
    copied = [file_name(key) for key in RECORDED_FILES if (run / file_name(key)).is_file()]
    for name in copied:
        shutil.copyfile(run / name, folder / name)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *STUDY_CODE], capture_output=True,
                           text=True, check=False).stdout.strip()
    lines = [
        f"# Recorded smells study: {folder.name}",
        "",
        f"Copied by `python -m smells.record {run} {folder}` from a finished run; the paper's corpus table",
        "(`scale`, rule `smells_table`) reads these files, so it is rebuilt without fetching anything.",
        "",
        f"- command: `{command}`",
        f"- wall time: {wall} (downloads included)",
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- code version: {commit or 'unknown'}" + (f" (with uncommitted changes to {', '.join(STUDY_CODE)})"
                                                    if dirty else ""),
        (f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
         f"Python {platform.python_version()}"),
        f"- files: {', '.join(copied)}",
    ]
    (folder / "README.md").write_text("\n".join(lines) + "\n")
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m smells.record", description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="results folder of the run (results/smells/<corpus>)")
    parser.add_argument("folder", type=Path, help="folder to record into (recorded/smells-<n>)")
    parser.add_argument("--command", required=True, help="the command that produced the run")
    parser.add_argument("--wall", required=True, help="its measured wall time")
    args = parser.parse_args(argv)
    try:
        copied = record(args.run, args.folder, command=args.command, wall=args.wall)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"recorded {len(copied)} files in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
