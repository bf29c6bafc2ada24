"""Recorded results: a finished grid's small result files kept in the repository, and put back to regenerate
every figure, table, macro and the PDF without training (docs/workflow.md: Recorded results).

    python -m deba.recorded save recorded/cifar-cpu       # after the grid ran to the end in results/
    python -m deba.recorded restore recorded/cifar-cpu    # in a fresh clone, then
    snakemake figures paper --cores all --configfile config/cifar-cpu.yaml

`save` copies what the analysis reads (every run folder's summary.json, epochs.csv and config.json, every
cell's thresholds.json and throughput.csv, the grid manifest) and, for reference, what the analysis made
from them (results/aggregate/, results/stats/), never checkpoints or logs; `MANIFEST.json` lists every
file with its SHA-256 and the training code versions the runs came from. `restore` checks every digest,
then copies the run folders and characterization into results/, refusing to overwrite a file that differs.
`snakemake figures` takes them as they are (it never trains), and the aggregation refuses them if the
config asks for other settings than the runs were trained with, so a recorded set is never silently mixed
with another config; the regenerated paper states the code version the runs came from (`\\DebaCodeVersion`).
No torch here: this is file handling.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

from paperkit.files import write_text_atomically

from .analysis.layout import AGGREGATE_DIR, GRID_MANIFEST, STATS_DIR
from .contract import CONFIG_FILE, RUN_FILES, thresholds_file, throughput_file

MANIFEST = "MANIFEST.json"
REFERENCE_DIRS = (AGGREGATE_DIR, STATS_DIR)  # what the analysis made; kept to compare against


class RecordError(RuntimeError):
    """A recorded set that cannot be saved or restored as asked; the message names the file."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def grid_inputs(root: Path) -> list[str]:
    """The result files the analysis of the grid in `root`/GRID_MANIFEST reads, relative to `root`."""
    manifest = root / GRID_MANIFEST
    if not manifest.is_file():
        raise RecordError(f"{manifest} is missing: run the workflow to the end first (it writes the grid there)")
    grid = json.loads(manifest.read_text())
    files = [f"{run}/{name}" for run in grid["runs"] for name in RUN_FILES]
    files += [path for dataset, arch in grid["cells"] for path in (thresholds_file(dataset, arch),
                                                                   throughput_file(dataset, arch))]
    return [GRID_MANIFEST, *files]


def save(source: Path, target: Path) -> dict:
    """Copy the grid's inputs and the analysis tables from `source` (a checkout) to `target`; returns the
    manifest. Refuses before copying anything if a result file is missing or `target` already holds files
    (a set is recorded whole, never merged into an older one)."""
    if target.exists() and any(target.iterdir()):
        raise RecordError(f"{target} already holds files: remove it to record the grid again")
    inputs = grid_inputs(source)
    missing = [path for path in inputs if not (source / path).is_file()]
    if missing:
        raise RecordError(f"{len(missing)} result file(s) of the grid are missing, e.g. {source / missing[0]}: "
                          "finish the run before recording it")
    reference = sorted(str(path.relative_to(source)) for folder in REFERENCE_DIRS
                       for path in (source / folder).glob("*") if path.is_file())
    versions = sorted({json.loads((source / path).read_text())["provenance"]["code_version"]
                       for path in inputs if path.endswith("/" + CONFIG_FILE)})
    files = {}
    for relative in [*inputs, *reference]:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, destination)
        files[relative] = _digest(destination)
    manifest = {"training_code_versions": versions, "inputs": inputs, "files": files}
    write_text_atomically(target / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def read_manifest(recorded: Path) -> dict:
    """The manifest of a recorded set, every file checked against its digest."""
    path = recorded / MANIFEST
    if not path.is_file():
        raise RecordError(f"{path} is missing: {recorded} is not a recorded set (make one with `save`)")
    manifest = json.loads(path.read_text())
    for relative, digest in manifest["files"].items():
        file = recorded / relative
        if not file.is_file():
            raise RecordError(f"{file} is listed in {path} but missing")
        if _digest(file) != digest:
            raise RecordError(f"{file} does not match its SHA-256 in {path}: the recorded set was edited")
    return manifest


def restore(recorded: Path, target: Path) -> list[str]:
    """Copy a recorded set's inputs (not the grid manifest, which the workflow writes from its config) into
    `target`; returns the files copied. Nothing is copied if any target file exists with other content."""
    manifest = read_manifest(recorded)
    inputs = [path for path in manifest["inputs"] if path != GRID_MANIFEST]
    clashing = [path for path in inputs if (target / path).is_file()
                and _digest(target / path) != manifest["files"][path]]
    if clashing:
        raise RecordError(f"{target / clashing[0]} exists and differs from {recorded / clashing[0]} "
                          f"({len(clashing)} such file(s)): restore into a clean checkout, or remove results/")
    copied = []
    for relative in inputs:
        destination = target / relative
        if not destination.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(recorded / relative, destination)
            copied.append(relative)
    return copied


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deba.recorded", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("save", "restore"))
    parser.add_argument("folder", type=Path, help="the recorded set, e.g. recorded/cifar-cpu")
    parser.add_argument("--root", type=Path, default=Path("."), help="the checkout holding results/ (default: .)")
    args = parser.parse_args(argv)
    try:
        if args.action == "save":
            manifest = save(args.root, args.folder)
            print(f"recorded {len(manifest['files'])} files in {args.folder} "
                  f"(training code {', '.join(manifest['training_code_versions'])})")
        else:
            copied = restore(args.folder, args.root)
            print(f"restored {len(copied)} files from {args.folder} into {args.root / 'results'}; now run "
                  "`snakemake figures paper --cores all --configfile <the config that made them>`")
    except RecordError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
