"""Load training-run folders (the result contract in docs/results.md) into tidy pandas tables.

This module is the only reader of run folders (`aggregate_runs`, `read_run_signals` for the
characterization, `check_runs_match_grid`); the names it checks come from `deba.contract`. It checks every
file against the contract and fails with a message naming the file, what is wrong and which step makes it,
so a reader never has to guess. Downstream code reads the small aggregated CSVs through `read_runs` / `read_epochs` /
`read_throughput` / `read_thresholds`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from deba import fast_path
from deba.contract import (
    CONFIG_FILE,
    CONFIG_SECTIONS,
    EPOCH_COLUMNS,
    EPOCHS_FILE,
    RUN_KEYS,
    STATUSES,
    SUMMARY_FILE,
    SUMMARY_KEYS,
    THROUGHPUT_COLUMNS,
)
from deba.config import VALUES_BEFORE_FIELD_EXISTED
from deba.thresholds import SIGNALS, Thresholds, ThresholdsError

# Fields of config.json copied into runs.csv: the scheduler settings the ablations vary, and provenance.
CONFIG_FIELDS = ("batch_size", "window", "cooldown", "lr_scaling", "lr_schedule", "train_subset", "test_subset",
                 "grow_factor", "shrink_factor", "min_batch", "max_batch", "momentum", "weight_decay",
                 "deba_rule", "threshold_quantile", "significance", "instability_factor", "min_history",
                 "label_smoothing", "warmup_epochs", "rollback_floor", "grad_var_scaling", "threshold_reference")
PROVENANCE_FIELDS = ("git_commit", "git_dirty", "python", "device", "device_name", "threads", "hostname", "platform")

MADE_BY_TRAINING = "made by the training rule (`deba-train`, workflow/rules/training.smk)"
MADE_BY_CHARACTERIZATION = "made by the characterization rule (workflow/rules/characterization.smk)"
MADE_BY_AGGREGATE = "made by the `aggregate` rule (workflow/rules/aggregate.smk)"


class AnalysisInputError(ValueError):
    """A result file is missing, unreadable or does not follow the contract; the message names it."""


def _read_json(path: Path, made_by: str) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise AnalysisInputError(f"{path} is missing; it is {made_by}") from None
    except (OSError, json.JSONDecodeError) as error:
        raise AnalysisInputError(f"{path} is not readable JSON ({error}); it is {made_by}: rerun that step") from None
    if not isinstance(data, dict):
        raise AnalysisInputError(f"{path} must hold a JSON object; it is {made_by}")
    return data


def _read_csv(path: Path, columns: Sequence[str], made_by: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise AnalysisInputError(f"{path} is missing; it is {made_by}") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise AnalysisInputError(f"{path} is not a readable CSV ({error}); it is {made_by}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisInputError(f"{path} lacks column(s) {missing} required by docs/results.md; it is {made_by}")
    return frame


def _read_config(folder: Path) -> dict:
    config = _read_json(folder / CONFIG_FILE, MADE_BY_TRAINING)
    if not all(isinstance(config.get(section), dict) for section in CONFIG_SECTIONS):
        raise AnalysisInputError(f"{folder / CONFIG_FILE} must hold objects {' and '.join(map(repr, CONFIG_SECTIONS))}; "
                                 f"it is {MADE_BY_TRAINING}")
    return config


def read_run_signals(epochs_files: Iterable[str | Path]) -> list[dict[str, float | int | None]]:
    """The epoch number and DEBA signals (deba.thresholds.SIGNALS) of every epoch of the given runs'
    epochs.csv, in order; an empty cell (a variation in epoch 1) is None. What the characterization derives
    thresholds from (the epoch keeps them by epoch too)."""
    rows: list[dict[str, float | int | None]] = []
    for path in epochs_files:
        frame = _read_csv(Path(path), ("epoch", *SIGNALS), MADE_BY_TRAINING)
        for record in frame[["epoch", *SIGNALS]].to_dict("records"):
            row = {name: (None if pd.isna(record[name]) else float(record[name])) for name in SIGNALS}
            rows.append({"epoch": int(record["epoch"]), **row})
    return rows


# TrainConfig fields that say where a run read its data or how many threads computed it, not what it
# trained: check_runs_match_grid does not compare them, so recorded runs regenerate on a machine whose data
# lives elsewhere (or nowhere: `snakemake figures` reads no data). The same path can hold other data and
# another path the same, so the path proves nothing about the data either way. Kept here, outside the
# training rule's code closure (deba.grid is in it), so that editing it never reruns training.
LOCATION_FIELDS = ("threads", "data_root")


# Compared as what they resolve to (deba.fast_path), not as written: `auto` asks for what the run's device and
# the current CPU table give, and a run recorded before these settings existed trained as the trainer then did.
FAST_PATH_FIELDS = ("precision", "memory_format")


def trained_fast_path(provenance: Mapping[str, Any], arch: str) -> tuple[str, str]:
    """(precision, memory_format) a run trained with: its provenance's, or for a run recorded before they were
    recorded, what the trainer then used (bf16 and channels_last for CNNs on a GPU, fp32 contiguous on a CPU)."""
    if provenance.get("precision") and provenance.get("memory_format"):
        return provenance["precision"], provenance["memory_format"]
    return fast_path.before_settings(arch, _device_type(provenance))[:2]


def _device_type(provenance: Mapping[str, Any]) -> str:
    return "cuda" if str(provenance.get("device", "cpu")).startswith("cuda") else "cpu"


def _fast_path_differences(wanted: Mapping[str, Any], provenance: Mapping[str, Any]) -> list[str]:
    if not any(key in wanted for key in FAST_PATH_FIELDS):
        return []  # the grid asks nothing of them (settings from before they existed)
    asked = fast_path.resolve(wanted["arch"], _device_type(provenance), wanted.get("precision", "auto"),
                              wanted.get("memory_format", "auto"))
    trained = trained_fast_path(provenance, wanted["arch"])
    return [f"{key} trained {value!r} (the config asks {getattr(asked, key)!r}: {asked.reason})"
            for key, value in zip(FAST_PATH_FIELDS, trained) if value != getattr(asked, key)]


def _recorded_value(recorded: Mapping[str, Any], key: str) -> Any:
    """A run's recorded setting; for a field added after it was recorded, the value it trained with."""
    return recorded[key] if key in recorded else VALUES_BEFORE_FIELD_EXISTED.get(key)


def check_runs_match_grid(expected: Mapping[str | Path, Mapping[str, Any]], *,
                          ignore: Sequence[str] = LOCATION_FIELDS) -> None:
    """Refuse run folders whose config.json records other settings than the grid asks of them.

    `expected` maps each run folder to the TrainConfig fields (`TrainConfig.to_dict()`) the current config
    gives that run. A folder trained under another config (results copied from elsewhere, `.snakemake`
    metadata lost, a config switched) would otherwise be analysed as if it belonged to this grid. `ignore`
    names fields that may differ without changing the result (LOCATION_FIELDS). The error lists every stale
    folder.
    """
    stale = []
    for folder, wanted in expected.items():
        document = _read_config(Path(folder))
        recorded = document["config"]
        wanted = json.loads(json.dumps(dict(wanted)))  # tuples -> lists, as config.json holds them
        differences = [f"{key}={_recorded_value(recorded, key) if key in recorded else '(not recorded)'!r} "
                       f"(the config asks {value!r})"
                       for key, value in wanted.items()
                       if key not in ignore and key not in FAST_PATH_FIELDS and _recorded_value(recorded, key) != value]
        differences += _fast_path_differences(wanted, document["provenance"])
        if differences:
            stale.append(f"  {folder}: {', '.join(differences[:4])}" + (" ..." if len(differences) > 4 else ""))
    if stale:
        shown = "\n".join(stale[:20]) + (f"\n  ... and {len(stale) - 20} more" if len(stale) > 20 else "")
        raise AnalysisInputError(
            f"{len(stale)} run folder(s) were trained under other settings than the current config asks "
            f"(a results folder from another config or checkout, or lost .snakemake metadata):\n{shown}\n"
            "Delete those folders and rerun the workflow to retrain them (they are "
            f"{MADE_BY_TRAINING}).")


def load_run(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """One run folder -> (row for runs.csv, its epochs table with the run keys prepended)."""
    folder = Path(folder)
    summary = _read_json(folder / SUMMARY_FILE, MADE_BY_TRAINING)
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    if missing:
        raise AnalysisInputError(f"{folder / SUMMARY_FILE} lacks key(s) {missing} required by docs/results.md; "
                                 f"it is {MADE_BY_TRAINING}")
    if summary["status"] not in STATUSES:
        raise AnalysisInputError(f"{folder / SUMMARY_FILE}: status={summary['status']!r}, allowed: {STATUSES}")
    config = _read_config(folder)
    epochs = _read_csv(folder / EPOCHS_FILE, EPOCH_COLUMNS, MADE_BY_TRAINING)
    if len(epochs) != summary["epochs_completed"]:
        raise AnalysisInputError(f"{folder / EPOCHS_FILE} has {len(epochs)} rows but {SUMMARY_FILE} says "
                                 f"epochs_completed={summary['epochs_completed']}; rerun the training step")
    row = {key: summary[key] for key in SUMMARY_KEYS if key != "batch_size_trajectory"}
    row["batch_size_trajectory"] = " ".join(str(int(b)) for b in summary["batch_size_trajectory"])
    for key in CONFIG_FIELDS:
        row[key] = _recorded_value(config["config"], key)  # a setting added since: the value the run had
    # window None means the whole history (the ablation's "full").
    row["window"] = "full" if row["window"] is None else int(row["window"])
    provenance = config["provenance"]
    for key in PROVENANCE_FIELDS:
        row[key] = provenance.get(key)
    row["torch_version"] = (provenance.get("packages") or {}).get("torch")
    row["path"] = str(folder)
    epochs = epochs.copy()
    for key in reversed(RUN_KEYS):
        epochs.insert(0, key, summary[key])
    return row, epochs


def check_code_versions(runs: pd.DataFrame, allow_mixed: bool = False) -> None:
    """Refuse to analyse runs made by different code versions together (unless allowed), naming them."""
    versions = runs["code_version"].astype(str).unique()
    if len(versions) <= 1 or allow_mixed:
        return
    lines = []
    for version in sorted(versions):
        paths = runs.loc[runs["code_version"].astype(str) == version, "path"].tolist()
        shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        lines.append(f"  code_version {version}: {len(paths)} run(s), e.g. {shown}")
    raise AnalysisInputError("results of different code versions would be mixed:\n" + "\n".join(lines) +
                             "\nRerun the outdated runs, or set allow_mixed_code_versions: true to accept this.")


def aggregate_runs(folders: Iterable[str | Path], *, allow_mixed_code_versions: bool = False
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every run folder -> (runs: one row per run, epochs: every epoch row keyed by the run)."""
    rows, epoch_tables = [], []
    for folder in folders:
        row, epochs = load_run(folder)
        rows.append(row)
        epoch_tables.append(epochs)
    if not rows:
        raise AnalysisInputError("no run folders given to aggregate")
    runs = pd.DataFrame(rows)
    duplicated = runs[runs.duplicated(list(RUN_KEYS), keep=False)]
    if len(duplicated):
        raise AnalysisInputError(f"runs with the same {RUN_KEYS} in different folders: {duplicated['path'].tolist()}")
    check_code_versions(runs, allow_mixed_code_versions)
    runs = runs.sort_values(list(RUN_KEYS), kind="stable").reset_index(drop=True)
    epochs = pd.concat(epoch_tables, ignore_index=True).sort_values(list(RUN_KEYS) + ["epoch"], kind="stable")
    return runs, epochs.reset_index(drop=True)


def aggregate_throughput(files: Sequence[str | Path], cells: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Concatenate throughput profiles; `cells[i]` is the (dataset, arch) that `files[i]` belongs to."""
    if len(files) != len(cells):
        raise AnalysisInputError(f"{len(files)} throughput files but {len(cells)} (dataset, arch) cells given")
    tables = []
    for path, (dataset, arch) in zip(files, cells):
        table = _read_csv(Path(path), THROUGHPUT_COLUMNS, MADE_BY_CHARACTERIZATION)
        if len(table) == 0 or (table["step_time_s"] <= 0).any() or table["step_time_s"].isna().any():
            raise AnalysisInputError(f"{path}: needs at least one row and step_time_s > 0 in every row; "
                                     f"it is {MADE_BY_CHARACTERIZATION}")
        table = table.copy()
        table.insert(0, "dataset", dataset)
        table["arch"] = arch
        tables.append(table)
    return pd.concat(tables, ignore_index=True).sort_values(["dataset", "arch", "batch_size"]).reset_index(drop=True)


def aggregate_thresholds(files: Sequence[str | Path], cells: Sequence[Sequence[str]]) -> pd.DataFrame:
    """One row per cell with the DEBA thresholds the characterization step derived."""
    if len(files) != len(cells):
        raise AnalysisInputError(f"{len(files)} thresholds files but {len(cells)} (dataset, arch) cells given")
    rows = []
    for path, (dataset, arch) in zip(files, cells):
        try:
            thresholds = Thresholds.read(path)
        except ThresholdsError as error:
            raise AnalysisInputError(f"{error}; it is {MADE_BY_CHARACTERIZATION}") from None
        rows.append({"dataset": dataset, "arch": arch, **thresholds.as_dict()})
    return pd.DataFrame(rows, columns=["dataset", "arch", *SIGNALS])


def _read_table(path: str | Path, columns: Sequence[str]) -> pd.DataFrame:
    return _read_csv(Path(path), columns, MADE_BY_AGGREGATE)


def read_runs(path: str | Path) -> pd.DataFrame:
    runs = _read_table(path, (*RUN_KEYS, "status", "final_test_acc", "train_time_s", "time_to_target_s",
                              "num_batch_changes", "window", "cooldown"))
    runs["window"] = runs["window"].astype(str)
    return runs


def read_epochs(path: str | Path) -> pd.DataFrame:
    return _read_table(path, (*RUN_KEYS, *EPOCH_COLUMNS))


def read_throughput(path: str | Path) -> pd.DataFrame:
    return _read_table(path, ("dataset", *THROUGHPUT_COLUMNS))


def read_thresholds(path: str | Path) -> pd.DataFrame:
    return _read_table(path, ("dataset", "arch", *SIGNALS))
