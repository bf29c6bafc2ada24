"""The experiment grid of a workflow config: which runs exist and the training settings of each.

Pure Python (no torch): the Snakemake workflow imports this while parsing, so a no-op rerun stays as cheap
as Snakemake itself. A run is (dataset, arch, scheduler, variant, seed); `variant` names a setting of the
scheduler: `main` (the paper's DEBA settings, or a comparator's defaults), a DEBA ablation
`window-full`, `window-<W>`, `cooldown-<C>`, a reconstruction-sensitivity variant of DEBA's decision rule
(`rule-legacy`, `rule-windowed-q0.25`, ...: config `sensitivity`), or `repeat`, the timing control: a
fixed-batch run trained a second time, whose measured "speedup" over its twin is the timing noise floor.

Every function here takes a validated workflow config, every default filled in (deba.config_schema
load_config or validate_config, as the workflow and deba.cost do), or the training settings
`training_settings` takes from one.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Iterable

from . import contract, fast_path
from .config import ConfigError, TrainConfig
from .config_schema import FULL_WINDOW, RULE_KEYS, SHARED_TRAINING_KEYS
from .timing_control import TIMING_CONTROL

Run = namedtuple("Run", contract.RUN_KEYS)
# What a `sensitivity.variants` entry may set: those, and the learning-rate scaling (a shared training key).
SENSITIVITY_KEYS = {**RULE_KEYS, "lr_scaling": "lr_scaling"}
# How each key shows in a sensitivity variant's name, in this order: `rule-legacy`, `rule-windowed-q0.25`,
# `floor-min_batch`, `lr-linear` (numbers follow their short name, words follow it after a dash).
VARIANT_NAME_PARTS = {"rule": "rule-", "threshold_quantile": "q", "significance": "a", "instability_factor": "f",
                      "rollback_floor": "floor-", "grad_var_scaling": "gvscale-",
                      "threshold_reference": "ref-", "lr_scaling": "lr-"}


def training_settings(config: dict, run: Run | None = None) -> dict[str, Any]:
    """The part of a workflow config that can change a training result: the train rule's parameter, so
    editing an analysis-only key (statistics, smells, ...) never reruns training. For a sensitivity run, the
    one `sensitivity.variants` entry it trains is included, so adding another entry reruns no other run."""
    settings = {key: config[key] for key in (*SHARED_TRAINING_KEYS, "deba", "target_acc") if key in config}
    if run is not None and fast_path_dependency(config, run.arch) is not None:
        settings["cpu_fast_path"] = fast_path_dependency(config, run.arch)
    if run is not None and run.variant in sensitivity_variants(config):
        settings["sensitivity"] = {"variants": [sensitivity_variants(config)[run.variant]]}
    return settings


def fast_path_dependency(config: dict, arch: str) -> dict | None:
    """What an `auto` precision or memory format resolves from on a CPU for `arch` (its row of
    deba.fast_path's table), as a rule parameter, so a changed choice reruns exactly the runs and profiles it
    concerns; None where both are explicit (or the table has no row: fp32 contiguous)."""
    if any(config[key] == "auto" for key in ("precision", "memory_format")):
        return fast_path.table_row(arch)
    return None


def ablation_variants(config: dict) -> list[str]:
    ablations = config["ablations"]
    names = [f"window-{window}" for window in ablations["window"]]
    names += [f"cooldown-{cooldown}" for cooldown in ablations["cooldown"]]
    return names


def sensitivity_variant(settings: dict[str, Any]) -> str:
    """The variant name of one `sensitivity.variants` entry: `rule-legacy`, `rule-windowed-q0.25-a0.05`,
    `floor-min_batch`, `ref-same_epoch-lr-linear`."""
    unknown = sorted(set(settings) - set(VARIANT_NAME_PARTS))
    if unknown or not settings:
        raise ConfigError(f"sensitivity.variants entry {settings}: keys {unknown or '(none)'} are not allowed; an "
                          f"entry sets one or more of {', '.join(VARIANT_NAME_PARTS)}")
    return "-".join(f"{prefix}{settings[key]:g}" if isinstance(settings[key], (int, float))
                    else f"{prefix}{settings[key]}" for key, prefix in VARIANT_NAME_PARTS.items() if key in settings)


def sensitivity_variants(config: dict) -> dict[str, dict[str, Any]]:
    """Variant name -> its decision-rule settings, for every entry of `sensitivity.variants`. The training
    settings of a run carry that section only for a sensitivity run (training_settings), so settings without
    it have none."""
    variants = {}
    for settings in config["sensitivity"]["variants"] if "sensitivity" in config else []:
        name = sensitivity_variant(settings)
        if name in variants:
            raise ConfigError(f"sensitivity.variants lists {settings} twice (as {name!r}); each entry must differ")
        variants[name] = settings
    return variants


def training_runs(config: dict) -> list[Run]:
    """Every run of the grid, baselines first; ablations and comparators only where the config asks."""
    runs = []
    ablations, comparators = config["ablations"], config["comparators"]
    sensitivity, control = config["sensitivity"], config["timing_control"]
    for dataset in config["datasets"]:
        for arch in config["architectures"]:
            for seed in config["seeds"]:
                runs.append(Run(dataset, arch, "fixed", "main", seed))
                runs.append(Run(dataset, arch, "deba", "main", seed))
            if arch in _subset(ablations["architectures"], config["architectures"]):
                for variant in ablation_variants(config):
                    for seed in _subset(ablations["seeds"], config["seeds"]):
                        runs.append(Run(dataset, arch, "deba", variant, seed))
            if arch in _subset(comparators["architectures"], config["architectures"]):
                for scheduler in comparators["schedulers"]:
                    for seed in _subset(comparators["seeds"], config["seeds"]):
                        runs.append(Run(dataset, arch, scheduler, "main", seed))
            if arch in _subset(sensitivity["architectures"], config["architectures"]):
                for variant in sensitivity_variants(config):
                    for seed in _subset(sensitivity["seeds"], config["seeds"]):
                        runs.append(Run(dataset, arch, "deba", variant, seed))
            if arch in _subset(control["architectures"], config["architectures"]):
                for seed in _subset(control["seeds"], config["seeds"]):
                    runs.append(Run(dataset, arch, *TIMING_CONTROL, seed))
    return runs


def _subset(chosen: Iterable | None, everything: list) -> list:
    return list(everything) if chosen is None else [item for item in everything if item in chosen]


def run_dir(run: Run) -> str:
    return contract.RUN_DIR.format(**run._asdict())


def variant_settings(scheduler: str, variant: str, config: dict) -> dict[str, Any]:
    """DEBA's window, cooldown and decision rule for a variant (`config['deba']` for `main`)."""
    deba = config["deba"]
    window = None if deba["window"] == FULL_WINDOW else deba["window"]
    # Every variant (the full-history ablation too) starts deciding when the main setting does.
    settings = {"window": window, "cooldown": deba["cooldown"], "min_history": deba["min_history"] or window,
                **{field: deba[key] for key, field in RULE_KEYS.items()}}
    if variant == "main" or (scheduler, variant) == TIMING_CONTROL:
        return settings
    rule_variants = sensitivity_variants(config)
    if scheduler == "deba" and variant in rule_variants:
        # a sweep entry varies what it names from the main run's settings; the rest stay the main run's
        return {**settings, **{SENSITIVITY_KEYS[key]: value for key, value in rule_variants[variant].items()}}
    kind, _, value = variant.partition("-")
    if scheduler != "deba" or kind not in ("window", "cooldown") or not value:
        raise ConfigError(f"variant {variant!r} of scheduler {scheduler!r} is not known; variants are 'main', "
                          "'repeat' for fixed (the timing control), and, for deba, 'window-full', 'window-<W>', "
                          "'cooldown-<C>' and the config's sensitivity variants "
                          f"({', '.join(rule_variants) or 'none'})")
    if kind == "window":
        settings["window"] = None if value == FULL_WINDOW else int(value)
    else:
        settings["cooldown"] = int(value)
    return settings


def train_config(run: Run, config: dict, *, thresholds: str | None = None, threads: int | None = None) -> TrainConfig:
    """The validated TrainConfig of one run of the grid."""
    values = {key: config[key] for key in SHARED_TRAINING_KEYS}
    values.update(variant_settings(run.scheduler, run.variant, config))
    # a dataset the config's target_acc does not list takes TrainConfig's default for it
    values.update(dataset=run.dataset, arch=run.arch, scheduler=run.scheduler, variant=run.variant,
                  seed=run.seed, target_acc=config["target_acc"].get(run.dataset),
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
