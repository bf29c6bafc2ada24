"""Aggregation: contract checks with errors that name the file and the step that makes it."""

import json
import shutil

import pandas as pd
import pytest

from deba.analysis.load import AnalysisInputError, aggregate_runs, aggregate_throughput, check_runs_match_grid, read_runs

from .analysis_resultset import Grid, write_result_set


@pytest.fixture()
def small(tmp_path):
    grid = Grid(archs=("resnet18",), seeds=(0, 1), methods=(("deba", "main", 15, 5),), diverged=(),
                effects={"resnet18": (0.02, 0.6, 0.05)})
    return tmp_path, write_result_set(tmp_path, grid)


def test_aggregate_tables(small, tmp_path):
    _, files = small
    runs, epochs = aggregate_runs(files["runs"])
    assert len(runs) == 4 and set(runs["scheduler"]) == {"fixed", "deba"}
    assert len(epochs) == 4 * 6 and {"dataset", "seed", "epoch", "grad_norm_variation"} <= set(epochs.columns)
    assert runs.loc[0, "device_name"] == "Test CPU" and runs.loc[0, "torch_version"] == "2.14.1"
    runs.to_csv(tmp_path / "runs.csv", index=False)
    assert read_runs(tmp_path / "runs.csv")["window"].tolist() == ["15"] * 4


def test_missing_summary_names_file_and_rule(small):
    _, files = small
    (files["runs"][0] / "summary.json").unlink()
    with pytest.raises(AnalysisInputError, match=r"seed0/summary.json is missing; it is made by the training rule"):
        aggregate_runs(files["runs"])


def test_corrupt_json_and_missing_column(small):
    _, files = small
    (files["runs"][1] / "config.json").write_text("{not json")
    with pytest.raises(AnalysisInputError, match="config.json is not readable JSON"):
        aggregate_runs(files["runs"][1:2])
    epochs = pd.read_csv(files["runs"][2] / "epochs.csv").drop(columns="grad_norm")
    epochs.to_csv(files["runs"][2] / "epochs.csv", index=False)
    with pytest.raises(AnalysisInputError, match=r"epochs.csv lacks column\(s\) \['grad_norm'\]"):
        aggregate_runs(files["runs"][2:3])


def test_summary_epoch_count_mismatch(small):
    _, files = small
    path = files["runs"][0] / "summary.json"
    summary = json.loads(path.read_text())
    summary["epochs_completed"] = 3
    path.write_text(json.dumps(summary))
    with pytest.raises(AnalysisInputError, match="has 6 rows but summary.json says epochs_completed=3"):
        aggregate_runs(files["runs"][:1])


def test_mixed_code_versions_refused_unless_allowed(small):
    _, files = small
    path = files["runs"][0] / "summary.json"
    summary = json.loads(path.read_text())
    summary["code_version"] = "old999"
    path.write_text(json.dumps(summary))
    with pytest.raises(AnalysisInputError, match="code_version old999: 1 run") as error:
        aggregate_runs(files["runs"])
    assert str(files["runs"][0]) in str(error.value) and "allow_mixed_code_versions" in str(error.value)
    runs, _ = aggregate_runs(files["runs"], allow_mixed_code_versions=True)
    assert set(runs["code_version"]) == {"old999", "abc123"}


def test_duplicate_run_refused(small, tmp_path):
    _, files = small
    copy = tmp_path / "copy"
    shutil.copytree(files["runs"][0], copy)
    with pytest.raises(AnalysisInputError, match="same"):
        aggregate_runs([files["runs"][0], copy])


def test_throughput_checks(small):
    _, files = small
    table = aggregate_throughput(files["throughput"], files["cells"])
    assert list(table["dataset"].unique()) == ["digits"] and len(table) == 6
    with pytest.raises(AnalysisInputError, match="1 throughput files but 2"):
        aggregate_throughput(files["throughput"], files["cells"] * 2)
    files["throughput"][0].write_text("arch,batch_size\nresnet18,16\n")
    with pytest.raises(AnalysisInputError, match="throughput.csv lacks column.*characterization rule"):
        aggregate_throughput(files["throughput"], files["cells"])


def test_run_settings_are_compared_but_not_where_the_data_lived(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    trained = {"epochs": 40, "label_smoothing": 0.0, "data_root": "/work/data", "threads": 1}
    (folder / "config.json").write_text(json.dumps({"config": trained, "provenance": {}}))
    # another machine: the data elsewhere (or nowhere, under `snakemake figures`), another thread count
    check_runs_match_grid({folder: {**trained, "data_root": "data/cifar10", "threads": 4}})
    with pytest.raises(AnalysisInputError, match="label_smoothing=0.0 \\(the config asks 0.1\\)"):
        check_runs_match_grid({folder: {**trained, "label_smoothing": 0.1}})
    # the location is ignored only because LOCATION_FIELDS says so
    with pytest.raises(AnalysisInputError, match="data_root"):
        check_runs_match_grid({folder: {**trained, "data_root": "elsewhere"}}, ignore=())
