"""Precision and memory format of a training run: explicit, or `auto`, the fastest the device offers.

A run trains in `precision` fp32 or bf16 (bf16 autocast: the forward and backward arithmetic in bfloat16,
the parameters, their gradients and the optimizer in fp32) and with activations in `memory_format`
contiguous or channels_last (CNNs only). `auto` resolves per device and architecture:

- on a GPU: bf16 and channels_last for CNNs (what the trainer has always used there);
- on a CPU: the choice of `TABLE_FILE`, written by `python -m benchmarks.cpu_fast_path` from its measurements
  of every combination side by side (benchmarks/results/cpu_fast_path.md). The table holds two choices per
  architecture: the fastest combination overall (`bf16_hardware`, used on a CPU with bfloat16 instructions,
  `BF16_FLAGS`: AMX-BF16 or AVX-512 BF16) and the fastest fp32 one (`fp32_only`, used otherwise: without
  them bf16 is emulated and slow, so it is never chosen). A combination is chosen only where it was
  measured faster than fp32 contiguous with its interval clear of no difference; an architecture missing
  from the table trains fp32 contiguous. The choice is only as good as the CPU it was measured on (the
  table names it): rerun the benchmark on another kind of CPU to choose for that one.

The resolved pair, and the reason for it, are written into a run's provenance (`deba.train`), so a run
can be repeated exactly on the same hardware with explicit settings. Pure Python (no torch): the workflow
imports this while parsing, and puts an `auto` run's table row into its parameters, so a changed choice
reruns exactly the runs it concerns.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from . import config_schema

PRECISIONS = config_schema.choices("precision")
# How a stored throughput profile (deba.profiles) names each precision.
PRECISION_LABEL = {"fp32": "fp32", "bf16": "bf16-autocast"}
MEMORY_FORMATS = config_schema.choices("memory_format")
TABLE_FILE = Path(__file__).with_name("cpu_fast_path.json")
# /proc/cpuinfo's flags for bfloat16 arithmetic in hardware: Intel's AMX tiles, and AVX-512 BF16 (Intel
# Cooper Lake and later, AMD Zen 4 and later)
BF16_FLAGS = ("amx_bf16", "avx512_bf16")


class Settings(NamedTuple):
    precision: str  # fp32 | bf16
    memory_format: str  # contiguous | channels_last
    reason: str


def is_cnn(arch: str) -> bool:
    return not arch.startswith("vit")


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none: not Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@lru_cache(maxsize=1)
def table() -> dict:
    """The CPU choice table ({"architectures": {arch: {"bf16_hardware": {...}, "fp32_only": {...}}}, ...}); an
    empty one where the file is absent (a copy installed without it: every CPU run then trains fp32 contiguous)."""
    if not TABLE_FILE.is_file():
        return {"architectures": {}, "source": None}
    return json.loads(TABLE_FILE.read_text())


def table_row(arch: str) -> dict | None:
    """The table's entry for `arch` (what an `auto` CPU run of it depends on), None if it has none."""
    return table()["architectures"].get(arch)


def resolve(arch: str, device_type: str, precision: str = "auto", memory_format: str = "auto",
            flags: frozenset[str] | None = None) -> Settings:
    """The precision and memory format a run of `arch` trains with on a `device_type` ("cuda" or "cpu") device."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r}: allowed are {', '.join(PRECISIONS)}")
    if memory_format not in MEMORY_FORMATS:
        raise ValueError(f"memory_format {memory_format!r}: allowed are {', '.join(MEMORY_FORMATS)}")
    if memory_format == "channels_last" and not is_cnn(arch):
        raise ValueError(f"memory_format channels_last is for CNNs; {arch} is not one (use contiguous or auto)")
    if device_type == "cuda":
        chosen = Settings("bf16", "channels_last" if is_cnn(arch) else "contiguous", "GPU: bf16 autocast, "
                          "channels_last for CNNs")
    else:
        chosen = _cpu_choice(arch, cpu_flags() if flags is None else flags)
    return Settings(chosen.precision if precision == "auto" else precision,
                    chosen.memory_format if memory_format == "auto" else memory_format,
                    chosen.reason if "auto" in (precision, memory_format) else "set explicitly")


def before_settings(arch: str, device_type: str) -> Settings:
    """What the trainer used before these settings existed (runs recorded then have no record of them): bf16
    and channels_last for CNNs on a GPU, fp32 contiguous on a CPU."""
    if device_type == "cuda":
        return Settings("bf16", "channels_last" if is_cnn(arch) else "contiguous", "recorded before the settings")
    return Settings("fp32", "contiguous", "recorded before the settings")


def has_bf16_hardware(flags: frozenset[str]) -> bool:
    return any(flag in flags for flag in BF16_FLAGS)


def _cpu_choice(arch: str, flags: frozenset[str]) -> Settings:
    row = table_row(arch)
    if row is None:
        return Settings("fp32", "contiguous", f"CPU: {arch} not in {TABLE_FILE.name}")
    measured = f"{TABLE_FILE.name}, measured {table()['measured_at']} on {table()['cpu']}"
    if has_bf16_hardware(flags):
        present = ", ".join(flag for flag in BF16_FLAGS if flag in flags)
        return Settings(row["bf16_hardware"]["precision"], row["bf16_hardware"]["memory_format"],
                        f"CPU with {present}: {measured}")
    return Settings("fp32", row["fp32_only"]["memory_format"],
                    f"CPU without {' or '.join(BF16_FLAGS)}: {measured}, its fp32 choice")
