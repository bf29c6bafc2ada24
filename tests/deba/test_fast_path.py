"""Precision and memory format: how `auto` resolves, that every combination trains and is recorded, that a
changed choice reruns exactly the runs it concerns, and that DEBA's signals read fp32 gradients under bf16."""

import json

import pytest
import torch
import torch.nn.functional as F

from deba import fast_path, grid
from deba.analysis.load import AnalysisInputError, check_runs_match_grid
from deba.config import ConfigError, TrainConfig
from deba.models import build_model
from deba.monitor import GradientMonitor
from deba.train import Trainer, train

AMX = frozenset({"avx512f", "amx_bf16"})
AVX512_BF16 = frozenset({"avx512f", "avx512_bf16"})
NO_AMX = frozenset({"avx512f"})
TABLE = {"measured_at": "2026-12-04", "source": "test", "cpu": "Test CPU", "bf16_flags": ["amx_bf16"], "architectures": {
    "resnet18": {"bf16_hardware": {"precision": "bf16", "memory_format": "channels_last"},
                 "fp32_only": {"precision": "fp32", "memory_format": "channels_last"}},
    "mobilenet_v3": {"bf16_hardware": {"precision": "fp32", "memory_format": "channels_last"},
                     "fp32_only": {"precision": "fp32", "memory_format": "channels_last"}}}}


@pytest.fixture
def table(monkeypatch):
    monkeypatch.setattr(fast_path, "table", lambda: TABLE)
    return TABLE


def test_auto_on_a_gpu_is_bf16_with_channels_last_for_cnns_only():
    assert fast_path.resolve("resnet18", "cuda")[:2] == ("bf16", "channels_last")
    assert fast_path.resolve("vit_b16", "cuda")[:2] == ("bf16", "contiguous")


def test_auto_on_a_cpu_follows_the_table_and_without_amx_takes_its_fp32_choice(table):
    assert fast_path.resolve("resnet18", "cpu", flags=AMX)[:2] == ("bf16", "channels_last")
    assert fast_path.resolve("resnet18", "cpu", flags=AVX512_BF16)[:2] == ("bf16", "channels_last")
    without = fast_path.resolve("resnet18", "cpu", flags=NO_AMX)
    assert without[:2] == ("fp32", "channels_last") and "without amx_bf16 or avx512_bf16" in without.reason
    assert fast_path.resolve("mobilenet_v3", "cpu", flags=AMX)[:2] == ("fp32", "channels_last")
    missing = fast_path.resolve("densenet121", "cpu", flags=AMX)  # not in the table: the plain default
    assert missing[:2] == ("fp32", "contiguous") and "not in cpu_fast_path.json" in missing.reason


def test_explicit_settings_win_over_auto_one_at_a_time(table):
    assert fast_path.resolve("resnet18", "cpu", "fp32", "auto", flags=AMX)[:2] == ("fp32", "channels_last")
    explicit = fast_path.resolve("resnet18", "cuda", "fp32", "contiguous")
    assert explicit == ("fp32", "contiguous", "set explicitly")


def test_bad_settings_are_refused_naming_the_key():
    with pytest.raises(ConfigError, match="precision='bf32'.*auto, fp32, bf16"):
        TrainConfig(precision="bf32").validate()
    with pytest.raises(ConfigError, match="memory_format='channels_last' is for CNNs.*vit_b16"):
        TrainConfig(arch="vit_b16", memory_format="channels_last").validate()
    with pytest.raises(ValueError, match="channels_last is for CNNs"):
        fast_path.resolve("vit_b16", "cpu", memory_format="channels_last")


def test_a_changed_cpu_choice_changes_the_parameters_of_exactly_its_auto_runs(table, monkeypatch):
    config = {"precision": "auto", "memory_format": "auto", "scale": "cpu"}
    resnet, mobilenet = (grid.Run("digits", arch, "fixed", "main", 0) for arch in ("resnet18", "mobilenet_v3"))
    before = {run: grid.training_settings(config, run) for run in (resnet, mobilenet)}
    changed = json.loads(json.dumps(TABLE))
    changed["architectures"]["resnet18"]["bf16_hardware"]["precision"] = "fp32"
    monkeypatch.setattr(fast_path, "table", lambda: changed)
    assert grid.training_settings(config, resnet) != before[resnet]
    assert grid.training_settings(config, mobilenet) == before[mobilenet]
    explicit = {"precision": "fp32", "memory_format": "contiguous"}
    assert "cpu_fast_path" not in grid.training_settings(explicit, resnet)  # nothing to resolve: nothing to rerun


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
@pytest.mark.parametrize("memory_format", ["contiguous", "channels_last"])
def test_every_combination_trains_and_is_recorded(tmp_path, precision, memory_format):
    # two steps: bf16 on a CPU without native bf16 arithmetic (no AMX or AVX512-BF16) is emulated, and slow
    config = TrainConfig(dataset="synthetic", arch="resnet18", scale="cpu", epochs=1, threads=1, batch_size=64,
                         train_subset=128, precision=precision, memory_format=memory_format,
                         out=str(tmp_path / "run"))
    summary = train(config)
    assert summary["status"] == "completed" and 0 <= summary["final_test_acc"] <= 1
    provenance = json.loads((tmp_path / "run" / "config.json").read_text())["provenance"]
    assert (provenance["precision"], provenance["memory_format"]) == (precision, memory_format)
    assert provenance["fast_path_reason"] == "set explicitly"


def test_under_bf16_autocast_the_monitor_reads_fp32_gradients_of_fp32_parameters():
    torch.manual_seed(0)
    model = build_model("resnet18", 10, "cpu").to(memory_format=torch.channels_last)
    monitor = GradientMonitor(model)
    images = torch.randn(8, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = F.cross_entropy(model(images), torch.arange(8) % 10)
    loss.backward()
    assert all(p.dtype == torch.float32 and p.grad.dtype == torch.float32 for p in monitor.parameters)
    gathered = monitor.gather()
    assert gathered.dtype == torch.float32 and torch.isfinite(gathered).all()


def test_the_trainer_autocasts_only_when_bf16_is_resolved(tmp_path):
    for precision, autocasting in (("fp32", False), ("bf16", True)):
        trainer = Trainer(TrainConfig(dataset="synthetic", arch="resnet18", scale="cpu", epochs=1, threads=1,
                                      precision=precision, memory_format="contiguous", out=str(tmp_path / precision)))
        with trainer.autocast:
            assert torch.is_autocast_enabled("cpu") is autocasting


def write_run(folder, arch, precision, memory_format, provenance):
    folder.mkdir(parents=True)
    config = TrainConfig(arch=arch, precision=precision, memory_format=memory_format).to_dict()
    (folder / "config.json").write_text(json.dumps({"config": config, "provenance": provenance}))
    return config


def test_recorded_runs_are_matched_on_what_they_trained_with_older_ones_included(tmp_path, table, monkeypatch):
    monkeypatch.setattr(fast_path, "cpu_flags", lambda: AMX)
    # recorded before the settings existed: no precision in the provenance, so fp32 contiguous on a CPU
    legacy = tmp_path / "legacy"
    write_run(legacy, "resnet18", "fp32", "contiguous", {"device": "cpu"})
    legacy_config = json.loads((legacy / "config.json").read_text())
    for key in ("precision", "memory_format"):
        del legacy_config["config"][key]
    (legacy / "config.json").write_text(json.dumps(legacy_config))
    check_runs_match_grid({legacy: TrainConfig(arch="resnet18", precision="fp32", memory_format="contiguous").to_dict()})
    with pytest.raises(AnalysisInputError, match="precision trained 'fp32' \\(the config asks 'bf16'"):
        check_runs_match_grid({legacy: TrainConfig(arch="resnet18").to_dict()})  # auto: bf16 with AMX here
    # recorded with its resolved settings: `auto` matches while the table gives the same choice
    current = tmp_path / "current"
    wanted = write_run(current, "resnet18", "auto", "auto",
                       {"device": "cpu", "precision": "bf16", "memory_format": "channels_last"})
    check_runs_match_grid({current: wanted})
    monkeypatch.setattr(fast_path, "cpu_flags", lambda: NO_AMX)
    with pytest.raises(AnalysisInputError, match="precision trained 'bf16'"):
        check_runs_match_grid({current: wanted})
