"""The workflow config's schema, workflow/schemas/config.schema.yaml: the one place every setting's default,
bounds and allowed values are written, with its description.

Everything else derives from it: `deba.config.TrainConfig` takes the defaults of the training settings from
here and checks their values with `check` (so `deba-train`'s defaults, choices and help follow), and
`load_config` / `validate_config` validate a workflow config and fill in every default, as the Snakefile,
`python -m deba.cost`, the benchmarks and the tests do, so that one config file describes one grid wherever
it is read. Pure Python and PyYAML (jsonschema only when a whole config is validated): the workflow imports
this while parsing.

    config = load_config(["config/config.yaml", "config/paper.yaml"])   # merged in order, then validated
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
# The config every workflow run starts from (the Snakefile's `configfile:`); --configfile ones merge over it.
BASE_CONFIG_FILE = SCHEMA_FILE.parents[2] / "config" / "config.yaml"

# Workflow config keys passed straight to every run's TrainConfig (deba.grid).
SHARED_TRAINING_KEYS = ("scale", "epochs", "batch_size", "min_batch", "max_batch", "lr", "lr_schedule",
                        "warmup_epochs", "lr_scaling", "data_root", "train_subset", "test_subset", "vit_input",
                        "device", "precision", "memory_format", "compile", "calibration_epochs", "adabatch_interval",
                        "smith_factor", "smith_milestones", "label_smoothing")
# The workflow's `deba` keys for DEBA's decision rule and the reconstruction's own choices, and the
# TrainConfig fields they set.
RULE_KEYS = {"rule": "deba_rule", "threshold_quantile": "threshold_quantile", "significance": "significance",
             "instability_factor": "instability_factor", "rollback_floor": "rollback_floor",
             "grad_var_scaling": "grad_var_scaling", "threshold_reference": "threshold_reference"}
# TrainConfig field -> where the schema defines it: every training setting a workflow config can give.
TRAINING_SETTINGS = {**{key: (key,) for key in SHARED_TRAINING_KEYS},
                     **{key: ("deba", key) for key in ("window", "cooldown", "min_history")},
                     **{field: ("deba", key) for key, field in RULE_KEYS.items()}}
# What a window of `full` (the whole history) is in a TrainConfig.
FULL_WINDOW = "full"


class ConfigError(ValueError):
    """A configuration value is not allowed; the message names the key and what is allowed."""


@functools.cache
def schema() -> dict:
    """The parsed schema (read once per process)."""
    return yaml.safe_load(SCHEMA_FILE.read_text())


def entry(*path: str) -> dict:
    """The schema of one setting by its key path: entry("epochs"), entry("deba", "cooldown"),
    entry("datasets", "items") for the items of a list."""
    node = schema()
    for key in path:
        node = node[key] if key in ("items", "additionalProperties") else node["properties"][key]
    return node


def default(*path: str) -> Any:
    """A setting's default (a fresh copy: lists and mappings may be changed by the caller)."""
    return copy.deepcopy(entry(*path)["default"])


def choices(*path: str) -> tuple:
    """A setting's allowed values, in the schema's order, without null (null means the setting is left unset)."""
    return choices_of(entry(*path))


def rules_digest() -> str:
    """16 hex digits over the schema less its descriptions: what the code that reads it depends on (TrainConfig's
    defaults, bounds and choices). The workflow adds it to the `code` param of every rule whose script imports
    this module (common.smk), so changing a default reruns those jobs and editing a description does not."""
    def without_descriptions(node):
        if isinstance(node, dict):
            return {key: without_descriptions(value) for key, value in node.items() if key != "description"}
        return [without_descriptions(value) for value in node] if isinstance(node, list) else node

    return hashlib.sha256(json.dumps(without_descriptions(schema()), sort_keys=True).encode()).hexdigest()[:16]


def training_default(field: str) -> Any:
    """The default of a TrainConfig field that a workflow config sets, in TrainConfig's terms (a `full`
    window is None, lists are tuples)."""
    value = default(*TRAINING_SETTINGS[field])
    if field == "window" and value == FULL_WINDOW:
        return None
    return tuple(value) if isinstance(value, list) else value


def check_training_setting(field: str, value: Any) -> None:
    """Raise ConfigError unless a TrainConfig field's value is one its schema entry allows."""
    if field == "window" and value is None:
        value = FULL_WINDOW
    check(field, list(value) if isinstance(value, tuple) else value, entry(*TRAINING_SETTINGS[field]))


# --- checking one value ----------------------------------------------------------------------------------

def check(key: str, value: Any, rules: dict) -> None:
    """Raise ConfigError naming `key`, `value` and what is allowed unless `value` satisfies `rules`, a schema
    entry (the keywords this project's schema uses: enum, const, type, bounds, items, minItems, oneOf)."""
    if not _satisfies(value, rules):
        if "enum" in rules:
            raise ConfigError(f"{key}={value!r} is not known; allowed: {', '.join(map(str, choices_of(rules)))}")
        raise ConfigError(f"{key}={value!r}: allowed is {describe(rules)}")


def choices_of(rules: dict) -> tuple:
    """The allowed values of a schema entry with an enum, without null."""
    return tuple(value for value in rules["enum"] if value is not None)


def _types(rules: dict) -> list[str]:
    kind = rules.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _within(value: float, rules: dict) -> bool:
    return (("minimum" not in rules or value >= rules["minimum"])
            and ("maximum" not in rules or value <= rules["maximum"])
            and ("exclusiveMinimum" not in rules or value > rules["exclusiveMinimum"])
            and ("exclusiveMaximum" not in rules or value < rules["exclusiveMaximum"]))


def _satisfies(value: Any, rules: dict) -> bool:
    if "oneOf" in rules:
        return sum(_satisfies(value, option) for option in rules["oneOf"]) == 1
    if "const" in rules:
        return value == rules["const"]
    if "enum" in rules:
        return value in rules["enum"]
    types = _types(rules)
    if value is None:
        return "null" in types
    if "integer" in types and isinstance(value, int) and not isinstance(value, bool):
        return _within(value, rules)
    if "number" in types and _is_number(value):
        return _within(value, rules)
    if "string" in types and isinstance(value, str):
        return True
    if "array" in types and isinstance(value, list):
        return len(value) >= rules.get("minItems", 0) and all(_satisfies(item, rules.get("items", {}))
                                                              for item in value)
    return False


def describe(rules: dict) -> str:
    """What `rules` allow, in words: 'an integer >= 1', 'a finite number > 0.0 and < 1.0', ..."""
    if "oneOf" in rules:
        return ", or ".join(describe(option) for option in rules["oneOf"])
    if "const" in rules:
        return repr(rules["const"])
    if "enum" in rules:
        return "one of " + ", ".join(map(str, choices_of(rules)))
    types = _types(rules)
    integer = "integer" in types
    bounds = [f"{symbol} {rules[key] if integer else float(rules[key])}" for key, symbol in
              (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))
              if key in rules]
    if integer:
        words = " ".join(["an integer", " and ".join(bounds)]).strip()
    elif "number" in types:
        words = " ".join(["a finite number", " and ".join(bounds)]).strip()
    elif "array" in types:
        words = (f"a list of at least {rules.get('minItems', 0)} of: {describe(rules.get('items', {}))}"
                 if rules.get("minItems") else f"a list of: {describe(rules.get('items', {}))}")
    elif "string" in types:
        words = "a string"
    else:
        words = "anything"
    return words + (", or null" if "null" in types else "")


# --- a whole workflow config -------------------------------------------------------------------------------

def validate_config(config: dict) -> dict:
    """Validate a workflow config against the schema and fill in every default it leaves out (nested ones
    too), in place, as Snakemake's `validate(..., set_default=True)` does; returns it. A bad value is a
    ConfigError naming its key, the value and the schema's complaint."""
    import jsonschema

    validator_class = jsonschema.validators.validator_for(schema())
    validate_properties = validator_class.VALIDATORS["properties"]

    def fill_defaults(validator, properties, instance, rules):
        if isinstance(instance, dict):
            for key, subschema in properties.items():
                if "default" in subschema:
                    instance.setdefault(key, copy.deepcopy(subschema["default"]))
        yield from validate_properties(validator, properties, instance, rules)

    filling = jsonschema.validators.extend(validator_class, {"properties": fill_defaults})
    error = jsonschema.exceptions.best_match(filling(schema()).iter_errors(config))
    if error is not None:
        key = ".".join(map(str, error.absolute_path))
        raise ConfigError(f"{key} = {error.instance!r}: {error.message}" if key else error.message)
    return config


def merged(documents: Iterable[dict]) -> dict:
    """Config documents merged in order, later keys overriding (nested ones too), as Snakemake merges
    `--configfile` files over the Snakefile's `configfile:`."""
    def merge(base: dict, update: dict) -> dict:
        return {**base, **{key: merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict)
                           else value for key, value in update.items()}}

    config: dict = {}
    for document in documents:
        config = merge(config, document or {})
    return config


def load_config(paths: Iterable[str | Path] = (), *, base: bool = True) -> dict:
    """A workflow config as the workflow sees it: config/config.yaml (unless `base` is False), then `paths`,
    merged in order, validated, every default filled in."""
    files = [BASE_CONFIG_FILE] if base else []
    files += [Path(path) for path in paths]
    return validate_config(merged(yaml.safe_load(path.read_text()) for path in files))
