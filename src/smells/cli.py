"""``smells`` command line: ``smells scan PATH... [--format text|json]`` and ``smells lock CONFIG``.

``scan`` prints every finding (``path:line-end: idiom in function -> suggestion``) then a per-idiom summary,
or one JSON document with findings, skips and the summary. Progress over files goes to stderr on a terminal
only. ``lock`` downloads the newest pure-Python wheel of every project of a pinned-corpus config (network)
and writes their versions and sha256 to the lock file.

    smells scan src/
    smells scan --format json some/package > findings.json
    smells lock config/smells.yaml --out config/smells.lock.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from smells.findings import IDIOMS
from smells.scan import DEFAULT_MAX_BYTES, scan_paths, summarize, terminal_progress


def _print_text(results, summary, out) -> None:
    for result in results:
        for f in result.findings:
            out.write(f"{f.path}:{f.line}-{f.end_line}: {f.idiom} in {f.function} -> {f.suggestion}\n")
        if result.skip:
            out.write(f"{result.skip.path}: skipped ({result.skip.reason}: {result.skip.detail})\n")
    out.write(f"\n{summary['files_scanned']} of {summary['files']} files scanned, {summary['lines']} lines, "
              f"{summary['findings']} findings\n")
    width = max(len(i) for i in IDIOMS)
    for idiom, count in summary["by_idiom"].items():
        out.write(f"  {idiom:<{width}}  {count}\n")
    for reason, count in summary["skipped"].items():
        if count:
            out.write(f"  skipped ({reason}): {count}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smells", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="find non-idiomatic patterns in Python files or directories")
    scan.add_argument("paths", nargs="+", metavar="PATH", help="Python files or directories")
    scan.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    scan.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                      help=f"skip larger files as too-large (default {DEFAULT_MAX_BYTES})")
    scan.add_argument("--progress", choices=("auto", "never"), default="auto",
                      help="progress on stderr: auto = only when stderr is a terminal")
    lock = sub.add_parser("lock", help="pin the pinned corpus: download wheels, record versions and sha256")
    lock.add_argument("config", help="a config with smells.corpus.projects (e.g. config/smells.yaml)")
    lock.add_argument("--out", required=True, help="lock file to write (e.g. config/smells.lock.json)")
    lock.add_argument("--workdir", default=None, help="download folder (default: a temporary folder)")
    return parser


def _lock(args) -> int:
    import tempfile

    import yaml

    from smells.fetch import make_lock

    try:
        projects = yaml.safe_load(open(args.config))["smells"]["corpus"]["projects"]
        names = [p["name"] for p in projects]
    except (OSError, KeyError, TypeError) as error:
        print(f"smells lock: {args.config} needs smells.corpus.projects with a name each ({error})",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="smells-lock-") as tmp:
        document = make_lock(names, args.workdir or tmp)
    with open(args.out, "w") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")
    print(f"{len(names)} projects pinned in {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(argv)
    except BrokenPipeError:
        # `smells scan ... | head`: the reader left; exit quietly like other Unix tools.
        sys.stdout = open(os.devnull, "w")
        return 0


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "lock":
        return _lock(args)
    if args.max_bytes <= 0:
        print(f"smells scan: --max-bytes must be positive, got {args.max_bytes}", file=sys.stderr)
        return 2
    progress = terminal_progress(sys.stderr) if args.progress == "auto" else None
    try:
        results = scan_paths(args.paths, max_bytes=args.max_bytes, progress=progress)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    summary = summarize(results)
    if args.format == "json":
        document = {
            "findings": [f.to_dict() for r in results for f in r.findings],
            "skipped": [r.skip.to_dict() for r in results if r.skip],
            "summary": summary,
        }
        json.dump(document, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print_text(results, summary, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
