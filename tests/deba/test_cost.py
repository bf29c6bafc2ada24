"""The cost model: a grid priced from a throughput profile matches a hand computation, and bad input is named."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from deba.config_schema import load_config, validate_config
from deba.cost import DATASET_SIZES, CostError, by_architecture, compare_with_measured, estimate_runs, read_profile

REPO = Path(__file__).resolve().parents[2]

# Step times 1.5 s at batch 50, 2 s at 100, 3 s at 256: linear in between.
PROFILE = pd.DataFrame({"arch": "resnet18", "scale": "cpu", "batch_size": [50, 100, 256],
                        "images_per_s": [50 / 1.5, 100 / 2.0, 256 / 3.0]})


def tiny_config(**overrides):
    """synthetic (512 training, 256 test images), one seed, 2 epochs: a fixed and a deba run (no ablations or
    comparators, which the defaults would add), validated with every default filled in."""
    config = {"scale": "cpu", "datasets": ["synthetic"], "architectures": ["resnet18"], "seeds": [0], "epochs": 2,
              "batch_size": 100, "max_batch": 512, "train_subset": None, "deba": {"window": 4, "cooldown": 0},
              "ablations": {"window": [], "cooldown": []}, "comparators": {"schedulers": []}}
    config.update(overrides)
    return validate_config(config)


def test_a_fixed_run_costs_epochs_times_full_steps_times_step_time_plus_a_third_for_evaluation():
    runs = estimate_runs(tiny_config(), PROFILE).set_index("scheduler")
    # 2 epochs x (512 // 100 = 5 steps) x 2 s; evaluation: 2 epochs x one test batch of 256 x 3 s / 3
    assert runs.loc["fixed", "train_s"] == pytest.approx(2 * 5 * 2.0)
    assert runs.loc["fixed", "eval_s"] == pytest.approx(2 * 3.0 / 3)
    assert runs.loc["fixed", "total_s"] == pytest.approx(22.0)
    assert runs.loc["fixed", "basis"] == "exact"
    # DEBA is priced at its starting batch: the same as fixed, and labelled as a bound
    assert runs.loc["deba", "total_s"] == pytest.approx(22.0) and "upper bound" in runs.loc["deba", "basis"]


def test_a_batch_between_measured_sizes_is_interpolated():
    runs = estimate_runs(tiny_config(batch_size=178), PROFILE).set_index("scheduler")
    # tau(178) = 2 + (178 - 100) / (256 - 100) x 1 = 2.5 s; 512 // 178 = 2 steps per epoch
    assert runs.loc["fixed", "train_s"] == pytest.approx(2 * 2 * 2.5)


def test_gns_steps_cost_two_half_batch_passes():
    config = tiny_config(comparators={"schedulers": ["gns"], "architectures": None, "seeds": None})
    runs = estimate_runs(config, PROFILE).set_index("scheduler")
    assert runs.loc["gns", "train_s"] == pytest.approx(2 * 5 * (2 * 1.5))  # 2 x tau(50) per step


def test_training_and_test_subsets_are_honoured():
    runs = estimate_runs(tiny_config(train_subset=300, test_subset=100), PROFILE).set_index("scheduler")
    assert runs.loc["fixed", ["train_size", "test_size"]].tolist() == [300, 100]
    assert runs.loc["fixed", "train_s"] == pytest.approx(2 * 3 * 2.0)  # 300 // 100 = 3 steps


def test_per_architecture_table_sums_runs_and_hours_with_a_total():
    config = tiny_config(architectures=["resnet18", "mobilenet_v3"], seeds=[0, 1])
    profile = pd.concat([PROFILE, PROFILE.assign(arch="mobilenet_v3")])
    table = by_architecture(estimate_runs(config, profile)).set_index("arch")
    assert table.loc["resnet18", ["runs", "fixed_runs", "adaptive_runs"]].tolist() == [4, 2, 2]
    assert table.loc["resnet18", "device_hours"] == pytest.approx(4 * 22.0 / 3600)
    assert table.loc["total", "runs"] == 8
    assert table.loc["total", "device_hours"] == pytest.approx(8 * 22.0 / 3600)


def test_an_architecture_missing_from_the_profile_is_named():
    with pytest.raises(CostError, match="architecture 'vit_b16'"):
        estimate_runs(tiny_config(architectures=["resnet18", "vit_b16"]), PROFILE)


def test_a_profile_of_another_scale_is_refused():
    with pytest.raises(CostError, match="scale"):
        estimate_runs(tiny_config(scale="paper"), PROFILE)


def test_the_paper_grid_has_100_runs_per_architecture():
    config = load_config([REPO / "config" / "paper.yaml"])
    profile = pd.DataFrame([{"arch": arch, "scale": "paper", "batch_size": 128, "images_per_s": 1000.0}
                            for arch in config["architectures"]])
    runs = estimate_runs(config, profile)
    table = by_architecture(runs).set_index("arch")
    # 100 per architecture, plus one A/A run per dataset, plus the five sensitivity variants' 50 on ResNet-18
    expected = {arch: 102 + (50 if arch == "resnet18" else 0) for arch in config["architectures"]}
    assert len(table) == 7 and table.drop("total")["runs"].to_dict() == expected
    assert (table.drop("total")["fixed_runs"] == 2 * 5 + 2).all()  # 2 datasets x 5 seeds, and the A/A runs
    assert table.loc["total", "runs"] == 662
    # a fixed CIFAR run: 100 epochs x 390 full batches of 128 at 1000 images/s, exactly
    fixed = runs[runs["scheduler"] == "fixed"].iloc[0]
    assert fixed["train_s"] == pytest.approx(100 * 390 * 128 / 1000)


def test_dataset_sizes_match_the_data_module():
    from deba.data import load_dataset

    for name in ("digits", "synthetic"):
        dataset = load_dataset(name)
        assert (len(dataset.train), len(dataset.test)) == DATASET_SIZES[name], name


def test_profiles_are_read_from_csv_and_gpu_check_json_with_the_device_named(tmp_path):
    PROFILE.assign(device="cpu").to_csv(tmp_path / "throughput.csv", index=False)
    (tmp_path / "gpu_check.json").write_text(json.dumps(
        {"device": "NVIDIA H200", "scale": "paper",
         "throughput": [{"arch": "vit_b16", "batch_size": 128, "images_per_s": 4000.0, "step_time_s": 0.032}]}))
    profile, hardware = read_profile([tmp_path / "throughput.csv", tmp_path / "gpu_check.json"])
    assert hardware == "cpu, NVIDIA H200"
    assert set(profile["arch"]) == {"resnet18", "vit_b16"}
    assert profile.loc[profile["arch"] == "resnet18", "step_time_s"].tolist() == pytest.approx([1.5, 2.0, 3.0])


def test_a_stored_profile_is_read_by_name_or_path_with_its_device_and_precision(tmp_path, monkeypatch):
    from deba.profiles import profile_path, write_profile

    provenance = {"device_name": "NVIDIA H200", "device_type": "cuda", "precision": "bf16-autocast",
                  "cudnn_mode": "deterministic, no autotuning", "torch": "2.11.0", "measured_at": "2026-12-05"}
    rows = [{"arch": "resnet18", "scale": "cpu", "batch_size": int(b), "step_time_s": b / rate, "images_per_s": rate}
            for b, rate in zip(PROFILE["batch_size"], PROFILE["images_per_s"])]
    path = write_profile(profile_path("h200", tmp_path), provenance, rows)
    monkeypatch.chdir(tmp_path)
    for given in ("h200", path):
        profile, hardware = read_profile([given])
        assert hardware == "NVIDIA H200 (bf16-autocast)"
        assert profile["step_time_s"].tolist() == pytest.approx([1.5, 2.0, 3.0])
        # priced exactly as the same rows from a CSV are
        assert estimate_runs(tiny_config(), profile)["total_s"].tolist() == pytest.approx([22.0, 22.0])
    with pytest.raises(CostError, match="'h100' is neither a file nor a stored profile; stored: h200"):
        read_profile(["h100"])
    path.write_text(path.read_text().replace('"torch": "2.11.0",', ""))
    with pytest.raises(CostError, match="provenance lacks torch"):
        read_profile(["h200"])


def test_validation_compares_fixed_runs_with_their_measured_training_time():
    estimate = estimate_runs(tiny_config(seeds=[0, 1]), PROFILE)
    measured = pd.DataFrame({"dataset": "synthetic", "arch": "resnet18", "scheduler": ["fixed", "fixed", "deba"],
                             "variant": "main", "seed": [0, 1, 0], "status": "completed",
                             "train_time_s": [30.0, 50.0, 5.0]})
    table = compare_with_measured(estimate, measured)
    assert table[["runs", "predicted_s", "measured_s"]].values.tolist() == [[2, 20.0, 40.0]]
    assert table["measured_over_predicted"].tolist() == pytest.approx([2.0])


def test_cli_prints_the_table_and_names_a_missing_architecture(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(tiny_config()))
    PROFILE.assign(device="cpu").to_csv(tmp_path / "throughput.csv", index=False)
    command = [sys.executable, "-m", "deba.cost", "--config", str(tmp_path / "config.yaml"),
               "--throughput", str(tmp_path / "throughput.csv")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "| **total**" in result.stdout and "on **cpu**" in result.stdout

    (tmp_path / "config.yaml").write_text(yaml.safe_dump(tiny_config(architectures=["densenet121"])))
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "architecture 'densenet121'" in result.stderr


def test_the_cost_model_never_imports_torch():
    code = "import sys, deba.cost; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
