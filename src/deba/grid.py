"""The experiment grid of a workflow config: which runs exist and the training settings of each.

Pure Python (no torch): the Snakemake workflow imports this while parsing, so a no-op rerun stays as cheap
as Snakemake itself. A run is (dataset, arch, scheduler, variant, seed); `variant` names a setting of the
scheduler: `main` (the paper's DEBA settings, or a comparator's defaults), or a DEBA ablation
`window-full`, `window-<W>`, `cooldown-<C>`.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Iterable

from .config import ConfigError, TrainConfig

from . import contract
Run = namedtuple("Run", contract.RUN_KEYS)

# Workflow config keys passed straight to every run's TrainConfig.
SHARED_TRAINING_KEYS = ("scale", "epochs", "batch_size", "min_batch", "max_batch", "lr", "lr_schedule",
                        "warmup_epochs", "lr_scaling", "data_root", "train_subset", "test_subset", "vit_input",
                        "device", "compile", "calibration_epochs", "adabatch_interval", "smith_factor",
                        "smith_milestones")


def training_settings(config: dict) -> dict[str, Any]:
    """The part of a workflow config that can change a training result: the train rule's parameter, so
    editing an analysis-only key (statistics, smells, ...) never reruns training."""
    return {key: config[key] for key in (*SHARED_TRAINING_KEYS, "deba", "target_acc") if key in config}


def ablation_variants(config: dict) -> list[str]:
    ablations = config.get("ablations", {})
    names = [("window-full" if w == "full" else f"window-{w}") for w in ablations.get("window", [])]
    names += [f"cooldown-{c}" for c in ablations.get("cooldown", [])]
    return names


def training_runs(config: dict) -> list[Run]:
    """Every run of the grid, baselines first; ablations and comparators only where the config asks."""
    runs = []
    ablations = config.get("ablations", {})
    comparators = config.get("comparators", {})
    for dataset in config["datasets"]:
        for arch in config["architectures"]:
            for seed in config["seeds"]:
                runs.append(Run(dataset, arch, "fixed", "main", seed))
                runs.append(Run(dataset, arch, "deba", "main", seed))
            if arch in _subset(ablations.get("architectures"), config["architectures"]):
                for variant in ablation_variants(config):
                    for seed in _subset(ablations.get("seeds"), config["seeds"]):
                        runs.append(Run(dataset, arch, "deba", variant, seed))
            if arch in _subset(comparators.get("architectures"), config["architectures"]):
                for scheduler in comparators.get("schedulers", []):
                    for seed in _subset(comparators.get("seeds"), config["seeds"]):
                        runs.append(Run(dataset, arch, scheduler, "main", seed))
    return runs


def _subset(chosen: Iterable | None, everything: list) -> list:
    return list(everything) if chosen is None else [item for item in everything if item in chosen]


def run_dir(run: Run) -> str:
    return contract.RUN_DIR.format(**run._asdict())


def variant_settings(scheduler: str, variant: str, config: dict) -> dict[str, Any]:
    """DEBA's window and cooldown for a variant (the paper's settings from `config['deba']` for `main`)."""
    deba = config.get("deba", {})
    window = deba.get("window", 15)
    # Every variant (the full-history ablation too) starts deciding when the main setting does.
    start = deba.get("min_history") or (window if window != "full" else None)
    settings = {"window": None if window == "full" else window, "cooldown": deba.get("cooldown", 5),
                "min_history": start}
    if variant == "main":
        return settings
    kind, _, value = variant.partition("-")
    if scheduler != "deba" or kind not in ("window", "cooldown") or not value:
        raise ConfigError(f"variant {variant!r} of scheduler {scheduler!r} is not known; variants are 'main' "
                          "and, for deba, 'window-full', 'window-<W>' and 'cooldown-<C>'")
    if kind == "window":
        settings["window"] = None if value == "full" else int(value)
    else:
        settings["cooldown"] = int(value)
    return settings


def train_config(run: Run, config: dict, *, thresholds: str | None = None, threads: int | None = None) -> TrainConfig:
    """The validated TrainConfig of one run of the grid."""
    values = {key: config[key] for key in SHARED_TRAINING_KEYS if config.get(key) is not None}
    values.update(variant_settings(run.scheduler, run.variant, config))
    values.update(dataset=run.dataset, arch=run.arch, scheduler=run.scheduler, variant=run.variant,
                  seed=run.seed, target_acc=config.get("target_acc", {}).get(run.dataset),
                  thresholds=thresholds, threads=threads, out=run_dir(run))
    return TrainConfig.from_dict(values)


def validate_grid(config: dict) -> list[Run]:
    """Build every run's TrainConfig once, so a bad value fails before any job starts; returns the runs."""
    runs = training_runs(config)
    if not runs:
        raise ConfigError("the grid is empty: datasets, architectures and seeds must each list at least one value")
    checked = set()
    for run in runs:
        key = (run.dataset, run.arch, run.scheduler, run.variant)
        if key not in checked:
            train_config(run, config)
            checked.add(key)
    return runs
