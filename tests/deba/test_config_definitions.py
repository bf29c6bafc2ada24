"""One definition per training key: the workflow schema (workflow/schemas/config.schema.yaml) holds each
training key's default, choices and bounds, and TrainConfig (src/deba/config.py) and deba-train's flags take
them from it (deba.config_schema). These tests check the derivation: every training key of the schema is a
TrainConfig field with the schema's default, TrainConfig accepts exactly what the schema allows, and
deba-train's defaults and choices are TrainConfig's. Keys are read at test time, so keys added later are
checked too."""

import dataclasses

import pytest

from deba import cli, config_schema
from deba.config import DEFAULT_LR, ConfigError, TrainConfig

SCHEMA = config_schema.schema()
DEFAULTS = TrainConfig()
FIELDS = {field.name for field in dataclasses.fields(TrainConfig)}
# config.yaml key path -> TrainConfig field, for every training key of the schema: the top-level keys passed
# straight to each run, and the `deba` section (its decision-rule keys renamed, config_schema.RULE_KEYS).
TRAINING_KEYS = {path: field for field, path in config_schema.TRAINING_SETTINGS.items()}


def schema_entry(path: tuple) -> dict:
    return config_schema.entry(*path)


def as_default(field: str, value):
    """A schema default in TrainConfig's terms ('full' windows are None, lists are tuples)."""
    if field == "window" and value == "full":
        return None
    return tuple(value) if isinstance(value, list) else value


# TrainConfig.validate's rules across fields, satisfied while one field's bounds are probed: the batch size
# lies within min_batch..max_batch, and the windowed rule caps threshold_quantile at 0.5 (the schema's
# bound is the legacy rule's).
PROBE_CONTEXT = {"batch_size": {"min_batch": 1}, "max_batch": {"min_batch": 1, "batch_size": 1},
                 "threshold_quantile": {"deba_rule": "legacy"}}


def accepts(field: str, value) -> bool:
    try:
        TrainConfig(**{**PROBE_CONTEXT.get(field, {}), field: value}).validate()
        return True
    except (ConfigError, TypeError):
        return False


def test_every_training_key_of_the_schema_is_a_trainconfig_field():
    assert TRAINING_KEYS and all(field in FIELDS for field in TRAINING_KEYS.values()), TRAINING_KEYS
    assert set(config_schema.SHARED_TRAINING_KEYS) <= set(SCHEMA["properties"])
    assert {("deba", key) for key in SCHEMA["properties"]["deba"]["properties"]} <= set(TRAINING_KEYS)


def test_every_architecture_has_a_default_learning_rate():
    assert set(DEFAULT_LR) == set(config_schema.choices("architectures", "items"))
    assert DEFAULT_LR["efficientnet_b0"] == 0.02 and DEFAULT_LR["vit_b16"] == 0.01 and DEFAULT_LR["resnet18"] == 0.1


@pytest.mark.parametrize("path", sorted(TRAINING_KEYS), ids="/".join)
def test_schema_default_is_trainconfigs(path):
    field, entry = TRAINING_KEYS[path], schema_entry(path)
    assert "default" in entry, f"{'.'.join(path)} has no default in the schema"
    assert as_default(field, entry["default"]) == getattr(DEFAULTS, field), f"{'.'.join(path)}: schema vs TrainConfig"


@pytest.mark.parametrize("path", sorted(TRAINING_KEYS), ids="/".join)
def test_schema_choices_and_bounds_are_trainconfigs(path):
    field, entry = TRAINING_KEYS[path], schema_entry(path)
    entry = next((option for option in entry.get("oneOf", []) if "type" in option), entry)  # window: 'full' aside
    if "enum" in entry:
        assert all(accepts(field, value) for value in entry["enum"]), f"{field}: a schema choice is refused"
        assert not accepts(field, "not-a-choice"), f"{field}: accepts what the schema refuses"
    integer = entry.get("type") == "integer" or "integer" in (entry.get("type") or [])
    step = 1 if integer else 1e-9
    for key, inside, outside in (("minimum", 0, -step), ("exclusiveMinimum", step, 0),
                                 ("maximum", 0, step), ("exclusiveMaximum", -step, 0)):
        if key in entry:
            bound = entry[key]
            kind = int if integer else float
            assert accepts(field, kind(bound + inside)), f"{field}: refuses {bound + inside} ({key} {bound})"
            assert not accepts(field, kind(bound + outside)), f"{field}: accepts {bound + outside} ({key} {bound})"


def test_cli_defaults_and_choices_are_trainconfigs():
    """deba-train without flags (but the required --out) trains TrainConfig's defaults, and its choices are
    TrainConfig's and the schema's."""
    parsed = cli.config_from_args(cli.build_parser().parse_args(["--out", "x"]))
    differing = {field for field in FIELDS - {"out"} if getattr(parsed, field) != getattr(DEFAULTS, field)}
    assert not differing, f"deba-train's defaults differ from TrainConfig's: {sorted(differing)}"
    with_choices = [action for action in cli.build_parser()._actions if action.choices is not None]
    assert len(with_choices) >= 8
    for action in with_choices:
        assert all(accepts(action.dest, choice) for choice in action.choices), action.dest
        schema = next((schema_entry(path) for path, name in TRAINING_KEYS.items() if name == action.dest), None)
        if schema is not None and "enum" in schema:
            # a schema null is the flag left out (the rule's own roll-back floor)
            assert set(action.choices) == set(schema["enum"]) - {None}, f"--{action.dest}: CLI choices vs schema"
