"""The configuration of one training run: every knob, its default, and its validation.

Pure Python (no torch), so the workflow and the analysis can import the allowed names and validate a
grid before any job starts. `TrainConfig.validate()` raises `ConfigError` naming the key, the bad value
and what is allowed.

The settings a workflow config can give (deba.config_schema.TRAINING_SETTINGS) take their defaults, bounds
and allowed values from the workflow's schema (workflow/schemas/config.schema.yaml), the one place they are
written; so do the datasets, architectures and schedulers a run may name. The knobs no workflow config sets
(optimizer constants, system switches) are defined here alone.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from . import config_schema
from .config_schema import ConfigError, check, check_training_setting, choices, describe, entry, training_default
from .fast_path import MEMORY_FORMATS, PRECISIONS, is_cnn  # noqa: F401 (deba-train's choices, from the schema)

DATASETS = choices("datasets", "items")
ARCHITECTURES = choices("architectures", "items")
SCHEDULERS = ("fixed", "deba", *choices("comparators", "schedulers", "items"))
SCALES = choices("scale")
DEVICES = choices("device")
LR_SCALINGS = choices("lr_scaling")
LR_SCHEDULES = choices("lr_schedule")
VIT_INPUTS = choices("vit_input")
COMPILE_MODES = choices("compile")
DEBA_RULES = choices("deba", "rule")  # deba.schedulers: the reconstruction, and the rule it replaced
# The reconstruction's own choices, each a setting (deba.schedulers and docs/deba.md say what each does):
# how far a roll-back may go, whether gradient variance is put on the initial batch's scale before it is
# judged, and which baseline epochs an epoch is judged against.
ROLLBACK_FLOORS = choices("deba", "rollback_floor")
# None (the default) takes the rule's own floor: a windowed roll-back undoes growth, a legacy one may go lower.
RULE_ROLLBACK_FLOOR = {"windowed": "initial_batch", "legacy": "min_batch"}
GRAD_VAR_SCALINGS = choices("deba", "grad_var_scaling")
THRESHOLD_REFERENCES = choices("deba", "threshold_reference")

# The paper's DEBA settings (the schema's defaults).
DEFAULT_WINDOW = training_default("window")
DEFAULT_COOLDOWN = training_default("cooldown")
# The initial learning rate at batch size 128 of each architecture, where a run names none (`lr` null).
DEFAULT_LR = entry("lr")["default_by_architecture"]

# TrainConfig fields added after runs were recorded, and the value such a run trained with: a recorded
# config.json without the key is compared against this value (deba.analysis.load.check_runs_match_grid).
VALUES_BEFORE_FIELD_EXISTED = {"rollback_floor": None, "grad_var_scaling": "none", "threshold_reference": "whole_run"}

# The test accuracy that defines time-to-target when a run names none (`target_acc`): high enough to need
# most of training on each dataset, low enough that every scheduler reaches it.
DEFAULT_TARGET_ACC = {"digits": 0.9, "synthetic": 0.5, "cifar10": 0.9, "cifar100": 0.65}

# The bounds of the knobs no workflow config sets, in the schema's terms (deba.config_schema.check).
LOCAL_RULES = {
    "momentum": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
    "weight_decay": {"type": "number", "minimum": 0},
    "grow_factor": {"type": "number", "exclusiveMinimum": 1},
    "shrink_factor": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "gns_ema": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
    "threads": {"type": ["integer", "null"], "minimum": 1},
}


@dataclass
class TrainConfig:
    """One training run. Field names are the CLI flags with dashes turned into underscores. A default
    written as training_default(...) is the workflow schema's (see the module docstring)."""

    # experiment: the first of the workflow's default datasets, architectures and seeds
    dataset: str = config_schema.default("datasets")[0]
    arch: str = config_schema.default("architectures")[0]
    scheduler: str = "fixed"
    variant: str = "main"
    epochs: int = training_default("epochs")
    seed: int = config_schema.default("seeds")[0]
    scale: str = training_default("scale")
    # data
    data_root: str | None = training_default("data_root")
    train_subset: int | None = training_default("train_subset")
    test_subset: int | None = training_default("test_subset")
    vit_input: str = training_default("vit_input")
    # optimizer: SGD with momentum 0.9 and weight decay 5e-4 as in the paper
    batch_size: int = training_default("batch_size")
    lr: float | None = training_default("lr")  # None: the architecture's default (DEFAULT_LR)
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = training_default("label_smoothing")  # of the training loss, not the test loss
    lr_schedule: str = training_default("lr_schedule")
    warmup_epochs: int = training_default("warmup_epochs")
    lr_scaling: str = training_default("lr_scaling")
    # batch-size scheduling
    min_batch: int = training_default("min_batch")
    max_batch: int = training_default("max_batch")
    window: int | None = training_default("window")  # None: the full history (ablation)
    # epochs of signals before DEBA's first decision; None: the window (DEFAULT_WINDOW for the full history)
    min_history: int | None = training_default("min_history")
    cooldown: int = training_default("cooldown")
    grow_factor: float = 1.5
    shrink_factor: float = 0.8
    deba_rule: str = training_default("deba_rule")
    threshold_quantile: float = training_default("threshold_quantile")  # where DEBA's thresholds sit
    significance: float = training_default("significance")  # windowed rule: a window's sign test at this level
    instability_factor: float = training_default("instability_factor")  # legacy rule: "unstable" above this
    rollback_floor: str | None = training_default("rollback_floor")  # None: the rule's own (RULE_ROLLBACK_FLOOR)
    grad_var_scaling: str = training_default("grad_var_scaling")
    threshold_reference: str = training_default("threshold_reference")
    calibration_epochs: int = training_default("calibration_epochs")
    thresholds: str | None = None
    adabatch_interval: int = training_default("adabatch_interval")
    smith_milestones: tuple[float, ...] = training_default("smith_milestones")
    smith_factor: float = training_default("smith_factor")
    gns_ema: float = 0.9
    # measurement
    target_acc: float | None = None  # None: DEFAULT_TARGET_ACC of the dataset
    # system
    device: str = training_default("device")
    precision: str = training_default("precision")  # fp32, bf16 (autocast), or auto: deba.fast_path
    memory_format: str = training_default("memory_format")  # contiguous, channels_last, or auto: deba.fast_path
    threads: int | None = None
    deterministic: bool = True
    compile: str = training_default("compile")
    keep_checkpoints: bool = False
    out: str = "run"
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> "TrainConfig":
        """Check every field; raise ConfigError naming the first bad key. Returns self for chaining."""
        check("dataset", self.dataset, entry("datasets", "items"))
        check("arch", self.arch, entry("architectures", "items"))
        check("scheduler", self.scheduler, {"enum": list(SCHEDULERS)})
        check("seed", self.seed, entry("seeds", "items"))
        for name in config_schema.TRAINING_SETTINGS:
            check_training_setting(name, getattr(self, name))
        for name, rules in LOCAL_RULES.items():
            check(name, getattr(self, name), rules)
        if self.target_acc is not None:
            check("target_acc", self.target_acc, entry("target_acc", "additionalProperties"))
        if self.memory_format == "channels_last" and not is_cnn(self.arch):
            raise ConfigError(f"memory_format='channels_last' is for CNNs and arch={self.arch!r} is not one; "
                              "allowed for it: contiguous, auto")
        if self.threshold_reference == "same_epoch" and self.deba_rule != "windowed":
            raise ConfigError(f"threshold_reference='same_epoch' is for deba_rule='windowed' (its per-epoch sign "
                              f"test); deba_rule={self.deba_rule!r} allows threshold_reference='whole_run'")
        if self.min_batch > self.max_batch:
            raise ConfigError(f"min_batch={self.min_batch} is above max_batch={self.max_batch}; "
                              "min_batch must be <= max_batch")
        if not self.min_batch <= self.batch_size <= self.max_batch:
            raise ConfigError(f"batch_size={self.batch_size} must lie within min_batch..max_batch "
                              f"({self.min_batch}..{self.max_batch})")
        # the windowed rule's quiet bound (this quantile) must not lie above its noisy bound (1 - it)
        if self.deba_rule == "windowed" and self.threshold_quantile > 0.5:
            raise ConfigError(f"threshold_quantile={self.threshold_quantile!r}: allowed is at most 0.5 for "
                              "deba_rule='windowed' (its quiet bound, this quantile, must not lie above its noisy "
                              "bound, 1 - it)")
        if self.scheduler == "deba" and self.deba_rule == "windowed" and self.window is not None:
            _check_window_can_vote(self.window, self.threshold_quantile, self.significance)
        if not isinstance(self.variant, str) or not self.variant or "/" in self.variant:
            raise ConfigError(f"variant={self.variant!r}: allowed is a non-empty name without '/'")
        return self

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["smith_milestones"] = list(self.smith_milestones)
        return d

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown configuration key(s) {unknown}; allowed keys are {sorted(known)}")
        values = dict(values)
        if "smith_milestones" in values:
            values["smith_milestones"] = tuple(values["smith_milestones"])
        return cls(**values).validate()

    @property
    def effective_rollback_floor(self) -> str:
        """The roll-back floor in force: the setting, or the rule's own when it is None."""
        return self.rollback_floor or RULE_ROLLBACK_FLOOR[self.deba_rule]


def smallest_voting_window(quantile: float, significance: float) -> int:
    """The smallest window in which the windowed rule's sign test can vote at all: a window whose every epoch
    lies beyond the baseline's `quantile` happens by chance with probability quantile**W (the tail of a
    q-quantile of a baseline of many epochs is q), and a vote needs that at most `significance`."""
    return max(1, math.ceil(math.log(significance) / math.log(quantile) - 1e-12))


def _check_window_can_vote(window: int, quantile: float, significance: float) -> None:
    smallest = smallest_voting_window(quantile, significance)
    if window < smallest:
        raise ConfigError(
            f"window={window} cannot vote: with the quiet bound at the baseline's {quantile:g} quantile, even "
            f"{window} of {window} quiet epochs happen by chance with probability {quantile ** window:.3g}, above "
            f"significance={significance:g}, so the windowed rule could never change the batch; the smallest "
            f"window that can vote is {smallest} (or raise significance, or use window 'full')")


def parse_window(text: str | int | None) -> int | None:
    """`--window 15` or `--window full` (the whole history, the paper's ablation)."""
    if text is None or text == "full":
        return None
    try:
        return int(text)
    except (TypeError, ValueError):
        raise ConfigError(f"window={text!r}: allowed is {describe(entry('deba', 'window'))}") from None
