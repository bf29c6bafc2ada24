"""The configuration of one training run: every knob, its default, and its validation.

Pure Python (no torch), so the workflow and the analysis can import the allowed names and validate a
grid before any job starts. `TrainConfig.validate()` raises `ConfigError` naming the key, the bad value
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from .fast_path import MEMORY_FORMATS, PRECISIONS, is_cnn

DATASETS = ("digits", "cifar10", "cifar100", "synthetic")
ARCHITECTURES = ("resnet18", "resnet50", "densenet121", "efficientnet_b0", "mobilenet_v3", "vit_b16")
SCHEDULERS = ("fixed", "deba", "adabatch", "smith", "gns")
SCALES = ("cpu", "paper")
DEVICES = ("auto", "cpu", "cuda")
LR_SCALINGS = ("none", "linear", "sqrt")
LR_SCHEDULES = ("cosine", "step", "constant")
VIT_INPUTS = ("native", "resize224")
COMPILE_MODES = ("off", "on")
DEBA_RULES = ("windowed", "legacy")  # deba.schedulers: the reconstruction, and the rule it replaced
# The reconstruction's own choices, each a setting (deba.schedulers and docs/deba.md say what each does):
# how far a roll-back may go, whether gradient variance is put on the initial batch's scale before it is
# judged, and which baseline epochs an epoch is judged against.
ROLLBACK_FLOORS = ("initial_batch", "min_batch")
# None (the default) takes the rule's own floor: a windowed roll-back undoes growth, a legacy one may go lower.
RULE_ROLLBACK_FLOOR = {"windowed": "initial_batch", "legacy": "min_batch"}
GRAD_VAR_SCALINGS = ("none", "initial_batch")
THRESHOLD_REFERENCES = ("whole_run", "same_epoch")

# The paper's DEBA settings.
DEFAULT_WINDOW = 15
DEFAULT_COOLDOWN = 5
MIN_BATCH, MAX_BATCH = 16, 2048

# TrainConfig fields added after runs were recorded, and the value such a run trained with: a recorded
# config.json without the key is compared against this value (deba.analysis.load.check_runs_match_grid).
VALUES_BEFORE_FIELD_EXISTED = {"rollback_floor": None, "grad_var_scaling": "none", "threshold_reference": "whole_run"}

# The test accuracy that defines time-to-target when a run names none (`target_acc`): high enough to need
# most of training on each dataset, low enough that every scheduler reaches it.
DEFAULT_TARGET_ACC = {"digits": 0.9, "synthetic": 0.5, "cifar10": 0.9, "cifar100": 0.65}


class ConfigError(ValueError):
    """A configuration value is not allowed; the message names the key and what is allowed."""


@dataclass
class TrainConfig:
    """One training run. Field names are the CLI flags with dashes turned into underscores."""

    # experiment
    dataset: str = "digits"
    arch: str = "resnet18"
    scheduler: str = "fixed"
    variant: str = "main"
    epochs: int = 15
    seed: int = 0
    scale: str = "cpu"
    # data
    data_root: str | None = None
    train_subset: int | None = None
    test_subset: int | None = None
    vit_input: str = "native"
    # optimizer: SGD with momentum 0.9 and weight decay 5e-4 as in the paper
    batch_size: int = 128
    lr: float | None = None  # None: the architecture's default (see models.default_lr)
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0  # of the training loss (the test loss is plain cross-entropy)
    lr_schedule: str = "cosine"
    warmup_epochs: int = 0
    lr_scaling: str = "none"
    # batch-size scheduling
    min_batch: int = MIN_BATCH
    max_batch: int = MAX_BATCH
    window: int | None = DEFAULT_WINDOW  # None: the full history (ablation)
    min_history: int | None = None  # epochs of signals before DEBA's first decision; None: the window (15 for full)
    cooldown: int = DEFAULT_COOLDOWN
    grow_factor: float = 1.5
    shrink_factor: float = 0.8
    deba_rule: str = "windowed"
    threshold_quantile: float = 0.5  # the baseline quantile DEBA's thresholds sit at (0.5: the median)
    significance: float = 0.1  # windowed rule: a window's sign test at this level
    instability_factor: float = 2.0  # legacy rule: "unstable" above this multiple of the threshold
    rollback_floor: str | None = None  # None: the rule's own (RULE_ROLLBACK_FLOOR)
    grad_var_scaling: str = "none"  # initial_batch: grad_var x batch / initial batch before it is judged
    threshold_reference: str = "whole_run"  # same_epoch: judge epoch t against the baseline's epoch t only
    calibration_epochs: int = 3
    thresholds: str | None = None
    adabatch_interval: int = 5
    smith_milestones: tuple[float, ...] = (0.5, 0.75)
    smith_factor: float = 2.0
    gns_ema: float = 0.9
    # measurement
    target_acc: float | None = None  # None: DEFAULT_TARGET_ACC of the dataset
    # system
    device: str = "auto"
    precision: str = "auto"  # fp32, bf16 (autocast), or auto: deba.fast_path per device and architecture
    memory_format: str = "auto"  # contiguous, channels_last (CNNs), or auto: deba.fast_path
    threads: int | None = None
    deterministic: bool = True
    compile: str = "off"
    keep_checkpoints: bool = False
    out: str = "run"
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> "TrainConfig":
        """Check every field; raise ConfigError naming the first bad key. Returns self for chaining."""
        _choice("dataset", self.dataset, DATASETS)
        _choice("arch", self.arch, ARCHITECTURES)
        _choice("scheduler", self.scheduler, SCHEDULERS)
        _choice("scale", self.scale, SCALES)
        _choice("device", self.device, DEVICES)
        _choice("lr_scaling", self.lr_scaling, LR_SCALINGS)
        _choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _choice("vit_input", self.vit_input, VIT_INPUTS)
        _choice("compile", self.compile, COMPILE_MODES)
        _choice("precision", self.precision, PRECISIONS)
        _choice("memory_format", self.memory_format, MEMORY_FORMATS)
        if self.memory_format == "channels_last" and not is_cnn(self.arch):
            raise ConfigError(f"memory_format='channels_last' is for CNNs and arch={self.arch!r} is not one; "
                              "allowed for it: contiguous, auto")
        _choice("deba_rule", self.deba_rule, DEBA_RULES)
        if self.rollback_floor is not None:
            _choice("rollback_floor", self.rollback_floor, ROLLBACK_FLOORS)
        _choice("grad_var_scaling", self.grad_var_scaling, GRAD_VAR_SCALINGS)
        _choice("threshold_reference", self.threshold_reference, THRESHOLD_REFERENCES)
        if self.threshold_reference == "same_epoch" and self.deba_rule != "windowed":
            raise ConfigError(f"threshold_reference='same_epoch' is for deba_rule='windowed' (its per-epoch sign "
                              f"test); deba_rule={self.deba_rule!r} allows threshold_reference='whole_run'")
        _int("epochs", self.epochs, minimum=1)
        _int("seed", self.seed, minimum=0)
        _int("batch_size", self.batch_size, minimum=1)
        _int("min_batch", self.min_batch, minimum=1)
        _int("max_batch", self.max_batch, minimum=1)
        if self.min_batch > self.max_batch:
            raise ConfigError(f"min_batch={self.min_batch} is above max_batch={self.max_batch}; "
                              "min_batch must be <= max_batch")
        if not self.min_batch <= self.batch_size <= self.max_batch:
            raise ConfigError(f"batch_size={self.batch_size} must lie within min_batch..max_batch "
                              f"({self.min_batch}..{self.max_batch})")
        if self.window is not None:
            _int("window", self.window, minimum=2, maximum=1000,
                 hint="an integer 2..1000, or 'full' for the whole history")
        _int("cooldown", self.cooldown, minimum=0, maximum=1000)
        if self.min_history is not None:
            _int("min_history", self.min_history, minimum=1, maximum=1000)
        _int("warmup_epochs", self.warmup_epochs, minimum=0)
        _int("calibration_epochs", self.calibration_epochs, minimum=2)
        _int("adabatch_interval", self.adabatch_interval, minimum=1)
        for key in ("train_subset", "test_subset", "threads"):
            if getattr(self, key) is not None:
                _int(key, getattr(self, key), minimum=1)
        if self.lr is not None:
            _number("lr", self.lr, lower=0.0, lower_open=True)
        _number("momentum", self.momentum, lower=0.0, upper=1.0, upper_open=True)
        _number("weight_decay", self.weight_decay, lower=0.0)
        _number("label_smoothing", self.label_smoothing, lower=0.0, upper=1.0, upper_open=True)
        _number("grow_factor", self.grow_factor, lower=1.0, lower_open=True)
        _number("shrink_factor", self.shrink_factor, lower=0.0, upper=1.0, lower_open=True, upper_open=True)
        _number("instability_factor", self.instability_factor, lower=1.0)
        _number("significance", self.significance, lower=0.0, upper=0.5, lower_open=True)
        # the windowed rule's quiet bound (this quantile) must not lie above its noisy bound (1 - it)
        _number("threshold_quantile", self.threshold_quantile, lower=0.0, lower_open=True,
                upper=0.5 if self.deba_rule == "windowed" else 1.0, upper_open=self.deba_rule != "windowed",
                hint=f"for deba_rule={self.deba_rule!r}")
        _number("smith_factor", self.smith_factor, lower=1.0, lower_open=True)
        _number("gns_ema", self.gns_ema, lower=0.0, upper=1.0, upper_open=True)
        if self.target_acc is not None:
            _number("target_acc", self.target_acc, lower=0.0, upper=1.0)
        if self.scheduler == "deba" and self.deba_rule == "windowed" and self.window is not None:
            _check_window_can_vote(self.window, self.threshold_quantile, self.significance)
        if not self.smith_milestones or not all(
                isinstance(m, (int, float)) and 0 < m < 1 for m in self.smith_milestones):
            raise ConfigError(f"smith_milestones={self.smith_milestones!r}: "
                              "allowed is a non-empty list of fractions of training strictly between 0 and 1")
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
        raise ConfigError(f"window={text!r}: allowed is an integer 2..1000 or 'full'") from None


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{key}={value!r} is not known; allowed: {', '.join(allowed)}")


def _int(key: str, value: Any, minimum: int | None = None, maximum: int | None = None,
         hint: str | None = None) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        allowed = hint or ("an integer" + (f" >= {minimum}" if minimum is not None else "")
                           + (f" and <= {maximum}" if maximum is not None else ""))
        raise ConfigError(f"{key}={value!r}: allowed is {allowed}")


def _number(key: str, value: Any, lower: float | None = None, upper: float | None = None,
            lower_open: bool = False, upper_open: bool = False, hint: str = "") -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and lower is not None:
        ok = value > lower if lower_open else value >= lower
    if ok and upper is not None:
        ok = value < upper if upper_open else value <= upper
    if not ok:
        low = "" if lower is None else f"{'>' if lower_open else '>='} {lower}"
        high = "" if upper is None else f"{'<' if upper_open else '<='} {upper}"
        raise ConfigError(f"{key}={value!r}: allowed is a finite number {' and '.join(p for p in (low, high) if p)}"
                          + (f" {hint}" if hint else ""))
