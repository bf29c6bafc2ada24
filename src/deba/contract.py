"""The result contract (docs/results.md) as constants: where a run and its characterization live, and the
files, columns and keys each one holds. The one place these facts are written down.

The trainer (`deba.train`) writes these files, `deba.analysis.load` is the only reader of them, the
workflow's rules build their paths from the templates here, and a test checks docs/results.md against
these names. Pure Python, no imports: the workflow imports this while parsing.
"""

from __future__ import annotations

# --- where ---------------------------------------------------------------------------------------------
# One run of the grid; the keys are the fields of deba.grid.Run.
RUN_KEYS = ("dataset", "arch", "scheduler", "variant", "seed")
RUN_DIR = "results/runs/{dataset}/{arch}/{scheduler}/{variant}/seed{seed}"
TRAIN_LOG = "results/logs/train/{dataset}/{arch}/{scheduler}/{variant}/seed{seed}.log"
# The characterization of one (dataset, arch) cell.
CHARACTERIZATION_DIR = "results/characterization/{dataset}/{arch}"
THROUGHPUT_FILE = f"{CHARACTERIZATION_DIR}/throughput.csv"
THRESHOLDS_FILE = f"{CHARACTERIZATION_DIR}/thresholds.json"

# --- what a run folder holds ---------------------------------------------------------------------------
SUMMARY_FILE = "summary.json"  # written last and atomically: its presence means the run finished
EPOCHS_FILE = "epochs.csv"
CONFIG_FILE = "config.json"
RUN_FILES = (SUMMARY_FILE, EPOCHS_FILE, CONFIG_FILE)

EPOCH_COLUMNS = ("epoch", "batch_size", "batch_cap", "lr", "steps", "train_loss", "train_acc", "test_loss",
                 "test_acc", "grad_var", "grad_norm", "grad_norm_variation", "loss_variation", "noise_scale",
                 "decision", "next_batch_size", "epoch_train_time_s", "train_time_s")
# The columns that differ between two otherwise identical runs (wall-clock time).
TIME_COLUMNS = ("epoch_train_time_s", "train_time_s")

SUMMARY_KEYS = ("arch", "dataset", "scheduler", "variant", "seed", "scale", "epochs", "epochs_completed", "status",
                "final_test_acc", "best_test_acc", "train_time_s", "target_acc", "time_to_target_s",
                "batch_size_trajectory", "num_batch_changes", "code_version")
STATUSES = ("completed", "diverged")

CONFIG_SECTIONS = ("config", "provenance")  # config.json: {"config": TrainConfig fields, "provenance": ...}
PROVENANCE_KEYS = ("code_version", "git_commit", "git_dirty", "python", "packages", "device", "device_name",
                   "cuda_visible_devices", "threads", "hostname", "platform", "started_at", "lock", "precision",
                   "memory_format", "fast_path_reason")

# --- what a characterization holds ---------------------------------------------------------------------
THROUGHPUT_COLUMNS = ("arch", "scale", "device", "batch_size", "images_per_s", "step_time_s")


def throughput_file(dataset: str, arch: str) -> str:
    return THROUGHPUT_FILE.format(dataset=dataset, arch=arch)


def thresholds_file(dataset: str, arch: str) -> str:
    return THRESHOLDS_FILE.format(dataset=dataset, arch=arch)


def in_contract_order(values: dict, keys: tuple[str, ...], what: str) -> dict:
    """`values` in the order of `keys` (EPOCH_COLUMNS, SUMMARY_KEYS, ...), which must be exactly its keys: a
    writer whose record drifts from the contract fails naming the difference instead of writing it."""
    if set(values) != set(keys):
        raise RuntimeError(f"{what} {sorted(set(values) ^ set(keys))} disagree with deba.contract")
    return {key: values[key] for key in keys}
