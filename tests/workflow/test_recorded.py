"""Recorded results (deba.recorded): a fresh checkout regenerates the analysis from them with `snakemake
figures`, without training and without the original run's `.snakemake` records, and gets the same tables."""

import pytest

from deba.analysis.layout import MACROS_PATH
from deba.recorded import REFERENCE_DIRS, restore, save

from .conftest import copy_workflow, snakemake


@pytest.mark.slow
def test_a_recorded_set_regenerates_the_same_tables_in_a_fresh_checkout_without_training(tiny_workflow, tmp_path):
    workdir, _ = tiny_workflow
    manifest = save(workdir, tmp_path / "recorded")
    assert not any("checkpoints/" in path or path.endswith(".log") for path in manifest["files"])
    fresh = copy_workflow(tmp_path / "fresh")
    assert not (fresh / ".snakemake").exists() and not (fresh / "results").exists()
    restore(tmp_path / "recorded", fresh)
    # --until: the DEBA analysis only, its statistics and its pricing on the stored device profiles (the smells
    # study, which `figures` also makes, reads no recorded set)
    result = snakemake(fresh, "figures", "--until", "macros", "--cores", "2", "--configfile",
                       "config/tiny.yaml")
    ran = result.stdout + result.stderr
    assert "rule aggregate:" in ran and "rule train:" not in ran and "rule thresholds:" not in ran
    tables = [path for path in manifest["files"] if path.startswith(REFERENCE_DIRS)]
    assert tables
    for path in tables:
        assert (fresh / path).read_text() == (workdir / path).read_text(), f"{path} differs when regenerated"
    # the regenerated paper states the training code the runs came from, whatever the checkout's code is now
    assert manifest["training_code_versions"][0] in (fresh / MACROS_PATH).read_text()


@pytest.mark.slow
def test_a_recorded_set_is_refused_under_a_config_that_asks_for_other_settings(tiny_workflow, tmp_path):
    workdir, _ = tiny_workflow
    save(workdir, tmp_path / "recorded")
    fresh = copy_workflow(tmp_path / "fresh")
    restore(tmp_path / "recorded", fresh)
    result = snakemake(fresh, "figures", "--until", "aggregate", "--cores", "2", "--configfile", "config/tiny.yaml",
                       "--config", "label_smoothing=0.05", check=False)
    assert result.returncode != 0
    assert "label_smoothing" in result.stdout + result.stderr
