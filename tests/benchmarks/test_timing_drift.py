"""benchmarks.timing_drift: which epochs count as identical work, and what it reports of runs that slow down
together, from constructed training logs."""

import json
from datetime import datetime, timedelta

import pytest

from benchmarks import timing_drift
from benchmarks.timing_drift import drift, identical_work, read_epochs
from deba.contract import TRAIN_LOG

START = datetime(2026, 12, 3, 14, 0, 0)


def write_log(root, run, epochs):
    """`epochs`: (seconds after START the epoch ended, batch size, training seconds), in deba.train's format."""
    dataset, arch, scheduler, variant, seed = run
    path = root / TRAIN_LOG.format(dataset=dataset, arch=arch, scheduler=scheduler, variant=variant, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{START:%Y-%m-%d %H:%M:%S},001 INFO deba.train: no usable checkpoint; starting from the beginning"]
    for epoch, (at, batch, seconds) in enumerate(epochs, start=1):
        stamp = START + timedelta(seconds=at)
        lines.append(f"{stamp:%Y-%m-%d %H:%M:%S},527 INFO deba.train: epoch {epoch:3d}/{len(epochs)}  batch {batch:4d}"
                     f"  lr 0.1000  loss 2.4057  test_acc 0.1022  time {seconds:.2f}s  -> hold {batch}")
    path.write_text("\n".join(lines) + "\n")


def test_only_epochs_of_identical_work_count(tmp_path):
    write_log(tmp_path, ("digits", "resnet18", "fixed", "main", 0), [(2, 64, 9.0), (4, 64, 2.0), (6, 64, 2.0)])
    # grows after epoch 2, then comes back to 64: only epoch 2 is the fixed run's work
    write_log(tmp_path, ("digits", "resnet18", "deba", "main", 0), [(2, 64, 9.0), (4, 64, 2.2), (6, 96, 1.8),
                                                                     (8, 64, 2.0)])
    write_log(tmp_path, ("digits", "resnet18", "gns", "main", 0), [(2, 64, 9.0), (4, 64, 4.0)])
    work = identical_work(read_epochs(tmp_path))
    assert sorted(zip(work["scheduler"], work["epoch"])) == [("deba", 2), ("fixed", 2), ("fixed", 3)]
    assert work["relative"].tolist() == pytest.approx([2.2 / 2.0, 1.0, 1.0])


def test_runs_that_slow_down_together_correlate(tmp_path):
    for seed, offset in enumerate((0.0, 0.01)):
        # two runs side by side through a slow spell (epochs ending at 60-119 s are 20% slower)
        epochs = [(at, 64, 2.0 * (1.2 if 60 <= at < 120 else 1.0) + offset) for at in range(2, 180, 2)]
        write_log(tmp_path, ("digits", "resnet18", "fixed", "main", seed), epochs)
    result = drift(identical_work(read_epochs(tmp_path)), bin_s=30.0)
    assert result["runs"] == 2 and result["simultaneous_pairs"] == 6
    assert result["simultaneous_correlation"] > 0.99
    assert result["simultaneous_difference_sd"] < 0.01 < result["bin_sd"]


def test_no_logs_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no training epochs"):
        read_epochs(tmp_path)


def test_each_grid_gets_a_column_and_a_grid_measured_again_replaces_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(timing_drift, "RESULTS", tmp_path / "results")
    roots = []
    for index in range(2):
        root = tmp_path / f"grid{index}"
        epochs = [(3600 * index + at, 64, 2.0 + 0.1 * (at % 3)) for at in range(2, 120, 2)]
        write_log(root, ("digits", "resnet18", "fixed", "main", 0), epochs)
        write_log(root, ("digits", "resnet18", "fixed", "repeat", 0), epochs)
        roots.append(root)
    for root in [*roots, roots[0]]:
        timing_drift.main(["--root", str(root)])
    saved = json.loads((tmp_path / "results" / "timing_drift.json").read_text())
    assert [entry["source"][:30] for entry in saved] == ["epochs logged 2026-12-03 15:00",
                                                          "epochs logged 2026-12-03 14:00"]
    table = (tmp_path / "results" / "timing_drift.md").read_text()
    assert table.count("commit unknown") == 2 and "| runs (identical-work epochs) | 2 (" in table
