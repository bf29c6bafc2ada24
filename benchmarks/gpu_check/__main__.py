"""`python -m benchmarks.gpu_check SECTION --out DIR --budget SECONDS [--quick] [--cifar PATH]`: one section.

gpu_check.sh runs every section this way; run alone, it is how to retry one. It imports only what the device
image has (no snakemake, no pytest) and names any module the interpreter lacks before it starts.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

from . import SECTIONS
from .section import FAIL_SECTION_VARIABLE, Section

REQUIRED_MODULES = {"torch": "PyTorch", "torchvision": "torchvision", "numpy": "NumPy", "PIL": "Pillow",
                    "deba": "this repository's src/ (PYTHONPATH=src)",
                    "paperkit": "this repository's src/ (PYTHONPATH=src)"}


def missing_modules() -> list[str]:
    return [f"{module} ({what})" for module, what in REQUIRED_MODULES.items()
            if importlib.util.find_spec(module) is None]


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("section", choices=SECTIONS)
    parser.add_argument("--out", type=Path, required=True, help="folder for the section's files")
    parser.add_argument("--budget", type=float, required=True, help="seconds the section may take")
    parser.add_argument("--quick", action="store_true", help="tiny sizes at the cpu scale: a rehearsal on a CPU")
    parser.add_argument("--cifar", type=Path, help="the CIFAR-10 JPEG tarball or its unpacked folder (section pair)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    missing = missing_modules()
    if missing:
        sys.exit(f"gpu_check: cannot import {', '.join(missing)}. It runs with the interpreter at hand and "
                 "installs nothing (the device machine has no network); run it as `bash benchmarks/gpu_check.sh`, "
                 "or set PYTHON to an interpreter that has these.")
    fail = os.environ.get(FAIL_SECTION_VARIABLE) or None
    if fail is not None and fail not in SECTIONS:
        sys.exit(f"gpu_check: {FAIL_SECTION_VARIABLE}={fail!r} names no section; sections: {', '.join(SECTIONS)}")

    import torch

    from deba.train import Preempted

    if not torch.cuda.is_available() and not args.quick:
        sys.exit("gpu_check: torch.cuda.is_available() is False; the paper-scale check needs a GPU "
                 "(use --quick for the small version on a CPU)")
    device = torch.device("cuda" if torch.cuda.is_available() and not args.quick else "cpu")
    section = Section(args.section, args.out, args.budget, args.quick)
    section.data["device"] = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return section.run(lambda section: work(args, section, device, fail), stop_on=(Preempted,))


def work(args, section: Section, device, fail: str | None) -> None:
    if args.section == fail:
        raise RuntimeError(f"forced failure ({FAIL_SECTION_VARIABLE}={fail})")
    if args.section == "environment":
        from . import environment
        environment.run(section, device, args.quick)
    elif args.section == "throughput":
        from . import throughput
        found = args.out / "environment.json"
        throughput.run(section, device, args.quick, json.loads(found.read_text()) if found.is_file() else None)
    elif args.section == "pair":
        from . import pair
        pair.run(section, device, args.quick, args.cifar)
    elif args.section == "anatomy":
        from . import anatomy
        anatomy.run(section, device, args.quick)
    else:
        from . import compiled
        compiled.run(section, device, args.quick)


if __name__ == "__main__":
    sys.exit(main())
