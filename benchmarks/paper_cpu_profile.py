"""Paper-scale training throughput on this machine's CPU at one thread, stored as a device profile.

    python -m benchmarks.paper_cpu_profile      # a few minutes at one thread

Writes the stored profile `benchmarks/results/profiles/<cpu>-1thread-paper-fp32.json` (`deba.profiles`, format
in docs/results.md; <cpu> from the CPU's model name, `xeon` on the machine docs/cost.md's numbers come from):
docs/cost.md prices `config/paper.yaml` in device-hours of this CPU with it
(`python -m deba.cost --throughput xeon-1thread-paper-fp32`), and the analysis prices every run's batch-size
trajectory on it (`price_on`, results/stats/device_pricing.csv). One warm-up and one timed step per batch size
(`deba.throughput.measure`, the code the workflow's throughput rule runs); a batch size whose two steps would
take longer than `--max-seconds` (predicted from the previous size) is not measured and is listed among the
profile's failures, so a missing row is explained. `--architectures A B` remeasures only those, keeping the
other architectures' rows of an existing file of the same CPU (its notes say which were remeasured when).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from deba.config import ARCHITECTURES, TrainConfig
from deba.profiles import ProfileError, profile_path, read_profile, write_profile
from deba.provenance import code_version
from deba.throughput import measure

REPO = Path(__file__).resolve().parents[1]


def cpu_name() -> str:
    """The CPU's model name (platform.processor() is often empty on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def profile_name(cpu: str) -> str:
    """The stored profile's name: the CPU's model without vendor and trademark words, one thread, paper scale,
    fp32 ("Intel(R) Xeon(R) Processor" -> "xeon-1thread-paper-fp32")."""
    words = re.sub(r"\((R|TM)\)", " ", cpu, flags=re.I).lower().split()
    model = "-".join(word for word in words if word not in {"intel", "amd", "processor", "cpu", "@"}) or "cpu"
    return f"{re.sub(r'[^a-z0-9.-]+', '-', model).strip('-')}-1thread-paper-fp32"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="skip a batch size whose warm-up and timed step are predicted to take longer")
    parser.add_argument("--architectures", nargs="+", default=list(ARCHITECTURES), choices=ARCHITECTURES)
    parser.add_argument("--out", type=Path, default=profile_path(profile_name(cpu_name()), REPO))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one core: the machine is shared, and one thread is what we can reproduce
    device = torch.device("cpu")
    vit_input = TrainConfig().vit_input  # what training feeds ViT-B/16 (the profile's provenance says so)
    rows, failures = [], []
    started = time.perf_counter()
    for arch in args.architectures:
        images_per_s = None
        for batch_size in sorted(args.batch_sizes):
            predicted_s = 2 * batch_size / images_per_s if images_per_s else None
            if predicted_s is not None and predicted_s > args.max_seconds:
                failures.append({"arch": arch, "scale": "paper", "batch_size": batch_size,
                                 "error": f"not measured: warm-up and timed step predicted to take "
                                          f"{predicted_s:.1f} s, above --max-seconds {args.max_seconds:g}"})
                continue
            measured = measure(arch, "paper", [batch_size], device, vit_input=vit_input, warmup_steps=1,
                               timed_steps=1)
            rows += [{"arch": row["arch"], "scale": row["scale"], "batch_size": row["batch_size"],
                      "step_time_s": row["step_time_s"], "images_per_s": row["images_per_s"], "rounds": 1,
                      "timed_steps": 1} for row in measured]
            images_per_s = measured[0]["images_per_s"]
            print(f"{arch:16s} batch {batch_size:5d}: {images_per_s:7.1f} images/s", flush=True)
    measured_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    provenance = {"device_name": cpu_name(), "device_type": "cpu", "precision": "fp32", "cudnn_mode": "n/a",
                  "torch": torch.__version__, "measured_at": measured_at, "python": platform.python_version(),
                  "threads": torch.get_num_threads(), "hostname": socket.gethostname(),
                  "command": "python -m benchmarks.paper_cpu_profile", "code_version": code_version(),
                  "vit_input": vit_input,
                  "notes": f"one warm-up and one timed step per batch size, on a machine of {os.cpu_count()} CPUs"}
    if args.out.exists() and set(args.architectures) != set(ARCHITECTURES):
        try:
            kept = read_profile(args.out)
        except ProfileError as error:
            parser.exit(2, f"cannot keep the other architectures' rows: {error}\n")
        if kept.device_name != provenance["device_name"]:
            parser.exit(2, f"{args.out} was measured on {kept.device_name}, this is {provenance['device_name']}: "
                           "one profile holds one device's rows; give --out another file\n")
        rows += [row for row in kept.rows if row["arch"] not in args.architectures]
        failures += [failure for failure in kept.failures if failure["arch"] not in args.architectures]
        provenance.update(measured_at=kept.provenance["measured_at"], notes=(
            f"{kept.provenance.get('notes', '')}; {', '.join(args.architectures)} remeasured at {measured_at}"))
    order = {arch: index for index, arch in enumerate(ARCHITECTURES)}
    path = write_profile(args.out, provenance, sorted(rows, key=lambda row: (order[row["arch"]], row["batch_size"])),
                         failures)
    print(f"wrote {path} ({time.perf_counter() - started:.1f} s); not measured: "
          f"{[(f['arch'], f['batch_size']) for f in failures] or 'none'}")


if __name__ == "__main__":
    main()
