"""deba.recorded: what a recorded set holds, and that it is checked before anything is restored from it."""

import json

import pytest

from deba.recorded import MANIFEST, RecordError, main, read_manifest, restore, save

RUN = "results/runs/digits/resnet18/fixed/main/seed0"
CELL = "results/characterization/digits/resnet18"


@pytest.fixture
def checkout(tmp_path):
    """A checkout after a one-run grid: the grid manifest, the run folder, the characterization, the tables,
    and the files that must not be recorded (a checkpoint, a log)."""
    root = tmp_path / "checkout"
    files = {
        "results/grid.json": json.dumps({"runs": [RUN], "cells": [["digits", "resnet18"]], "training": {}}),
        f"{RUN}/summary.json": "{}",
        f"{RUN}/epochs.csv": "epoch\n1\n",
        f"{RUN}/config.json": json.dumps({"config": {}, "provenance": {"code_version": "abc123"}}),
        f"{RUN}/checkpoints/epoch-1.pt": "weights",
        f"{CELL}/thresholds.json": "{}",
        f"{CELL}/throughput.csv": "batch_size\n64\n",
        "results/aggregate/runs.csv": "arch\nresnet18\n",
        "results/stats/comparisons.csv": "speedup\n0.1\n",
        "results/logs/train/x.log": "log",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_save_keeps_the_analysis_inputs_and_tables_with_digests_and_the_code_version(checkout, tmp_path):
    manifest = save(checkout, tmp_path / "set")
    assert set(manifest["files"]) == {"results/grid.json", f"{RUN}/summary.json", f"{RUN}/epochs.csv",
                                      f"{RUN}/config.json", f"{CELL}/thresholds.json", f"{CELL}/throughput.csv",
                                      "results/aggregate/runs.csv", "results/stats/comparisons.csv"}
    assert manifest["training_code_versions"] == ["abc123"]
    assert json.loads((tmp_path / "set" / MANIFEST).read_text()) == manifest


def test_save_refuses_an_unfinished_grid_and_writes_nothing(checkout, tmp_path):
    (checkout / RUN / "summary.json").unlink()
    with pytest.raises(RecordError, match="seed0/summary.json"):
        save(checkout, tmp_path / "set")
    assert not (tmp_path / "set").exists()


def test_save_never_merges_into_an_older_set(checkout, tmp_path):
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "old.csv").write_text("x")
    with pytest.raises(RecordError, match="already holds files"):
        save(checkout, tmp_path / "set")


def test_restore_copies_the_inputs_into_a_fresh_checkout_but_not_the_tables(checkout, tmp_path):
    save(checkout, tmp_path / "set")
    fresh = tmp_path / "fresh"
    copied = restore(tmp_path / "set", fresh)
    assert f"{RUN}/epochs.csv" in copied and (fresh / RUN / "epochs.csv").read_text() == "epoch\n1\n"
    assert not (fresh / "results" / "aggregate").exists() and not (fresh / "results" / "grid.json").exists()
    assert restore(tmp_path / "set", fresh) == []  # identical files already there: nothing to do


def test_an_edited_recorded_file_is_refused_by_name(checkout, tmp_path):
    save(checkout, tmp_path / "set")
    (tmp_path / "set" / RUN / "epochs.csv").write_text("epoch\n2\n")
    with pytest.raises(RecordError, match="epochs.csv does not match its SHA-256"):
        read_manifest(tmp_path / "set")
    assert main(["restore", str(tmp_path / "set"), "--root", str(tmp_path / "fresh")]) == 2
    assert not (tmp_path / "fresh").exists()


def test_restore_never_overwrites_a_different_result_and_copies_nothing(checkout, tmp_path):
    save(checkout, tmp_path / "set")
    fresh = tmp_path / "fresh"
    (fresh / CELL).mkdir(parents=True)
    (fresh / CELL / "thresholds.json").write_text('{"grad_var": 1}')
    with pytest.raises(RecordError, match="thresholds.json exists and differs"):
        restore(tmp_path / "set", fresh)
    assert not (fresh / RUN).exists() and (fresh / CELL / "thresholds.json").read_text() == '{"grad_var": 1}'
