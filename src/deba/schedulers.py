"""Batch-size schedulers: DEBA and the comparators, as plain-Python decision logic (no torch).

Every scheduler sees one `EpochSignals` after each epoch and answers with a `Decision`: the batch size for
the next epoch and a one-word reason. State is a plain dict (`state_dict`/`load_state_dict`) so it can be
checkpointed and loaded with `torch.load(weights_only=True)`.

DEBA (arXiv:2511.03809) as reconstructed here; the paper's full text is not public, so every choice is ours
(docs/deba.md: Why this rule). What the paper describes, and we keep: per-epoch signals (gradient variance,
gradient-norm variation, loss variation; `monitor.py`) judged over a sliding window of W epochs against
architecture-specific thresholds from a fixed-batch baseline; grow x1.5 when training is stable, roll back
x0.8 when it is unstable; `cooldown` epochs without a change after each change; bounds min..max batch,
never above the training set. Decisions start once `min_history` epochs of signals exist (default: W).

Two decision rules (`rule`):
- `windowed` (the default): a sign test per signal. An epoch is *quiet* for a signal when its value lies
  below the baseline's `quantile` of that signal (default 0.5: the median, the threshold the
  characterization reports), *noisy* when it lies above its 1 - `quantile` one. The signal votes stable
  when so many of the window's epochs are quiet that a window of baseline epochs would be that quiet with
  probability at most `significance` (binomial tail, exact for epochs drawn from the baseline); likewise
  unstable for noisy. Stable: a majority of the signals vote stable and none votes unstable; unstable:
  the mirror image. Both sides use the same statistic, so epochs that look like the baseline's own are
  judged stable rarely, and unstable as rarely (the null test in tests/deba/test_schedulers.py). The
  *moves* are symmetric only when a roll-back may go below the initial batch (`rollback_floor`
  min_batch): under the rule's own floor a roll-back only undoes growth, so from the initial batch the rule
  can only grow, and the null test shows it growing more often than shrinking.
- `legacy` (the rule before, kept for the reconstruction-sensitivity sweep): stable when the windowed mean
  of every signal is at or below the baseline's `quantile`; unstable when the newest epoch of any one
  signal exceeds `instability_factor` (2) x that threshold; roll-backs may go below the initial batch. One
  test takes the maximum of three single noisy values, the other the minimum of three smoothed ones, so it
  leans to shrinking.

Choices of ours the paper does not settle, each a setting (config.py; what the sensitivity study varies):
- `rollback_floor`: `initial_batch` (a roll-back never goes below the initial batch: the windowed rule's
  own) or `min_batch` (down to the configured minimum: the legacy rule's own).
- `grad_var_scaling`: gradient variance is the variance of a mean over B samples, so it falls as 1/B when
  the batch grows, and thresholds from a baseline at the initial batch are then crossed by the growth
  itself. `none` (the default) judges it as measured; `initial_batch` multiplies it by B / initial batch
  first, putting it on the baseline's scale.
- `threshold_reference`: `whole_run` (the default) judges every epoch against the baseline's epochs of the
  whole run, so a signal that falls during training reads "quiet" late in any run; `same_epoch` judges
  epoch t against the baseline runs' epoch t only (windowed rule; its sign test then sums epochs of
  different tails, exactly: a Poisson-binomial tail).
- Learning-rate scaling with the batch (`lr_scaling`, applied by the trainer): without it, growth also
  lowers the learning rate per sample, an implicit anneal.

Thresholds come from a file (the workflow's characterization of fixed-batch baselines), or, for a
standalone run, from the run's own first `calibration_epochs` epochs (held at the initial batch size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .config import DEFAULT_WINDOW, RULE_ROLLBACK_FLOOR
from .thresholds import SIGNALS, Thresholds, ThresholdsError, derive_thresholds


@dataclass(frozen=True)
class EpochSignals:
    """What the monitor measured during one epoch (variations are None in the first epoch)."""

    epoch: int
    grad_var: float
    grad_norm: float
    grad_norm_variation: float | None
    loss_variation: float | None
    train_loss: float
    noise_scale: float | None = None

    def value(self, name: str) -> float | None:
        return getattr(self, name)


@dataclass(frozen=True)
class Decision:
    batch_size: int
    decision: str  # grow | shrink | hold | cooldown | calibrate | warmup | bound


@dataclass(frozen=True)
class Bounds:
    """Allowed batch sizes; `upper` is already capped at the training-set size."""

    lower: int
    upper: int

    def clamp(self, batch_size: float) -> int:
        return int(min(self.upper, max(self.lower, round(batch_size))))


class BatchScheduler:
    """Base class: holds the current batch size, the bounds and the cooldown counter."""

    name = "base"

    def __init__(self, initial_batch: int, bounds: Bounds, cooldown: int = 0):
        self.bounds = bounds
        self.batch_size = bounds.clamp(initial_batch)
        self.cooldown = cooldown
        self.cooldown_left = 0

    def decide(self, signals: EpochSignals) -> Decision:
        raise NotImplementedError

    def _change_to(self, target: float, reason: str) -> Decision:
        """Move to `target` (clamped); start the cooldown only when the batch really changed."""
        new_batch = self.bounds.clamp(target)
        if new_batch == self.batch_size:
            return Decision(self.batch_size, "bound" if reason in ("grow", "shrink") else "hold")
        self.batch_size = new_batch
        self.cooldown_left = self.cooldown
        return Decision(new_batch, reason)

    def lower_cap(self, new_upper: int) -> None:
        """Out of memory at the current size: lower the upper bound (recorded in epochs.csv by the trainer)."""
        self.bounds = Bounds(self.bounds.lower, max(self.bounds.lower, new_upper))
        self.batch_size = min(self.batch_size, self.bounds.upper)

    def state_dict(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "cooldown_left": self.cooldown_left,
                "lower": self.bounds.lower, "upper": self.bounds.upper}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.batch_size = int(state["batch_size"])
        self.cooldown_left = int(state["cooldown_left"])
        self.bounds = Bounds(int(state["lower"]), int(state["upper"]))


class FixedScheduler(BatchScheduler):
    """The baseline: the batch size never changes."""

    name = "fixed"

    def decide(self, signals: EpochSignals) -> Decision:
        return Decision(self.batch_size, "hold")


class DebaScheduler(BatchScheduler):
    """Grow when the window is stable against the baseline, roll back when it is unstable (module docstring)."""

    name = "deba"

    def __init__(self, initial_batch: int, bounds: Bounds, *, window: int | None, cooldown: int,
                 thresholds: Thresholds | None, calibration_epochs: int = 3, grow_factor: float = 1.5,
                 shrink_factor: float = 0.8, rule: str = "windowed", quantile: float = 0.5,
                 significance: float = 0.1, instability_factor: float = 2.0, min_history: int | None = None,
                 rollback_floor: str | None = None, grad_var_scaling: str = "none",
                 threshold_reference: str = "whole_run"):
        super().__init__(initial_batch, bounds, cooldown)
        self.initial_batch = self.batch_size
        self.window = window
        self.min_history = min_history if min_history is not None else (window or DEFAULT_WINDOW)
        self.thresholds = thresholds
        self.calibration_epochs = calibration_epochs
        self.grow_factor = grow_factor
        self.shrink_factor = shrink_factor
        self.rule = rule
        self.quantile = quantile
        self.significance = significance
        self.instability_factor = instability_factor
        self.rollback_floor = rollback_floor or RULE_ROLLBACK_FLOOR[rule]
        self.grad_var_scaling = grad_var_scaling
        self.threshold_reference = threshold_reference
        self.history: list[dict[str, float | None]] = []
        self.history_epochs: list[int | None] = []  # each history row's epoch (same_epoch reference)

    def decide(self, signals: EpochSignals) -> Decision:
        self.history.append(self._judged_signals(signals))
        self.history_epochs.append(signals.epoch)
        if self.thresholds is None:
            if len(self.history) < self.calibration_epochs:
                return Decision(self.batch_size, "calibrate")
            self.thresholds = derive_thresholds(self.history, source="own first epochs")
            self.history.clear()  # the calibration epochs defined "typical"; judge what comes after
            self.history_epochs.clear()
            return Decision(self.batch_size, "calibrate")
        if len(self.history) < self.min_history:
            return Decision(self.batch_size, "warmup")
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            return Decision(self.batch_size, "cooldown")
        verdict = self.judge()
        if verdict == "unstable":
            target = self.batch_size * self.shrink_factor
            if self.rollback_floor == "initial_batch":
                target = max(target, self.initial_batch)
            return self._change_to(target, "shrink")
        if verdict == "stable":
            return self._change_to(self.batch_size * self.grow_factor, "grow")
        return Decision(self.batch_size, "hold")

    def _judged_signals(self, signals: EpochSignals) -> dict[str, float | None]:
        """The epoch's signals as the rule judges them: gradient variance on the initial batch's scale under
        grad_var_scaling 'initial_batch' (the epoch trained at the current batch size)."""
        row = {name: signals.value(name) for name in SIGNALS}
        if self.grad_var_scaling == "initial_batch" and _finite(row["grad_var"]):
            row["grad_var"] = row["grad_var"] * self.batch_size / self.initial_batch
        return row

    def judge(self) -> str:
        """'stable', 'unstable' or 'neutral' for the current history (the rule of the module docstring)."""
        count = len(self.history) if self.window is None else min(self.window, len(self.history))
        window = self.history[len(self.history) - count:]
        if self.rule == "legacy":
            return self._judge_legacy(window)
        epochs = self.history_epochs[len(self.history_epochs) - count:]
        votes = [vote for vote in (self._sign_test(name, window, epochs) for name in SIGNALS) if vote is not None]
        stable, unstable = votes.count("stable"), votes.count("unstable")
        if 2 * stable > len(votes) and not unstable:
            return "stable"
        if 2 * unstable > len(votes) and not stable:
            return "unstable"
        return "neutral"

    def _sign_test(self, name: str, window: list[dict[str, float | None]],
                   epochs: list[int | None]) -> str | None:
        """One signal's vote: 'stable', 'unstable', 'none', or None when the window holds no value of it."""
        judged = [(row[name], epoch) for row, epoch in zip(window, epochs) if _finite(row[name])]
        if not judged:
            return None
        for side, verdict in (("low", "stable"), ("high", "unstable")):
            q = self.quantile if side == "low" else 1.0 - self.quantile
            if self.threshold_reference == "same_epoch":
                p_value = self._same_epoch_p_value(name, judged, q, side)
            else:
                bound = self.thresholds.quantile(name, q)
                tail = self.thresholds.tail(name, bound, side)
                hits = sum(_beyond(value, bound, side) for value, _ in judged)
                # P(at least `hits` of len(judged) baseline epochs on this side). Imported here, not at the
                # top: scipy.stats adds to every training process's start-up, and fixed-batch runs never vote.
                from scipy.stats import binom

                p_value = binom.sf(hits - 1, len(judged), tail) if hits else 1.0
            if p_value <= self.significance:
                return verdict
        return "none"

    def _same_epoch_p_value(self, name: str, judged: list[tuple[float, int]], q: float, side: str) -> float:
        """P(at least as many epochs beyond their own epoch's bound) for epochs drawn from the baseline at the
        same epochs: a sum of Bernoulli draws of different tails (Poisson-binomial, computed exactly)."""
        hits, tails = 0, []
        for value, epoch in judged:
            bound = self.thresholds.quantile(name, q, epoch=epoch)
            tails.append(self.thresholds.tail(name, bound, side, epoch=epoch))
            hits += _beyond(value, bound, side)
        return poisson_binomial_sf(hits, tails) if hits else 1.0

    def _judge_legacy(self, window: list[dict[str, float | None]]) -> str:
        thresholds = {name: self.thresholds.quantile(name, self.quantile) for name in SIGNALS}
        latest = self.history[-1]
        if any(_finite(latest[name]) and latest[name] > self.instability_factor * threshold
               for name, threshold in thresholds.items()):
            return "unstable"
        for name, threshold in thresholds.items():
            values = [row[name] for row in window if _finite(row[name])]
            if not values or sum(values) / len(values) > threshold:
                return "neutral"
        return "stable"

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["history"] = [[row[name] for name in SIGNALS] for row in self.history]
        state["history_epochs"] = list(self.history_epochs)
        state["thresholds"] = None if self.thresholds is None else [self.thresholds.as_dict()[n] for n in SIGNALS]
        state["thresholds_source"] = "" if self.thresholds is None else self.thresholds.source
        state["thresholds_reference"] = (None if self.thresholds is None else
                                         [list(self.thresholds.reference.get(n, ())) for n in SIGNALS])
        state["thresholds_by_epoch"] = (None if self.thresholds is None else
                                        [[[epoch, list(values)] for epoch, values in
                                          self.thresholds.by_epoch.get(n, {}).items()] for n in SIGNALS])
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.history = [dict(zip(SIGNALS, row)) for row in state["history"]]
        # a state saved before epochs were kept has none: its rows' epochs are unknown (whole_run needs none)
        self.history_epochs = [None if epoch is None else int(epoch)
                               for epoch in state.get("history_epochs", [None] * len(self.history))]
        if state["thresholds"] is not None:
            reference = {name: tuple(values) for name, values in zip(SIGNALS, state["thresholds_reference"])
                         if values}
            by_epoch = {name: {int(epoch): tuple(values) for epoch, values in epochs}
                        for name, epochs in zip(SIGNALS, state.get("thresholds_by_epoch") or ()) if epochs}
            self.thresholds = Thresholds(*state["thresholds"], source=state["thresholds_source"],
                                         reference=reference, by_epoch=by_epoch)


class AdaBatchScheduler(BatchScheduler):
    """AdaBatch-style (Devarakonda et al., 2017): double the batch every `interval` epochs."""

    name = "adabatch"

    def __init__(self, initial_batch: int, bounds: Bounds, *, interval: int):
        super().__init__(initial_batch, bounds, cooldown=0)
        self.interval = interval

    def decide(self, signals: EpochSignals) -> Decision:
        if signals.epoch % self.interval == 0:
            return self._change_to(self.batch_size * 2, "grow")
        return Decision(self.batch_size, "hold")


class SmithScheduler(BatchScheduler):
    """Smith et al. (2018), "Don't decay the learning rate, increase the batch size": multiply the batch at
    the epochs where a step learning-rate schedule would decay (fractions of training)."""

    name = "smith"

    def __init__(self, initial_batch: int, bounds: Bounds, *, epochs: int, milestones: tuple[float, ...],
                 factor: float):
        super().__init__(initial_batch, bounds, cooldown=0)
        self.milestone_epochs = sorted({max(1, round(fraction * epochs)) for fraction in milestones})
        self.factor = factor

    def decide(self, signals: EpochSignals) -> Decision:
        if signals.epoch in self.milestone_epochs:
            return self._change_to(self.batch_size * self.factor, "grow")
        return Decision(self.batch_size, "hold")


class NoiseScaleScheduler(BatchScheduler):
    """Set the batch from McCandlish et al.'s simple noise scale B_simple = tr(Sigma) / |G|^2.

    The monitor supplies the epoch's EMA-smoothed estimate; the batch moves to it (clamped) when it differs
    by more than `tolerance`, with the same cooldown as DEBA.
    """

    name = "gns"

    def __init__(self, initial_batch: int, bounds: Bounds, *, cooldown: int, tolerance: float = 0.1):
        super().__init__(initial_batch, bounds, cooldown)
        self.tolerance = tolerance

    def decide(self, signals: EpochSignals) -> Decision:
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            return Decision(self.batch_size, "cooldown")
        target = signals.noise_scale
        if not _finite(target) or target <= 0:
            return Decision(self.batch_size, "hold")
        if abs(target - self.batch_size) <= self.tolerance * self.batch_size:
            return Decision(self.batch_size, "hold")
        return self._change_to(target, "grow" if target > self.batch_size else "shrink")


def build_scheduler(config, train_size: int, thresholds: Thresholds | None = None) -> BatchScheduler:
    """The scheduler a `TrainConfig` asks for, with bounds capped at the training-set size."""
    bounds = Bounds(min(config.min_batch, train_size), min(config.max_batch, train_size))
    if config.scheduler == "fixed":
        return FixedScheduler(config.batch_size, bounds)
    if config.scheduler == "deba":
        if config.threshold_reference == "same_epoch" and (thresholds is None or not thresholds.by_epoch):
            raise ThresholdsError(
                "threshold_reference='same_epoch' judges each epoch against the baseline runs' same epoch, so it "
                "needs thresholds derived from baseline runs with their epochs kept (the workflow's `thresholds` "
                "rule; `--thresholds FILE`): "
                + ("none given, and a run's own calibration epochs cannot serve" if thresholds is None
                   else f"{thresholds.source or 'the given thresholds'} keep no values by epoch"))
        return DebaScheduler(config.batch_size, bounds, window=config.window, cooldown=config.cooldown,
                             thresholds=thresholds, calibration_epochs=config.calibration_epochs,
                             grow_factor=config.grow_factor, shrink_factor=config.shrink_factor,
                             rule=config.deba_rule, quantile=config.threshold_quantile,
                             significance=config.significance, instability_factor=config.instability_factor,
                             min_history=config.min_history, rollback_floor=config.rollback_floor,
                             grad_var_scaling=config.grad_var_scaling,
                             threshold_reference=config.threshold_reference)
    if config.scheduler == "adabatch":
        return AdaBatchScheduler(config.batch_size, bounds, interval=config.adabatch_interval)
    if config.scheduler == "smith":
        return SmithScheduler(config.batch_size, bounds, epochs=config.epochs,
                              milestones=tuple(config.smith_milestones), factor=config.smith_factor)
    if config.scheduler == "gns":
        return NoiseScaleScheduler(config.batch_size, bounds, cooldown=config.cooldown)
    raise ValueError(f"unknown scheduler {config.scheduler!r}")


def poisson_binomial_sf(hits: int, probabilities: list[float]) -> float:
    """P(S >= hits) for S the number of successes of independent trials with these probabilities."""
    distribution = [1.0]  # distribution[k] = P(k successes so far)
    for p in probabilities:
        distribution = [a * (1.0 - p) + b * p for a, b in zip(distribution + [0.0], [0.0] + distribution)]
    return float(sum(distribution[hits:]))


def _beyond(value: float, bound: float, side: str) -> bool:
    return value < bound if side == "low" else value > bound


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
