"""Bad command-line input fails before any data is loaded or model built, naming the flag and what is allowed."""

import json
import re

import pytest

from deba.cli import main
from deba.config import ConfigError, TrainConfig

BASE = ["--dataset", "synthetic", "--arch", "resnet18", "--scale", "cpu"]


def thresholds_file(tmp_path, content):
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps(content))
    return str(path)


BAD_INPUTS = [
    (["--arch", "resnet19"], "invalid choice: 'resnet19'"),
    (["--scheduler", "sometimes"], "invalid choice: 'sometimes'"),
    (["--dataset", "imagenet"], "invalid choice: 'imagenet'"),
    (["--scale", "huge"], "invalid choice: 'huge'"),
    (["--epochs", "0"], "epochs=0: allowed is an integer >= 1"),
    (["--epochs", "-3"], "epochs=-3: allowed is an integer >= 1"),
    (["--epochs", "ten"], "argument --epochs: invalid int value: 'ten'"),
    (["--seed", "-1"], "seed=-1: allowed is an integer >= 0"),
    (["--window", "1"], "window=1: allowed is an integer >= 2 and <= 1000, or 'full'"),
    (["--window", "wide"], "window='wide': allowed is an integer >= 2 and <= 1000, or 'full'"),
    (["--cooldown", "-1"], "cooldown=-1: allowed is an integer >= 0"),
    (["--min-batch", "512", "--max-batch", "256"], "min_batch=512 is above max_batch=256"),
    (["--batch-size", "4096"], "batch_size=4096 must lie within min_batch..max_batch"),
    (["--lr", "0"], "lr=0.0: allowed is a finite number > 0.0"),
    (["--lr", "nan"], "lr=nan: allowed is a finite number"),
    (["--target-acc", "1.5"], "target_acc=1.5: allowed is a finite number >= 0.0 and <= 1.0"),
    (["--train-subset", "0"], "train_subset=0: allowed is an integer >= 1"),
    (["--precision", "fp16"], "argument --precision: invalid choice: 'fp16'"),
    (["--arch", "vit_b16", "--memory-format", "channels_last"], "memory_format='channels_last' is for CNNs"),
    (["--data-root", "/definitely/not/here"], "data_root='/definitely/not/here' does not exist"),
    (["--thresholds", "/definitely/missing.json"], "thresholds file /definitely/missing.json does not exist"),
    ("THRESHOLDS_MISSING_KEY", r"lacks key\(s\) \['loss_variation'\]"),
]


@pytest.mark.parametrize("extra, message", BAD_INPUTS)
def test_bad_input_fails_before_training(tmp_path, capsys, extra, message):
    if extra == "THRESHOLDS_MISSING_KEY":
        extra = ["--thresholds", thresholds_file(tmp_path, {"grad_var": 1, "grad_norm_variation": 1})]
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main([*BASE, "--out", str(out), *extra])
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()  # nothing was started


def test_unknown_config_key_is_named():
    with pytest.raises(ConfigError, match=r"unknown configuration key\(s\) \['epoch'\]"):
        TrainConfig.from_dict({"epoch": 3})


def test_wrong_type_in_a_config_dict_is_named():
    with pytest.raises(ConfigError, match="epochs='3': allowed is an integer"):
        TrainConfig.from_dict({"epochs": "3"})


def test_values_with_shell_characters_are_data_not_commands(tmp_path):
    with pytest.raises(ConfigError, match="variant='a/b'"):
        TrainConfig(variant="a/b").validate()
    odd = tmp_path / "out dir; echo 'x'"
    config = TrainConfig(dataset="synthetic", epochs=1, out=str(odd), threads=1)
    from deba.train import train

    train(config)
    assert (odd / "summary.json").is_file()
