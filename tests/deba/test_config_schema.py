"""deba.config_schema: the one loader of workflow configs fills in the schema's defaults exactly as the
Snakefile's validation always has, names a bad key, and is what TrainConfig checks its values with."""

import copy

import pytest
import yaml

from deba import config_schema
from deba.config_schema import ConfigError, check, load_config, merged, validate_config
from deba.grid import training_runs

REPO = config_schema.SCHEMA_FILE.parents[2]
SHIPPED = [[], ["paper.yaml"], ["tiny.yaml"], ["cifar-cpu.yaml"], ["smells.yaml"]]


@pytest.mark.parametrize("extra", SHIPPED, ids=lambda extra: "+".join(["config.yaml", *extra]))
def test_defaults_are_filled_in_as_snakemakes_validation_fills_them(extra):
    from snakemake.utils import validate

    documents = [yaml.safe_load((REPO / "config" / name).read_text()) for name in ["config.yaml", *extra]]
    by_snakemake = merged(copy.deepcopy(documents))
    validate(by_snakemake, str(config_schema.SCHEMA_FILE))
    assert validate_config(merged(copy.deepcopy(documents))) == by_snakemake
    assert load_config([REPO / "config" / name for name in extra]) == by_snakemake


def test_an_empty_config_is_the_schemas_defaults():
    config = validate_config({})
    assert config["epochs"] == config_schema.default("epochs")
    assert config["ablations"]["cooldown"] == config_schema.default("ablations", "cooldown")
    assert config["deba"]["window"] == config_schema.default("deba", "window")
    # one config file, one grid: the defaults' ablations and comparators are in it
    schedulers = {run.scheduler for run in training_runs(config)}
    assert schedulers == {"fixed", "deba", *config_schema.default("comparators", "schedulers")}


@pytest.mark.parametrize("config, words", [
    ({"epochs": -2}, ["epochs = -2", "minimum of 1"]),
    ({"deba": {"cooldown": "two"}}, ["deba.cooldown = 'two'", "integer"]),
    ({"architectures": ["resnet19"]}, ["architectures.0 = 'resnet19'", "is not one of"]),
    ({"epoch": 3}, ["'epoch' was unexpected"]),
])
def test_a_bad_config_is_refused_naming_the_key(config, words):
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert all(word in str(error.value) for word in words), str(error.value)


def test_values_are_checked_against_a_schema_entry_with_the_allowed_ones_named():
    check("epochs", 3, config_schema.entry("epochs"))
    with pytest.raises(ConfigError, match=r"epochs=True: allowed is an integer >= 1"):
        check("epochs", True, config_schema.entry("epochs"))
    with pytest.raises(ConfigError, match=r"lr=nan: allowed is a finite number > 0.0, or null"):
        check("lr", float("nan"), config_schema.entry("lr"))
    with pytest.raises(ConfigError, match=r"rule='strict' is not known; allowed: windowed, legacy"):
        check("rule", "strict", config_schema.entry("deba", "rule"))
    check("window", "full", config_schema.entry("deba", "window"))
    with pytest.raises(ConfigError, match=r"allowed is an integer >= 2 and <= 1000, or 'full'"):
        check("window", 1, config_schema.entry("deba", "window"))
    with pytest.raises(ConfigError, match=r"allowed is a list of at least 1 of: a finite number > 0.0 and < 1.0"):
        check("smith_milestones", [], config_schema.entry("smith_milestones"))
