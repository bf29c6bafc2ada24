"""The workflow's experiment grid: which runs exist, each run's settings, and bad grids refused early."""

from pathlib import Path

import pytest

from deba.config import ConfigError
from deba.config_schema import load_config, validate_config
from deba.grid import Run, run_dir, train_config, training_runs, validate_grid

REPO = Path(__file__).resolve().parents[2]


def base_config(**overrides):
    """A small grid, validated with every default filled in, as the workflow sees a config."""
    config = {"scale": "cpu", "datasets": ["digits"], "architectures": ["resnet18", "vit_b16"], "seeds": [0, 1],
              "epochs": 3, "deba": {"window": 15, "cooldown": 5},
              "ablations": {"window": ["full"], "cooldown": [0, 3], "architectures": ["resnet18"], "seeds": [0]},
              "comparators": {"schedulers": ["adabatch", "gns"], "architectures": None, "seeds": None},
              "target_acc": {"digits": 0.8}}
    config.update(overrides)
    return validate_config(config)


def changed(config, **changes):
    """`config` with `changes` made after validation (sections merged), for what only the grid check refuses."""
    return {**config, **{key: {**config[key], **value} if isinstance(value, dict) else value
                         for key, value in changes.items()}}


def test_grid_has_baselines_deba_ablations_and_comparators():
    runs = training_runs(base_config())
    count = lambda **kw: sum(all(getattr(r, k) == v for k, v in kw.items()) for r in runs)
    assert count(scheduler="fixed") == 4 and count(scheduler="deba", variant="main") == 4
    assert {r.variant for r in runs if r.scheduler == "deba"} == {"main", "window-full", "cooldown-0", "cooldown-3"}
    assert count(scheduler="deba", variant="cooldown-0") == 1  # resnet18, seed 0 only
    assert count(scheduler="gns") == 4 and count(scheduler="adabatch") == 4
    assert len(runs) == len(set(runs))


def test_the_paper_grid_has_120_main_comparison_runs():
    runs = training_runs(load_config([REPO / "config" / "paper.yaml"]))
    main = [r for r in runs if r.scheduler in ("fixed", "deba") and r.variant == "main"]
    assert len(main) == 6 * 2 * 5 * 2 == 120
    # ablations (5 variants) and comparators (3) everywhere, five sensitivity variants on ResNet-18 (on both
    # datasets, every seed), one A/A run per cell
    assert len(runs) == 120 + 12 * 5 * 5 + 12 * 5 * 3 + 2 * 5 * 5 + 12


def test_variants_set_window_and_cooldown():
    config = base_config()
    main = train_config(Run("digits", "resnet18", "deba", "main", 0), config)
    full = train_config(Run("digits", "resnet18", "deba", "window-full", 0), config)
    cool = train_config(Run("digits", "resnet18", "deba", "cooldown-3", 0), config)
    assert (main.window, main.cooldown) == (15, 5)
    assert (full.window, full.cooldown) == (None, 5)
    assert main.min_history == full.min_history == cool.min_history == 15  # all variants start together
    assert (cool.window, cool.cooldown) == (15, 3)
    assert main.target_acc == 0.8 and main.out == run_dir(Run("digits", "resnet18", "deba", "main", 0))


def test_unknown_variant_is_refused_with_what_is_allowed():
    with pytest.raises(ConfigError, match="variant 'window-full' of scheduler 'gns' is not known"):
        train_config(Run("digits", "resnet18", "gns", "window-full", 0), base_config())


@pytest.mark.parametrize("overrides, message", [
    ({"seeds": []}, "the grid is empty"),
    ({"min_batch": 64, "max_batch": 32}, "min_batch=64 is above max_batch=32"),
    ({"epochs": 0}, "epochs=0"),
    ({"deba": {"window": 1}}, "window=1"),
])
def test_bad_grids_fail_before_any_job(overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate_grid(changed(base_config(), **overrides))


SWEEP = {"architectures": ["resnet18"], "seeds": [0],
         "variants": [{"rule": "legacy"}, {"rule": "legacy", "threshold_quantile": 0.25},
                      {"rule": "windowed", "significance": 0.07}]}


def test_sensitivity_variants_are_named_from_their_settings_and_set_the_rule():
    from deba.grid import training_settings

    config = base_config(sensitivity=SWEEP, deba={"window": 4, "cooldown": 2, "significance": 0.2})
    variants = sorted(r.variant for r in training_runs(config) if r.variant.startswith("rule-"))
    assert variants == ["rule-legacy", "rule-legacy-q0.25", "rule-windowed-a0.07"]
    legacy = train_config(Run("digits", "resnet18", "deba", "rule-legacy-q0.25", 0), training_settings(
        config, Run("digits", "resnet18", "deba", "rule-legacy-q0.25", 0)))
    assert (legacy.deba_rule, legacy.threshold_quantile, legacy.window, legacy.cooldown) == ("legacy", 0.25, 4, 2)
    # a sweep entry varies what it names from the main run: the rest (significance here) stays the main run's
    assert train_config(Run("digits", "resnet18", "deba", "rule-legacy", 0), config).significance == 0.2
    assert train_config(Run("digits", "resnet18", "deba", "rule-windowed-a0.07", 0), config).significance == 0.07
    # adding an entry changes no other run's training settings (the train rule's parameter)
    more = base_config(sensitivity={**SWEEP, "variants": SWEEP["variants"] + [{"rule": "legacy", "instability_factor": 3}]},
                       deba=config["deba"])
    for run in training_runs(config):
        assert training_settings(more, run) == training_settings(config, run)
    with pytest.raises(ConfigError, match="twice"):
        training_runs(base_config(sensitivity={**SWEEP, "variants": [{"rule": "legacy"}, {"rule": "legacy"}]}))


def test_sensitivity_entries_vary_one_of_the_reconstructions_choices_from_the_main_run():
    entries = [{"rollback_floor": "min_batch"}, {"grad_var_scaling": "initial_batch"},
               {"threshold_reference": "same_epoch"}, {"lr_scaling": "linear"},
               {"rule": "windowed", "threshold_quantile": 0.25, "lr_scaling": "sqrt"}]
    config = base_config(sensitivity={"architectures": ["resnet18"], "seeds": [0], "variants": entries},
                         deba={"window": 4, "cooldown": 2, "rule": "windowed"})
    names = [r.variant for r in training_runs(config) if r.arch == "resnet18" and r.scheduler == "deba"
             and r.variant not in ("main",) and not r.variant.startswith(("window-", "cooldown-"))]
    assert names == ["floor-min_batch", "gvscale-initial_batch", "ref-same_epoch", "lr-linear",
                     "rule-windowed-q0.25-lr-sqrt"]
    main = train_config(Run("digits", "resnet18", "deba", "main", 0), config)
    for name, (field, value) in zip(names[:4], [("rollback_floor", "min_batch"),
                                                ("grad_var_scaling", "initial_batch"),
                                                ("threshold_reference", "same_epoch"), ("lr_scaling", "linear")]):
        varied = train_config(Run("digits", "resnet18", "deba", name, 0), config)
        differing = {key for key, value_ in varied.to_dict().items() if main.to_dict()[key] != value_}
        assert differing == {field, "variant", "out"} and getattr(varied, field) == value
    with pytest.raises(ConfigError, match=r"keys \['floor'\] are not allowed"):
        training_runs(changed(base_config(), sensitivity={"variants": [{"floor": "min_batch"}]}))


def test_the_timing_control_repeats_a_fixed_run_exactly():
    config = base_config(timing_control={"architectures": ["vit_b16"], "seeds": [1]})
    repeats = [r for r in training_runs(config) if r.variant == "repeat"]
    assert repeats == [Run("digits", "vit_b16", "fixed", "repeat", 1)]
    first = train_config(Run("digits", "vit_b16", "fixed", "main", 1), config).to_dict()
    again = train_config(repeats[0], config).to_dict()
    assert {k: v for k, v in again.items() if first[k] != v} == {"variant": "repeat", "out": run_dir(repeats[0])}
    assert not [r for r in training_runs(base_config()) if r.variant == "repeat"]  # none unless asked for
