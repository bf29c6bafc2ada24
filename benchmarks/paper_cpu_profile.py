"""Paper-scale training throughput on this machine's CPU at one thread, for the README's cost table.

    python -m benchmarks.paper_cpu_profile      # a few minutes at one thread

No GPU profile exists yet, so the README prices `config/paper.yaml` in device-hours of this CPU; the same
`python -m deba.cost` command on `benchmarks/gpu_check.sh`'s JSON gives GPU-hours. One warm-up and one timed
step per batch size (`deba.throughput.measure`, the code the workflow's throughput rule runs); a batch size
whose two steps would take longer than `--max-seconds` (predicted from the previous size) is skipped and
listed as such. Writes `benchmarks/results/paper_throughput_cpu.json` in the format of gpu_check.json
(device, torch, scale, throughput rows), plus the threads, package versions and the skipped sizes.
`--architectures A B` remeasures only those, keeping the other architectures' rows of an existing file.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from deba.config import ARCHITECTURES
from deba.provenance import package_versions
from deba.throughput import measure

RESULT = Path(__file__).resolve().parent / "results" / "paper_throughput_cpu.json"


def cpu_name() -> str:
    """The CPU's model name (platform.processor() is often empty on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="skip a batch size whose warm-up and timed step are predicted to take longer")
    parser.add_argument("--architectures", nargs="+", default=list(ARCHITECTURES), choices=ARCHITECTURES)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one core: the machine is shared, and one thread is what we can reproduce
    device = torch.device("cpu")
    rows, skipped = [], []
    started = time.perf_counter()
    for arch in args.architectures:
        images_per_s = None
        for batch_size in sorted(args.batch_sizes):
            predicted_s = 2 * batch_size / images_per_s if images_per_s else None
            if predicted_s is not None and predicted_s > args.max_seconds:
                skipped.append({"arch": arch, "batch_size": batch_size, "predicted_s": round(predicted_s, 1)})
                continue
            measured = measure(arch, "paper", [batch_size], device, warmup_steps=1, timed_steps=1)
            rows += measured
            images_per_s = measured[0]["images_per_s"]
            print(f"{arch:16s} batch {batch_size:5d}: {images_per_s:7.1f} images/s", flush=True)
    measured_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    kept = {"throughput": [], "skipped": [], "sessions": []}
    if args.out.exists() and set(args.architectures) != set(ARCHITECTURES):
        kept = json.loads(args.out.read_text())
        for key in ("throughput", "skipped"):
            kept[key] = [row for row in kept[key] if row["arch"] not in args.architectures]
    report = {"device": f"{cpu_name()}, 1 thread", "torch": torch.__version__, "scale": "paper",
              "threads": torch.get_num_threads(), "cpu_count": __import__("os").cpu_count(),
              "steps": {"warmup": 1, "timed": 1}, "packages": package_versions(),
              "sessions": kept["sessions"] + [{"measured_at": measured_at, "architectures": args.architectures,
                                               "wall_s": round(time.perf_counter() - started, 1)}],
              "skipped": kept["skipped"] + skipped,
              "throughput": sorted(kept["throughput"] + rows,
                                   key=lambda row: (ARCHITECTURES.index(row["arch"]), row["batch_size"]))}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out} ({report['sessions'][-1]['wall_s']} s); skipped: {skipped or 'none'}")


if __name__ == "__main__":
    main()
