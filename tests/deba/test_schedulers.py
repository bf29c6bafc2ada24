"""Batch-size schedulers driven by hand-built signal sequences, plus property tests of bounds and cooldown.

DEBA's two rules: the windowed sign test (the default) against a null test, a stabilising sequence and a
spike; the legacy rule (kept for the sensitivity sweep) by its own hand-built cases.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deba.config import TrainConfig
from deba.schedulers import (AdaBatchScheduler, Bounds, DebaScheduler, EpochSignals, NoiseScaleScheduler,
                             SmithScheduler, build_scheduler)
from deba.thresholds import SIGNALS, Thresholds, derive_thresholds

THRESHOLDS = Thresholds(grad_var=1.0, grad_norm_variation=0.1, loss_variation=0.1)
CALM = dict(grad_var=0.5, grad_norm_variation=0.05, loss_variation=0.05)
MIDDLE = dict(grad_var=1.5, grad_norm_variation=0.15, loss_variation=0.15)  # above threshold, below 2x
SPIKE = dict(grad_var=0.5, grad_norm_variation=0.5, loss_variation=0.05)  # one signal above 2x threshold


def signals(epoch, values, noise_scale=None):
    return EpochSignals(epoch=epoch, grad_norm=1.0, train_loss=1.0, noise_scale=noise_scale, **values)


def deba(window=15, cooldown=0, initial=128, bounds=Bounds(16, 2048), thresholds=THRESHOLDS, min_history=1,
         rule="legacy", **settings):
    return DebaScheduler(initial, bounds, window=window, cooldown=cooldown, thresholds=thresholds,
                         min_history=min_history, rule=rule, **settings)


def baseline_rows(n=60, seed=0):
    """A fixed-batch baseline's epochs: heavy-tailed, as measured signals are (grad-norm variation of CIFAR
    runs: median 0.04, single epochs up to 0.2), and stationary: nothing changes over the run."""
    rng = np.random.default_rng(seed)
    return [{"grad_var": float(rng.lognormal(math.log(1e-6), 0.5)),
             "grad_norm_variation": float(rng.lognormal(math.log(0.04), 0.8)),
             "loss_variation": float(rng.lognormal(math.log(0.05), 0.8))} for _ in range(n)]


BASELINE = baseline_rows()
REFERENCE = derive_thresholds(BASELINE, source="test baseline")


def windowed(**kwargs):
    return deba(**{"window": 4, "min_history": 4, "cooldown": 2, "thresholds": REFERENCE, "rule": "windowed",
                   **kwargs})


def scaled(factor):
    """A baseline epoch's signals times `factor` (below 1: calmer than any typical epoch)."""
    return {name: REFERENCE.as_dict()[name] * factor for name in SIGNALS}


def replay(scheduler, rows):
    return [scheduler.decide(signals(epoch, row)).decision for epoch, row in enumerate(rows, start=1)]


@pytest.mark.parametrize("window", [4, 8, None])
def test_windowed_rule_does_not_drift_on_signals_drawn_from_its_own_baseline(window):
    # The null test: 3000 epochs resampled from the baseline the thresholds came from. Nothing changes, so
    # the rule must rarely judge the window stable or unstable, and not one more often than the other.
    rng = np.random.default_rng(1)
    rows = [BASELINE[i] for i in rng.integers(0, len(BASELINE), 3000)]
    scheduler = windowed(window=window, cooldown=0)
    verdicts = []
    for epoch, row in enumerate(rows, start=1):
        scheduler.history.append(row)
        if len(scheduler.history) >= 4:
            verdicts.append(scheduler.judge())
    stable, unstable = verdicts.count("stable") / len(verdicts), verdicts.count("unstable") / len(verdicts)
    assert stable < 0.05 and unstable < 0.05
    assert abs(stable - unstable) < 0.02
    decisions = replay(windowed(window=window), rows)
    assert decisions.count("grow") + decisions.count("shrink") < 0.05 * len(rows)


def test_legacy_rule_fails_the_null_test_by_shrinking():
    # Why the rule was replaced: on the same resampled baseline epochs it judges "unstable" far more often
    # than "stable" (the newest single epoch of any of three heavy-tailed signals above 2x its median).
    rng = np.random.default_rng(1)
    rows = [BASELINE[i] for i in rng.integers(0, len(BASELINE), 3000)]
    decisions = replay(deba(window=4, min_history=4, cooldown=2, thresholds=REFERENCE), rows)
    assert decisions.count("shrink") + decisions.count("bound") > 5 * max(1, decisions.count("grow"))


def test_windowed_rule_grows_when_training_clearly_stabilises():
    rows = [scaled(1.5)] * 6 + [scaled(0.2)] * 10  # busier than the baseline's median, then much calmer
    decisions = replay(windowed(), rows)
    assert decisions[3:6] == ["bound"] * 3  # unstable at the start, but there is no growth to roll back
    first = decisions.index("grow")
    assert first == 6 + 3  # epoch 10: four quiet epochs of four are significant at 0.1 (binomial, p = 0.5)
    assert decisions.count("grow") >= 2  # and again after the cooldown


def test_windowed_rule_rolls_back_a_growth_on_a_clear_spike_but_never_below_the_start():
    calm, spike = [scaled(0.2)] * 6, [scaled(20.0)] * 6
    scheduler = windowed(cooldown=1)
    replay(scheduler, calm)
    grown = scheduler.batch_size
    assert grown > 128
    decisions = [scheduler.decide(signals(7 + i, row)).decision for i, row in enumerate(spike * 3)]
    assert "shrink" in decisions[:4]
    assert scheduler.batch_size == 128  # rolled back to where it started, and no further
    assert decisions[-1] in ("bound", "cooldown")


def test_windowed_rule_needs_a_majority_of_signals():
    one_quiet = {**REFERENCE.as_dict(), "grad_var": REFERENCE.as_dict()["grad_var"] * 0.01}
    assert "grow" not in replay(windowed(), [one_quiet] * 12)
    mixed = {**scaled(0.01), "loss_variation": REFERENCE.as_dict()["loss_variation"] * 100}
    assert "grow" not in replay(windowed(), [mixed] * 12)  # two quiet, one noisy: no verdict


def test_windowed_rule_needs_reference_values():
    with pytest.raises(ValueError, match="reference values"):
        replay(windowed(thresholds=THRESHOLDS), [scaled(0.1)] * 5)


def test_legacy_rule_decides_nothing_until_its_window_is_full():
    scheduler = deba(window=4, min_history=None)
    decisions = [scheduler.decide(signals(epoch, SPIKE)).decision for epoch in range(1, 6)]
    assert decisions[:3] == ["warmup"] * 3 and decisions[3] == "shrink"
    full = deba(window=None, min_history=None)
    assert [full.decide(signals(e, CALM)).decision for e in range(1, 16)].count("warmup") == 14


def test_deba_grows_by_one_and_a_half_when_every_signal_is_calm():
    scheduler = deba()
    decision = scheduler.decide(signals(1, CALM))
    assert (decision.decision, decision.batch_size) == ("grow", 192)


def test_deba_rolls_back_when_the_newest_epoch_spikes():
    scheduler = deba()
    decision = scheduler.decide(signals(1, SPIKE))
    assert (decision.decision, decision.batch_size) == ("shrink", round(128 * 0.8))


def test_deba_holds_between_stable_and_unstable():
    scheduler = deba()
    assert scheduler.decide(signals(1, MIDDLE)).decision == "hold"
    assert scheduler.batch_size == 128


def test_deba_cooldown_blocks_changes_for_exactly_c_epochs():
    scheduler = deba(cooldown=3)
    decisions = [scheduler.decide(signals(epoch, CALM)).decision for epoch in range(1, 9)]
    assert decisions == ["grow", "cooldown", "cooldown", "cooldown", "grow", "cooldown", "cooldown", "cooldown"]


def test_deba_respects_the_upper_bound_and_reports_it():
    scheduler = deba(initial=1500, bounds=Bounds(16, 2048))
    assert scheduler.decide(signals(1, CALM)).batch_size == 2048
    decision = scheduler.decide(signals(2, CALM))
    assert (decision.decision, decision.batch_size) == ("bound", 2048)


def test_sliding_window_forgets_what_full_history_remembers():
    # five noisy epochs, then calm ones: a 3-epoch window turns stable long before the full-history mean does
    noisy = dict(grad_var=3.0, grad_norm_variation=0.15, loss_variation=0.15)
    sliding, full = deba(window=3), deba(window=None)
    for scheduler in (sliding, full):
        for epoch in range(1, 6):
            scheduler.decide(signals(epoch, noisy))
    first_growth = {}
    for name, scheduler in (("sliding", sliding), ("full", full)):
        for epoch in range(6, 30):
            if scheduler.decide(signals(epoch, CALM)).decision == "grow":
                first_growth[name] = epoch
                break
    assert first_growth["sliding"] == 8  # epochs 6, 7, 8 fill the window
    assert first_growth["full"] > first_growth["sliding"]


def test_deba_calibrates_on_its_own_first_epochs_without_a_thresholds_file():
    scheduler = DebaScheduler(128, Bounds(16, 2048), window=15, cooldown=0, thresholds=None, calibration_epochs=3,
                              min_history=1, rule="legacy")
    rows = [dict(grad_var=2.0, grad_norm_variation=None, loss_variation=None),
            dict(grad_var=4.0, grad_norm_variation=0.4, loss_variation=0.2),
            dict(grad_var=6.0, grad_norm_variation=0.2, loss_variation=0.4)]
    assert [scheduler.decide(signals(i + 1, r)).decision for i, r in enumerate(rows)] == ["calibrate"] * 3
    assert scheduler.thresholds.as_dict() == {"grad_var": 4.0, "grad_norm_variation": 0.30000000000000004,
                                              "loss_variation": 0.30000000000000004}
    assert scheduler.decide(signals(4, CALM)).decision == "grow"
    assert scheduler.thresholds.reference["grad_var"] == (2.0, 4.0, 6.0)  # what the windowed rule needs


@pytest.mark.parametrize("make", [lambda: deba(cooldown=2), lambda: windowed(cooldown=1)])
def test_deba_state_round_trip_continues_identically(make):
    first, second = make(), make()
    sequence = [CALM, MIDDLE, SPIKE, CALM, CALM, MIDDLE, CALM, CALM] if first.rule == "legacy" else \
        [scaled(0.1)] * 6 + [scaled(10)] * 4 + [scaled(0.1)] * 6
    for epoch, values in enumerate(sequence[:5], start=1):
        first.decide(signals(epoch, values))
    second.load_state_dict(first.state_dict())
    rest = [(first.decide(signals(e, v)), second.decide(signals(e, v))) for e, v in enumerate(sequence[5:], 6)]
    assert all(a == b for a, b in rest)
    if first.rule == "windowed":
        assert {"grow", "shrink"} <= {d.decision for d, _ in rest}  # the continuation decided both ways


def test_adabatch_doubles_every_interval():
    scheduler = AdaBatchScheduler(64, Bounds(16, 2048), interval=2)
    sizes = [scheduler.decide(signals(epoch, CALM)).batch_size for epoch in range(1, 7)]
    assert sizes == [64, 128, 128, 256, 256, 512]


def test_smith_multiplies_at_the_step_schedule_milestones():
    scheduler = SmithScheduler(100, Bounds(16, 2048), epochs=20, milestones=(0.5, 0.75), factor=5)
    sizes = [scheduler.decide(signals(epoch, CALM)).batch_size for epoch in range(1, 21)]
    assert sizes[8] == 100 and sizes[9] == 500 and sizes[14] == 2048


def test_gns_moves_to_the_noise_scale_with_tolerance_and_cooldown():
    scheduler = NoiseScaleScheduler(128, Bounds(16, 2048), cooldown=1)
    assert scheduler.decide(signals(1, CALM, noise_scale=135)).decision == "hold"  # within 10%
    assert scheduler.decide(signals(2, CALM, noise_scale=400)).batch_size == 400
    assert scheduler.decide(signals(3, CALM, noise_scale=50)).decision == "cooldown"
    assert scheduler.decide(signals(4, CALM, noise_scale=50)).batch_size == 50
    assert scheduler.decide(signals(5, CALM, noise_scale=50)).decision == "cooldown"
    assert scheduler.decide(signals(6, CALM, noise_scale=math.nan)).decision == "hold"


def test_bounds_are_capped_at_the_training_set():
    config = TrainConfig(scheduler="deba", batch_size=128, max_batch=2048)
    scheduler = build_scheduler(config, train_size=300, thresholds=THRESHOLDS)
    assert scheduler.bounds.upper == 300


signal_values = st.floats(min_value=0, max_value=10) | st.just(math.nan) | st.just(math.inf)
signal_rows = st.fixed_dictionaries({"grad_var": signal_values, "grad_norm_variation": st.none() | signal_values,
                                     "loss_variation": st.none() | signal_values,
                                     "noise": st.none() | st.floats(min_value=-100, max_value=1e5)})


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(signal_rows, min_size=1, max_size=40), cooldown=st.integers(0, 6),
       window=st.none() | st.integers(2, 10), initial=st.integers(1, 4096),
       lower=st.integers(1, 64), upper=st.integers(64, 3000), which=st.sampled_from(["deba", "windowed", "gns", "adabatch"]),
       min_history=st.integers(1, 5))
def test_batch_never_leaves_bounds_nor_changes_inside_cooldown(rows, cooldown, window, initial, lower, upper, which,
                                                               min_history):
    bounds = Bounds(lower, upper)
    if which in ("deba", "windowed"):
        scheduler = deba(window=window, cooldown=cooldown, initial=initial, bounds=bounds, min_history=min_history,
                         rule="legacy" if which == "deba" else "windowed",
                         thresholds=THRESHOLDS if which == "deba" else REFERENCE)
    elif which == "gns":
        scheduler = NoiseScaleScheduler(initial, bounds, cooldown=cooldown)
    else:
        scheduler = AdaBatchScheduler(initial, bounds, interval=2)
        cooldown = 0
    sizes = [scheduler.batch_size]
    for epoch, row in enumerate(rows, start=1):
        values = {k: row[k] for k in ("grad_var", "grad_norm_variation", "loss_variation")}
        sizes.append(scheduler.decide(signals(epoch, values, noise_scale=row["noise"])).batch_size)
    assert all(lower <= size <= upper for size in sizes)
    change_points = [i for i in range(1, len(sizes)) if sizes[i] != sizes[i - 1]]
    assert all(b - a > cooldown for a, b in zip(change_points, change_points[1:]))
