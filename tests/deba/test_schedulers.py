"""Batch-size schedulers driven by hand-built signal sequences, plus property tests of bounds and cooldown."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from deba.config import TrainConfig
from deba.schedulers import (AdaBatchScheduler, Bounds, DebaScheduler, EpochSignals, NoiseScaleScheduler,
                             SmithScheduler, build_scheduler)
from deba.thresholds import Thresholds

THRESHOLDS = Thresholds(grad_var=1.0, grad_norm_variation=0.1, loss_variation=0.1)
CALM = dict(grad_var=0.5, grad_norm_variation=0.05, loss_variation=0.05)
MIDDLE = dict(grad_var=1.5, grad_norm_variation=0.15, loss_variation=0.15)  # above threshold, below 2x
SPIKE = dict(grad_var=0.5, grad_norm_variation=0.5, loss_variation=0.05)  # one signal above 2x threshold


def signals(epoch, values, noise_scale=None):
    return EpochSignals(epoch=epoch, grad_norm=1.0, train_loss=1.0, noise_scale=noise_scale, **values)


def deba(window=15, cooldown=0, initial=128, bounds=Bounds(16, 2048), thresholds=THRESHOLDS, min_history=1):
    return DebaScheduler(initial, bounds, window=window, cooldown=cooldown, thresholds=thresholds,
                         min_history=min_history)


def test_deba_decides_nothing_until_its_window_is_full():
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
                              min_history=1)
    rows = [dict(grad_var=2.0, grad_norm_variation=None, loss_variation=None),
            dict(grad_var=4.0, grad_norm_variation=0.4, loss_variation=0.2),
            dict(grad_var=6.0, grad_norm_variation=0.2, loss_variation=0.4)]
    assert [scheduler.decide(signals(i + 1, r)).decision for i, r in enumerate(rows)] == ["calibrate"] * 3
    assert scheduler.thresholds.as_dict() == {"grad_var": 4.0, "grad_norm_variation": 0.30000000000000004,
                                              "loss_variation": 0.30000000000000004}
    assert scheduler.decide(signals(4, CALM)).decision == "grow"


def test_deba_state_round_trip_continues_identically():
    first, second = deba(cooldown=2), deba(cooldown=2)
    sequence = [CALM, MIDDLE, SPIKE, CALM, CALM, MIDDLE, CALM, CALM]
    for epoch, values in enumerate(sequence[:4], start=1):
        first.decide(signals(epoch, values))
    second.load_state_dict(first.state_dict())
    rest = [(first.decide(signals(e, v)), second.decide(signals(e, v))) for e, v in enumerate(sequence[4:], 5)]
    assert all(a == b for a, b in rest)


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
       lower=st.integers(1, 64), upper=st.integers(64, 3000), which=st.sampled_from(["deba", "gns", "adabatch"]),
       min_history=st.integers(1, 5))
def test_batch_never_leaves_bounds_nor_changes_inside_cooldown(rows, cooldown, window, initial, lower, upper, which,
                                                               min_history):
    bounds = Bounds(lower, upper)
    if which == "deba":
        scheduler = deba(window=window, cooldown=cooldown, initial=initial, bounds=bounds, min_history=min_history)
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
