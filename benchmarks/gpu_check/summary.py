"""`python -m benchmarks.gpu_check.summary DIR`: a short text summary of a GPU check's files.

gpu_check.sh prints it last, so the numbers reach whoever reads the command's output even when the files
themselves cannot be fetched. Reads only what is there; a missing or half-written section is reported as such.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import SECTIONS


def load(folder: Path, name: str) -> dict | None:
    try:
        return json.loads((folder / f"{name}.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None


def lines(folder: Path) -> list[str]:
    out = []
    for name in SECTIONS:
        data = load(folder, name)
        if data is None:
            out.append(f"{name}: no file")
            continue
        out.append(f"{name}: {data.get('status')} ({data.get('seconds')} s of {data.get('budget_s')})"
                   + (f": {data['error']}" if data.get("error") else ""))
    environment = load(folder, "environment") or {}
    if environment.get("matmul_tflops"):
        out.append(f"  matmul TFLOP/s {environment['matmul_tflops']}, launch {environment.get('launch_us')} us, "
                   f"device {environment.get('versions', {}).get('device_name')}")
    profile = load(folder, "profile")
    if profile:
        for row in profile["rows"]:
            out.append(f"  profile {row['scale']:5s} {row['arch']:16s} b={row['batch_size']:5d} "
                       f"{row['images_per_s']:10.0f} img/s  ({row['rounds']} rounds)")
        for failure in profile["failures"]:
            out.append(f"  profile failure: {failure}")
    pair = load(folder, "pair") or {}
    for run in pair.get("runs", []):
        epochs = run.get("epochs", [])
        trajectory = " ".join(str(epoch["batch_size"]) for epoch in epochs)
        out.append(f"  pair {run['scheduler']}#{run['position']}: {len(epochs)} epochs, train "
                   f"{sum(epoch['train_s'] for epoch in epochs):.2f} s, eval {sum(epoch['eval_s'] for epoch in epochs):.2f} s, "
                   f"acc {epochs[-1]['test_acc'] if epochs else None}, batches {trajectory}")
    for key in ("speedup_vs_first_fixed", "aa_second_vs_first_fixed"):
        if key in pair:
            out.append(f"  pair {key}: {pair[key]:+.4f}")
    anatomy = load(folder, "anatomy") or {}
    for key, value in sorted((anatomy.get("median_s") or {}).items()):
        out.append(f"  anatomy {key}: {value * 1e3:.3f} ms")
    for key, value in (anatomy.get("errors") or {}).items():
        out.append(f"  anatomy error {key}: {value[:200]}")
    compiled = load(folder, "compile") or {}
    for mode, entry in (compiled.get("modes") or {}).items():
        cells = ", ".join(f"{p['batch_size']}: {p['first_step_s']:.2f}/{p['steady_step_s'] * 1e3:.2f}ms"
                          for p in entry.get("per_batch", []))
        out.append(f"  compile {mode}: {cells}")
    return out


if __name__ == "__main__":
    print("\n".join(lines(Path(sys.argv[1]))))
