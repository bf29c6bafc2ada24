"""Every batch-size decision of every recorded DEBA run, replayed through today's scheduler code.

A run's signals (epochs.csv) and its cell's thresholds are recorded; feeding them to the scheduler its
config.json describes must give the decision and the next batch size the run recorded, epoch by epoch. So a
change to the rule, or to a default of the reconstruction's settings, that would change what a recorded run
did fails here, naming the run and the epoch; a run recorded before a setting existed replays under the
value it then had (TrainConfig's default). Pure Python (no torch): the recorded files are small tables.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from deba.config import TrainConfig
from deba.schedulers import EpochSignals, build_scheduler
from deba.thresholds import Thresholds

RECORDED = Path(__file__).resolve().parents[2] / "recorded"
RUNS = sorted(RECORDED.glob("*/results/runs/*/*/deba/*/seed*/config.json"))


def value(row, column):
    return None if pd.isna(row[column]) else float(row[column])


def replay(config_file: Path) -> list[str]:
    """The epochs at which the replay differs from the record (empty when it agrees everywhere)."""
    results = config_file.parents[6]  # recorded/<set>/results/runs/<dataset>/<arch>/deba/<variant>/seed<n>
    config = TrainConfig.from_dict(json.loads(config_file.read_text())["config"])
    thresholds = Thresholds.read(results.parent / config.thresholds)
    epochs = pd.read_csv(config_file.parent / "epochs.csv")
    # batch_cap is the upper bound in force: max_batch capped at the training-set size
    scheduler = build_scheduler(config, int(epochs["batch_cap"].iloc[0]), thresholds)
    differences = []
    for _, row in epochs.iterrows():
        if int(row["batch_cap"]) < scheduler.bounds.upper:
            scheduler.lower_cap(int(row["batch_cap"]))
        decision = scheduler.decide(EpochSignals(
            epoch=int(row["epoch"]), grad_var=float(row["grad_var"]), grad_norm=float(row["grad_norm"]),
            grad_norm_variation=value(row, "grad_norm_variation"), loss_variation=value(row, "loss_variation"),
            train_loss=float(row["train_loss"]), noise_scale=value(row, "noise_scale")))
        if (decision.decision, decision.batch_size) != (row["decision"], int(row["next_batch_size"])):
            differences.append(f"epoch {int(row['epoch'])}: replayed {decision.decision} -> {decision.batch_size}, "
                               f"recorded {row['decision']} -> {int(row['next_batch_size'])}")
    return differences


def test_there_are_recorded_deba_runs_to_replay():
    assert len(RUNS) >= 10 and {path.parts[len(RECORDED.parts)] for path in RUNS} >= {"digits-default"}


@pytest.mark.parametrize("config_file", RUNS, ids=lambda p: "/".join(p.parts[len(RECORDED.parts):-1]).replace(
    "/results/runs", ""))
def test_a_recorded_run_decides_today_as_it_did(config_file):
    assert replay(config_file) == []


def test_the_replay_sees_a_changed_rule(monkeypatch):
    # the check can fail: with the roll-back floor the other way, some recorded run decides otherwise
    import deba.config

    changed = []
    monkeypatch.setitem(deba.config.RULE_ROLLBACK_FLOOR, "windowed", "min_batch")
    monkeypatch.setitem(deba.config.RULE_ROLLBACK_FLOOR, "legacy", "initial_batch")
    for config_file in RUNS:
        changed += replay(config_file)
    assert changed
