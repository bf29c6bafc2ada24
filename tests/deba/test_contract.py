"""docs/results.md says what deba.contract defines, and the code that writes and reads results uses it."""

import re
from pathlib import Path

import pytest

from deba import contract, fast_path, grid, provenance
from deba.analysis import load
from deba.thresholds import SIGNALS

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "results.md").read_text()


def section(title: str) -> str:
    """The text of the `## ...` section of docs/results.md whose heading starts with `title`."""
    match = re.search(rf"^## {re.escape(title)}.*?$(.*?)(?=^## |\Z)", DOCS, re.M | re.S)
    assert match, f"docs/results.md has no section {title!r}"
    return match.group(1)


def names(text: str) -> list[str]:
    """Every name in backticks, a backticked comma list (`a, b, c`) counting as its names."""
    return [name.strip() for group in re.findall(r"`([^`]+)`", text) for name in group.split(",")
            if re.fullmatch(r"\s*[a-z_]+\s*", name)]


def test_epoch_columns_are_the_documented_table_in_order():
    rows = [line for line in section("`epochs.csv`").splitlines() if line.startswith("| `")]
    documented = [name for row in rows for name in names(row.split("|")[1])]
    assert documented == list(contract.EPOCH_COLUMNS)


def test_summary_keys_and_statuses_are_documented():
    text = section("`summary.json`")
    documented = names(text)
    assert [name for name in documented if name not in contract.STATUSES] == list(contract.SUMMARY_KEYS)
    assert [name for name in documented if name in contract.STATUSES] == list(contract.STATUSES)


def test_config_provenance_throughput_and_thresholds_are_documented():
    config_text = section("`config.json`")
    assert all(f'"{key}"' in config_text for key in (*contract.CONFIG_SECTIONS, *contract.PROVENANCE_KEYS))
    assert set(re.findall(r'"([a-z_]+)"', config_text.split("}}`")[0])) <= {
        *contract.CONFIG_SECTIONS, *contract.PROVENANCE_KEYS}, "a documented key the contract does not define"
    throughput = section("Throughput profile")
    assert names(throughput.split(":")[0]) == list(contract.THROUGHPUT_COLUMNS)
    thresholds = section("Thresholds files")
    assert names(thresholds.split("(plus")[0]) == list(SIGNALS)


def test_path_templates_are_documented():
    where = section("Where")
    for template in (contract.RUN_DIR, contract.TRAIN_LOG, contract.THROUGHPUT_FILE, contract.THRESHOLDS_FILE):
        assert f"`{template}`" in where, template


def test_writers_and_readers_use_the_contract():
    from deba import throughput, train

    assert train.EPOCH_COLUMNS is contract.EPOCH_COLUMNS
    assert throughput.COLUMNS is contract.THROUGHPUT_COLUMNS
    assert load.EPOCH_COLUMNS is contract.EPOCH_COLUMNS and load.SUMMARY_KEYS is contract.SUMMARY_KEYS
    assert grid.run_dir(grid.Run("digits", "resnet18", "deba", "main", 3)) == "results/runs/digits/resnet18/deba/main/seed3"
    settings = fast_path.resolve("resnet18", "cpu")
    assert set(provenance.collect("cpu", 1, settings)) == set(contract.PROVENANCE_KEYS)


def test_a_record_that_drifts_from_the_contract_is_refused_by_name():
    assert list(contract.in_contract_order({"b": 2, "a": 1}, ("a", "b"), "row")) == ["a", "b"]
    with pytest.raises(RuntimeError, match=r"row \['a', 'c'\] disagree"):
        contract.in_contract_order({"b": 2, "c": 3}, ("a", "b"), "row")
