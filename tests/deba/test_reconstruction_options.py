"""The reconstruction's own choices as settings (deba.schedulers, deba.config): the roll-back floor, the
gradient-variance scaling, the threshold reference, and the refusal of windows that cannot vote.

Each is tested for what it is for: the null test's direction of moves under each floor, the growth that
scaling takes out of gradient variance, the late "stability" a whole-run reference reads into a signal that
falls during training, and that the defaults keep today's behaviour.
"""

import json
import math

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from deba.analysis.load import check_runs_match_grid, read_run_signals
from deba.config import ConfigError, TrainConfig, smallest_voting_window
from deba.schedulers import build_scheduler, poisson_binomial_sf
from deba.thresholds import SIGNALS, Thresholds, ThresholdsError, derive_thresholds
from tests.deba.test_schedulers import BASELINE, REFERENCE, replay, scaled, signals, windowed


def null_runs(floor, window, runs=150, epochs=40, seed=2):
    """Grow, shrink and blocked counts over many grid-length runs whose epochs are drawn from the baseline."""
    rng = np.random.default_rng(seed)
    counts = {"grow": 0, "shrink": 0, "bound": 0}
    for _ in range(runs):
        rows = [BASELINE[i] for i in rng.integers(0, len(BASELINE), epochs)]
        decisions = replay(windowed(window=window, rollback_floor=floor), rows)
        for name in counts:
            counts[name] += decisions.count(name)
    return counts


@pytest.mark.parametrize("window", [4, 8])
def test_null_moves_are_symmetric_only_when_a_roll_back_may_go_below_the_start(window):
    # Verdicts are symmetric under the null (test_schedulers); moves are so only under the min_batch floor:
    # as many roll-backs as growths, up to chance (a two-sided sign test of the moves).
    free = null_runs("min_batch", window)
    assert free["grow"] > 10 and free["bound"] == 0
    assert binomtest(free["grow"], free["grow"] + free["shrink"]).pvalue > 0.01
    # Under the windowed rule's own floor, a run that starts at the floor can only grow: its unstable
    # verdicts there are blocked ("bound"), so grid-length runs grow far more often than they shrink.
    floored = null_runs("initial_batch", window)
    assert floored["grow"] > 3 * max(1, floored["shrink"]) and floored["bound"] > 0
    assert binomtest(floored["grow"], floored["grow"] + floored["shrink"]).pvalue < 1e-4


def test_the_floor_setting_decides_how_far_a_roll_back_goes():
    spike = [scaled(20.0)] * 8
    assert windowed().batch_size == 128
    for floor, lowest in (("initial_batch", 128), ("min_batch", 16)):
        scheduler = windowed(cooldown=0, rollback_floor=floor)
        replay(scheduler, spike * 3)
        assert scheduler.batch_size == lowest


def test_the_default_floor_is_the_rules_own():
    assert windowed().rollback_floor == "initial_batch"
    config = TrainConfig(scheduler="deba", deba_rule="legacy", window=4)
    assert config.rollback_floor is None and config.effective_rollback_floor == "min_batch"
    assert build_scheduler(config, 1000, REFERENCE).rollback_floor == "min_batch"


def test_grad_var_scaling_puts_gradient_variance_on_the_initial_batchs_scale():
    # An epoch at batch 192 whose gradient variance fell as 1/B reads, scaled, as the baseline's median.
    for scaling, judged in (("none", 2.0 / 3.0), ("initial_batch", 1.0)):
        scheduler = windowed(grad_var_scaling=scaling)
        scheduler.batch_size = 192
        scheduler.decide(signals(1, {**scaled(1.0), "grad_var": REFERENCE.grad_var * 128 / 192}))
        assert scheduler.history[-1]["grad_var"] == pytest.approx(judged * REFERENCE.grad_var)


def test_grad_var_scaling_removes_the_growth_feedback():
    # After one growth, gradient variance falls as 1/B and nothing else changes (one variation quiet, one at
    # the baseline's median): measured as is, gradient variance reads quiet in every epoch, makes the
    # majority with the quiet variation, and the batch keeps growing; scaled, it is typical and nothing grows.
    def run(scaling):
        scheduler = windowed(cooldown=0, grad_var_scaling=scaling)
        scheduler.batch_size = 192
        calm_variation = {"grad_norm_variation": REFERENCE.grad_norm_variation * 0.5,
                          "loss_variation": REFERENCE.loss_variation}
        decisions = []
        for epoch in range(1, 13):
            decisions.append(scheduler.decide(signals(epoch, {
                "grad_var": REFERENCE.grad_var * 128 / scheduler.batch_size, **calm_variation})).decision)
        return decisions
    assert "grow" in run("none")
    assert "grow" not in run("initial_batch")


def falling_run(rng, epochs=40):
    """A baseline-like run whose signals fall steadily during training, as measured ones do."""
    rows = []
    for epoch in range(1, epochs + 1):
        level = math.exp(-epoch / 12)
        rows.append({"epoch": epoch, "grad_var": float(1e-3 * level * rng.lognormal(0, 0.3)),
                     "grad_norm_variation": float(0.05 * level * rng.lognormal(0, 0.5)) if epoch > 1 else None,
                     "loss_variation": float(0.05 * level * rng.lognormal(0, 0.5)) if epoch > 1 else None})
    return rows


def test_a_whole_run_reference_reads_a_falling_signal_as_stability_late_and_a_same_epoch_one_does_not():
    rng = np.random.default_rng(0)
    thresholds = derive_thresholds([row for _ in range(5) for row in falling_run(rng)], source="falling baseline")
    grown = {}
    for reference in ("whole_run", "same_epoch"):
        decisions = []
        for _ in range(50):  # fresh runs of the very process the baseline came from
            scheduler = windowed(thresholds=thresholds, threshold_reference=reference, rollback_floor="min_batch")
            decisions.append([scheduler.decide(signals(row["epoch"], {n: row[n] for n in SIGNALS})).decision
                              for row in falling_run(rng)])
        grown[reference] = [d.index("grow") + 1 for d in decisions if "grow" in d]
    assert len(grown["whole_run"]) >= 45 and np.median(grown["whole_run"]) > 20  # nearly every run, late
    assert len(grown["same_epoch"]) < len(grown["whole_run"]) / 2


def test_poisson_binomial_tail_is_the_binomial_one_for_equal_probabilities_and_exact_otherwise():
    for hits in range(0, 6):
        assert poisson_binomial_sf(hits, [0.4] * 5) == pytest.approx(binom.sf(hits - 1, 5, 0.4))
    probabilities = [0.1, 0.5, 0.9]
    exact = sum(np.prod([p if bit else 1 - p for p, bit in zip(probabilities, bits)])
                for bits in np.ndindex(2, 2, 2) if sum(bits) >= 2)
    assert poisson_binomial_sf(2, probabilities) == pytest.approx(exact)


def test_same_epoch_needs_per_epoch_baseline_values_and_the_windowed_rule():
    with pytest.raises(ThresholdsError, match="none given"):
        build_scheduler(TrainConfig(scheduler="deba", window=4, threshold_reference="same_epoch"), 1000, None)
    with pytest.raises(ThresholdsError, match="keep no values by epoch"):
        build_scheduler(TrainConfig(scheduler="deba", window=4, threshold_reference="same_epoch"), 1000, REFERENCE)
    with pytest.raises(ConfigError, match="threshold_reference='same_epoch' is for deba_rule='windowed'"):
        TrainConfig(scheduler="deba", deba_rule="legacy", threshold_reference="same_epoch").validate()
    short = derive_thresholds([{"epoch": 1, **row} for row in BASELINE[:5]])
    scheduler = windowed(thresholds=short, threshold_reference="same_epoch", min_history=1)
    with pytest.raises(ThresholdsError, match="no value of grad_var at epoch 2"):
        replay(scheduler, BASELINE[:2])


def test_same_epoch_state_survives_a_checkpoint():
    rng = np.random.default_rng(3)
    thresholds = derive_thresholds([row for _ in range(5) for row in falling_run(rng)], source="falling baseline")
    run = falling_run(rng)
    first = windowed(thresholds=thresholds, threshold_reference="same_epoch", rollback_floor="min_batch")
    second = windowed(thresholds=thresholds, threshold_reference="same_epoch", rollback_floor="min_batch")
    for row in run[:10]:
        first.decide(signals(row["epoch"], {n: row[n] for n in SIGNALS}))
    state = json.loads(json.dumps(first.state_dict()))  # plain types only, as a checkpoint holds them
    second.thresholds = None
    second.load_state_dict(state)
    assert second.thresholds.by_epoch == thresholds.by_epoch and second.history_epochs == first.history_epochs
    for row in run[10:]:
        values = {n: row[n] for n in SIGNALS}
        assert first.decide(signals(row["epoch"], values)) == second.decide(signals(row["epoch"], values))


def test_thresholds_keep_values_by_epoch_through_their_file(tmp_path):
    rows = [{"epoch": 1, "grad_var": 1.0, "grad_norm_variation": None, "loss_variation": None},
            {"epoch": 2, "grad_var": 3.0, "grad_norm_variation": 0.2, "loss_variation": 0.1},
            {"epoch": 2, "grad_var": 2.0, "grad_norm_variation": 0.4, "loss_variation": 0.3}]
    derived = derive_thresholds(rows, source="three rows")
    assert derived.by_epoch["grad_var"] == {1: (1.0,), 2: (2.0, 3.0)}
    assert derived.quantile("grad_var", 0.5, epoch=2) == 2.5 and derived.tail("grad_var", 2.5, "low", epoch=2) == 0.5
    derived.write(tmp_path / "t.json")
    assert Thresholds.read(tmp_path / "t.json") == derived
    (tmp_path / "bad.json").write_text(json.dumps({**json.loads((tmp_path / "t.json").read_text()),
                                                   "by_epoch": {"grad_var": {"two": [1.0]}}}))
    with pytest.raises(ThresholdsError, match="bad.json: 'by_epoch'"):
        Thresholds.read(tmp_path / "bad.json")


def test_run_signals_carry_their_epoch(tmp_path):
    (tmp_path / "epochs.csv").write_text("epoch,grad_var,grad_norm_variation,loss_variation\n1,0.5,,\n2,0.4,0.1,0.2\n")
    assert read_run_signals([tmp_path / "epochs.csv"]) == [
        {"epoch": 1, "grad_var": 0.5, "grad_norm_variation": None, "loss_variation": None},
        {"epoch": 2, "grad_var": 0.4, "grad_norm_variation": 0.1, "loss_variation": 0.2}]


@pytest.mark.parametrize("quantile, significance, smallest", [(0.5, 0.1, 4), (0.5, 0.05, 5), (0.25, 0.1, 2),
                                                              (0.5, 0.125, 3)])
def test_smallest_voting_window(quantile, significance, smallest):
    assert smallest_voting_window(quantile, significance) == smallest
    assert quantile ** smallest <= significance < quantile ** (smallest - 1)


def test_a_window_that_cannot_vote_is_refused_naming_the_smallest_that_can():
    with pytest.raises(ConfigError, match=r"window=2 cannot vote: .* probability 0.25, above significance=0.1.* "
                                          r"smallest window that can vote is 4"):
        TrainConfig(scheduler="deba", window=2).validate()
    TrainConfig(scheduler="deba", window=4).validate()
    TrainConfig(scheduler="deba", window=None).validate()  # the full history grows without bound
    TrainConfig(scheduler="deba", window=2, deba_rule="legacy").validate()  # no sign test
    TrainConfig(scheduler="fixed", window=2).validate()  # not DEBA: the window is unused


@pytest.mark.parametrize("key, value, allowed", [("rollback_floor", "zero", "initial_batch, min_batch"),
                                                 ("grad_var_scaling", "batch", "none, initial_batch"),
                                                 ("threshold_reference", "epoch", "whole_run, same_epoch")])
def test_bad_option_values_name_what_is_allowed(key, value, allowed):
    with pytest.raises(ConfigError, match=f"{key}='{value}' is not known; allowed: {allowed}"):
        TrainConfig(**{key: value}).validate()


def recorded_run(tmp_path, **config):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"config": config, "provenance": {"device": "cpu"}}))
    return folder


def test_runs_recorded_before_the_options_existed_match_their_defaults_only(tmp_path):
    folder = recorded_run(tmp_path, arch="resnet18", window=4)
    wanted = {"arch": "resnet18", "window": 4, "rollback_floor": None, "grad_var_scaling": "none",
              "threshold_reference": "whole_run"}
    check_runs_match_grid({folder: wanted})
    with pytest.raises(Exception, match=r"grad_var_scaling='\(not recorded\)' \(the config asks 'initial_batch'\)"):
        check_runs_match_grid({folder: {**wanted, "grad_var_scaling": "initial_batch"}})
