"""Device throughput profiles as data: the price list a batch-size trajectory is priced on.

A profile is the step time of a training step against batch size, per architecture and model scale, measured
on one device in one precision and cuDNN mode, stored as one small JSON file with its provenance. The stored
profiles live in `PROFILE_DIR` (benchmarks/results/profiles/, one file each, its stem the profile's name);
docs/results.md describes the format. They are written by `benchmarks/gpu_check.sh` (a GPU lease) and
`python -m benchmarks.paper_cpu_profile` (this CPU), or converted from a finished grid's own per-cell profiles
(`from_results`: a checkout after a run, or a recorded set), and read by the analysis (`deba.analysis.pricing`)
and the cost estimate (`deba.cost`).

    python -m deba.profiles list                                      # the stored profiles
    python -m deba.profiles from-results recorded/cifar-cpu NAME      # a grid's profiles, stored as NAME

    {"format": "deba-throughput-profile/1",
     "provenance": {"device_name": ..., "device_type": "cuda" | "cpu", "precision": ..., "cudnn_mode": ...,
                    "torch": ..., "measured_at": ..., ...},
     "rows": [{"arch": ..., "scale": ..., "batch_size": ..., "step_time_s": ..., "images_per_s": ...,
               (optional) "rounds": ..., "timed_steps": ..., "step_time_min_s": ..., "step_time_max_s": ...}],
     "failures": [{"arch": ..., "scale": ..., "batch_size": ... or null, "error": ...}]}

`failures` lists what could not be measured (out of memory at a batch size, an architecture that failed), so
a missing row is explained rather than silent. Pure Python and JSON: the GPU machine writes these files
without pandas, and the analysis reads them without torch (`read_profile_table` builds the pandas table).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from paperkit.files import write_text_atomically

from .fast_path import PRECISION_LABEL, before_settings

FORMAT = "deba-throughput-profile/1"
PROFILE_DIR = "benchmarks/results/profiles"  # relative to the repository root
SUFFIX = ".json"
ALL = "all"  # a config's `price_on: all`: every stored profile

REQUIRED_PROVENANCE = ("device_name", "device_type", "precision", "cudnn_mode", "torch", "measured_at")
# The rest a writer should give where it applies (`None` where it does not: no driver on a CPU).
OPTIONAL_PROVENANCE = ("memory_format", "cuda", "cudnn", "driver", "python", "threads", "hostname", "command",
                       "code_version", "vit_input", "notes")
ROW_KEYS = ("arch", "scale", "batch_size", "step_time_s", "images_per_s")
OPTIONAL_ROW_KEYS = ("rounds", "timed_steps", "step_time_min_s", "step_time_max_s")
FAILURE_KEYS = ("arch", "scale", "batch_size", "error")
DEVICE_TYPES = ("cuda", "cpu")
PRECISIONS = tuple(PRECISION_LABEL.values())


class ProfileError(ValueError):
    """A profile file is malformed; the message names the file and the key or row."""


@dataclass
class Profile:
    name: str
    provenance: dict
    rows: list[dict]
    failures: list[dict] = field(default_factory=list)

    @property
    def device_name(self) -> str:
        return str(self.provenance["device_name"])

    def scales(self) -> set[str]:
        return {row["scale"] for row in self.rows}

    def label(self) -> str:
        """How a table names this profile: device (threads, for a CPU), precision."""
        threads = self.provenance.get("threads")
        per_thread = (f", {threads} thread{'s' if threads != 1 else ''}"
                      if self.provenance["device_type"] == "cpu" and threads else "")
        return f"{self.device_name}{per_thread} ({self.provenance['precision']})"


def profile_path(name: str, root: str | Path = ".") -> Path:
    return Path(root) / PROFILE_DIR / f"{name}{SUFFIX}"


def stored_profiles(root: str | Path = ".") -> list[str]:
    """The names of the profiles stored under `root`/PROFILE_DIR, sorted."""
    folder = Path(root) / PROFILE_DIR
    return sorted(path.stem for path in folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def write_profile(path: str | Path, provenance: dict, rows: list[dict], failures: list[dict] = ()) -> Path:
    """Validate and write a profile atomically (a reader never sees half a file); returns the path."""
    path = Path(path)
    document = {"format": FORMAT, "provenance": dict(provenance), "rows": [dict(row) for row in rows],
                "failures": [dict(failure) for failure in failures]}
    _check(document, str(path))
    write_text_atomically(path, json.dumps(document, indent=1) + "\n")
    return path


def read_profile(path: str | Path) -> Profile:
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except json.JSONDecodeError as error:
        raise ProfileError(f"{path}: not JSON ({error})") from None
    _check(document, str(path))
    return Profile(path.stem, document["provenance"], document["rows"], document.get("failures", []))


def resolve_names(selection: str | list[str], root: str | Path = ".") -> list[str]:
    """The stored profile names a config's `price_on` selects: `ALL` (every stored profile, so a newly stored
    one is priced without editing a config), or a list of names, each of which must be stored (the error names
    the missing ones and lists the stored ones)."""
    if selection == ALL:
        return stored_profiles(root)
    if isinstance(selection, str):
        selection = [selection]
    missing = [name for name in selection if not profile_path(name, root).is_file()]
    if missing:
        raise ProfileError(f"no stored throughput profile {', '.join(map(repr, missing))} under {PROFILE_DIR}/; "
                           f"stored: {', '.join(stored_profiles(root)) or 'none'}")
    return list(selection)


def load_named(names: list[str], root: str | Path = ".") -> list[Profile]:
    """The stored profiles `names` (a config's `price_on`), with an error listing the stored ones if one is missing."""
    return [read_profile(profile_path(name, root)) for name in resolve_names(list(names), root)]


def read_profile_table(profile: Profile):
    """The profile's rows as a pandas table (ROW_KEYS and whichever optional keys the rows carry)."""
    import pandas as pd

    return pd.DataFrame(profile.rows, columns=list(ROW_KEYS) + [key for key in OPTIONAL_ROW_KEYS
                                                                if any(key in row for row in profile.rows)])


# What two measurements must share to be one profile: the same device, software and settings.
SAME_IN_MERGED = ("device_name", "device_type", "precision", "memory_format", "cudnn_mode", "torch", "cuda",
                  "cudnn", "driver", "vit_input")


def merge_profiles(profiles: list[Profile]) -> tuple[dict, list[dict], list[dict]]:
    """(provenance, rows, failures) of one profile made of measurements taken in parts (a lease that ran out,
    a cluster measured in several jobs). The parts must agree on `SAME_IN_MERGED` and measure no (arch, scale,
    batch size) twice; the merged provenance lists every part's date and code version. A failure that a later
    part measured after all (an architecture one part ran out of time for) is dropped."""
    if not profiles:
        raise ProfileError("nothing to merge")
    first = profiles[0]
    for other in profiles[1:]:
        differing = [key for key in SAME_IN_MERGED if first.provenance.get(key) != other.provenance.get(key)]
        if differing:
            raise ProfileError(f"profiles {first.name} and {other.name} differ in {', '.join(differing)}; only "
                               "measurements of one device with the same software and settings merge")
    provenance = dict(first.provenance)
    for key in ("measured_at", "code_version", "hostname", "command", "notes"):
        values = list(dict.fromkeys(str(p.provenance[key]) for p in profiles if p.provenance.get(key)))
        provenance[key] = "; ".join(values) if values else None
    rows = [row for profile in profiles for row in profile.rows]
    measured = {(row["arch"], row["scale"]) for row in rows}
    failures = [failure for profile in profiles for failure in profile.failures
                if failure.get("batch_size") is not None or (failure["arch"], failure["scale"]) not in measured]
    return provenance, rows, failures


def _check(document, where: str) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ProfileError(f"{where}: 'format' must be {FORMAT!r}, found {found!r}")
    provenance = document.get("provenance")
    if not isinstance(provenance, dict):
        raise ProfileError(f"{where}: 'provenance' must be an object")
    missing = [key for key in REQUIRED_PROVENANCE if provenance.get(key) in (None, "")]
    if missing:
        raise ProfileError(f"{where}: provenance lacks {', '.join(missing)} (required: {', '.join(REQUIRED_PROVENANCE)})")
    unknown = sorted(set(provenance) - set(REQUIRED_PROVENANCE) - set(OPTIONAL_PROVENANCE))
    if unknown:
        raise ProfileError(f"{where}: unknown provenance key(s) {', '.join(unknown)}; allowed: "
                           f"{', '.join(REQUIRED_PROVENANCE + OPTIONAL_PROVENANCE)}")
    for key, allowed in (("device_type", DEVICE_TYPES), ("precision", PRECISIONS)):
        if provenance[key] not in allowed:
            raise ProfileError(f"{where}: provenance {key} {provenance[key]!r} is not one of {', '.join(allowed)}")
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise ProfileError(f"{where}: 'rows' must be a list")
    seen = set()
    for index, row in enumerate(rows):
        _check_row(row, f"{where}: rows[{index}]")
        key = (row["arch"], row["scale"], row["batch_size"])
        if key in seen:
            raise ProfileError(f"{where}: rows[{index}] repeats arch {key[0]}, scale {key[1]}, batch size {key[2]}")
        seen.add(key)
    failures = document.get("failures", [])
    if not isinstance(failures, list) or any(not isinstance(f, dict) or set(f) - set(FAILURE_KEYS)
                                             or "error" not in f for f in failures):
        raise ProfileError(f"{where}: 'failures' must be a list of objects with keys {', '.join(FAILURE_KEYS)}")


def _check_row(row, where: str) -> None:
    if not isinstance(row, dict):
        raise ProfileError(f"{where}: must be an object")
    missing = [key for key in ROW_KEYS if key not in row]
    unknown = sorted(set(row) - set(ROW_KEYS) - set(OPTIONAL_ROW_KEYS))
    if missing or unknown:
        raise ProfileError(f"{where}: " + "; ".join(filter(None, [
            f"lacks {', '.join(missing)}" if missing else "", f"unknown key(s) {', '.join(unknown)}" if unknown else ""]))
            + f" (keys: {', '.join(ROW_KEYS + OPTIONAL_ROW_KEYS)})")
    if not isinstance(row["batch_size"], int) or isinstance(row["batch_size"], bool) or row["batch_size"] < 1:
        raise ProfileError(f"{where}: batch_size must be a positive integer, found {row['batch_size']!r}")
    for key in ("step_time_s", "images_per_s"):
        value = row[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
            raise ProfileError(f"{where}: {key} must be a positive finite number, found {value!r}")
    if not math.isclose(row["images_per_s"] * row["step_time_s"], row["batch_size"], rel_tol=1e-3):
        raise ProfileError(f"{where}: images_per_s x step_time_s must equal batch_size "
                           f"({row['images_per_s']} x {row['step_time_s']} != {row['batch_size']})")


def from_results(root: str | Path) -> tuple[dict, list[dict]]:
    """(provenance, rows) of the per-cell throughput profiles of the finished grid under `root` (a checkout
    after a workflow run, or a recorded set: both hold results/grid.json and results/characterization/).

    Rows: every cell's `throughput.csv`, keyed by architecture and scale (an architecture profiled in several
    datasets' cells, on the same synthetic CIFAR-shaped input, gets the median step time). Provenance comes
    from the grid's run folders (`config.json`): device, torch, Python, threads, code version, ViT input and
    cuDNN mode as training used them; `measured_at` is the date the grid's first run started, since the
    workflow profiles each cell during the grid and its files record no time of their own."""
    from deba.analysis.layout import GRID_MANIFEST
    from deba.contract import CONFIG_FILE, throughput_file

    root = Path(root)
    manifest = root / GRID_MANIFEST
    if not manifest.is_file():
        raise ProfileError(f"{manifest} is missing: {root} holds no finished grid (a checkout after a workflow run, "
                           "or a recorded set)")
    grid = json.loads(manifest.read_text())
    times: dict[tuple[str, str, int], list[float]] = {}
    devices = set()
    for dataset, arch in grid["cells"]:
        path = root / throughput_file(dataset, arch)
        if not path.is_file():
            raise ProfileError(f"{path} is missing: the grid's cell ({dataset}, {arch}) has no throughput profile")
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                times.setdefault((row["arch"], row["scale"], int(row["batch_size"])), []).append(
                    float(row["step_time_s"]))
                devices.add(row["device"])
    runs = [json.loads((root / run / CONFIG_FILE).read_text()) for run in grid["runs"]
            if (root / run / CONFIG_FILE).is_file()]
    if not runs:
        raise ProfileError(f"{root}: none of the grid's run folders has a {CONFIG_FILE} to take the provenance from")
    if len(devices) != 1:
        raise ProfileError(f"{root}: the grid's throughput profiles come from {len(devices)} device types "
                           f"({', '.join(sorted(devices)) or 'none'}); store one profile per device")
    device_type = "cuda" if devices.pop().startswith("cuda") else "cpu"
    precisions = {_trained_precision(run, device_type) for run in runs}
    if len(precisions) != 1:  # a profile has one precision; `auto` may train architectures in different ones
        raise ProfileError(f"{root}: the grid's runs trained in {' and '.join(sorted(precisions))} (precision "
                           "auto chooses per architecture); a stored profile has one precision")
    provenance_of = [run["provenance"] for run in runs]
    config_of = [run["config"] for run in runs]

    def joined(values) -> str | None:  # the one value the runs recorded, or each of them
        return ", ".join(sorted({str(value) for value in values if value is not None})) or None

    provenance = {
        "device_name": joined(p.get("device_name") for p in provenance_of),
        "device_type": device_type,
        "precision": PRECISION_LABEL[precisions.pop()],
        "cudnn_mode": ("n/a" if device_type == "cpu" else
                       "deterministic, no autotuning" if all(c.get("deterministic", True) for c in config_of)
                       else "autotuned"),
        "torch": joined(p["packages"].get("torch") for p in provenance_of),
        "measured_at": min(p["started_at"] for p in provenance_of)[:10],
        "python": joined(p.get("python") for p in provenance_of),
        "threads": int(statistics.median(int(p["threads"]) for p in provenance_of)),
        "hostname": joined(p.get("hostname") for p in provenance_of),
        "code_version": joined(p.get("code_version") for p in provenance_of),
        "vit_input": joined(c.get("vit_input") for c in config_of),
        "notes": "measured by the workflow's throughput rule during the grid's run (per cell, on synthetic "
                 "CIFAR-shaped data, at the thread count training used); measured_at is the date its first "
                 "run started",
    }
    rows = [{"arch": arch, "scale": scale, "batch_size": batch, "step_time_s": statistics.median(values),
             "images_per_s": batch / statistics.median(values)}
            for (arch, scale, batch), values in sorted(times.items())]
    return provenance, rows


def _trained_precision(run: dict, device_type: str) -> str:
    """The precision a run trained in: its provenance's, or for a run recorded before it was recorded, the
    trainer's then (deba.fast_path.before_settings)."""
    return run["provenance"].get("precision") or before_settings(run["config"].get("arch", ""), device_type).precision


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deba.profiles", description=__doc__.split("\n\n")[0])
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the stored profiles: name, device, precision, scales, architectures, date")
    convert = actions.add_parser("from-results", help="store a finished grid's own per-cell throughput profiles")
    convert.add_argument("root", type=Path, help="a checkout after a workflow run, or a recorded set")
    convert.add_argument("name", help=f"the stored profile's name (the file {PROFILE_DIR}/NAME{SUFFIX})")
    merge = actions.add_parser("merge", help="one profile from parts measured separately (merge_profiles)")
    merge.add_argument("out", type=Path)
    merge.add_argument("parts", type=Path, nargs="+")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the repository root (default: .)")
    args = parser.parse_args(argv)
    try:
        if args.action == "list":
            for profile in load_named(stored_profiles(args.repo), args.repo):
                archs = sorted({row["arch"] for row in profile.rows})
                print(f"{profile.name}: {profile.label()}, {profile.provenance['device_type']}, scale "
                      f"{', '.join(sorted(profile.scales()))}, {len(archs)} architectures, "
                      f"measured {profile.provenance['measured_at']}")
            return 0
        if args.action == "merge":
            path = write_profile(args.out, *merge_profiles([read_profile(part) for part in args.parts]))
            print(f"wrote {path}")
            return 0
        provenance, rows = from_results(args.root)
        provenance["command"] = f"python -m deba.profiles from-results {args.root} {args.name}"
        path = write_profile(profile_path(args.name, args.repo), provenance, rows)
        print(f"wrote {path} ({len(rows)} rows)")
    except ProfileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
