"""Every recorded DEBA result set in recorded/ (deba.recorded) stays intact and readable by the current
analysis code, which reads from it the runs the set's own tables were made from."""

import json
from pathlib import Path

import pandas as pd
import pytest

from deba.analysis.aggregation import aggregate
from deba.analysis.layout import AGGREGATE_FILES
from deba.contract import RUN_KEYS, thresholds_file, throughput_file
from deba.recorded import GRID_MANIFEST, MANIFEST, read_manifest

RECORDED = Path(__file__).resolve().parents[2] / "recorded"
SETS = sorted(path.parent for path in RECORDED.glob(f"*/{MANIFEST}"))


def test_the_repository_records_the_default_run():
    assert RECORDED / "digits-default" in SETS


@pytest.mark.parametrize("recorded", SETS, ids=lambda path: path.name)
def test_a_recorded_set_is_intact_and_aggregates_to_its_own_tables(recorded, tmp_path, monkeypatch):
    manifest = read_manifest(recorded)  # every file against its digest
    grid = json.loads((recorded / GRID_MANIFEST).read_text())
    monkeypatch.chdir(recorded)  # the run folders' paths as the workflow gave them
    outputs = {name: str(tmp_path / f"{name}.csv") for name in AGGREGATE_FILES}
    cells = grid["cells"]
    aggregate(grid["runs"], [throughput_file(*cell) for cell in cells], [thresholds_file(*cell) for cell in cells],
              cells, outputs)
    again = pd.read_csv(outputs["runs"])
    recorded_runs = pd.read_csv(recorded / "results" / "aggregate" / "runs.csv")
    columns = [*RUN_KEYS, "final_test_acc", "train_time_s", "code_version"]
    pd.testing.assert_frame_equal(again[columns], recorded_runs[columns])
    assert set(again["code_version"]) == set(manifest["training_code_versions"])
