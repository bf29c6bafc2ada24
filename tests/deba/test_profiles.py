"""Stored device profiles (deba.profiles): what a malformed file is refused for, a round trip, the names a
config's `price_on` selects, and a finished grid's own profiles converted with their provenance."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deba import profiles
from deba.profiles import (ALL, FORMAT, PROFILE_DIR, ProfileError, from_results, load_named, profile_path,
                           read_profile, read_profile_table, resolve_names, stored_profiles, write_profile)

REPO = Path(__file__).resolve().parents[2]
PROVENANCE = {"device_name": "NVIDIA H200", "device_type": "cuda", "precision": "bf16-autocast",
              "cudnn_mode": "deterministic, no autotuning", "torch": "2.11.0", "measured_at": "2026-12-05",
              "driver": "570.1", "cuda": "12.8"}
ROWS = [{"arch": "resnet18", "scale": "paper", "batch_size": 128, "step_time_s": 0.02, "images_per_s": 6400.0},
        {"arch": "resnet18", "scale": "paper", "batch_size": 512, "step_time_s": 0.05, "images_per_s": 10240.0,
         "rounds": 3, "timed_steps": 10}]


def document(**changes):
    base = {"format": FORMAT, "provenance": dict(PROVENANCE), "rows": [dict(row) for row in ROWS], "failures": []}
    base.update(changes)
    return base


def written(tmp_path, content) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(content))
    return path


def test_a_profile_round_trips_with_its_provenance_rows_and_failures(tmp_path):
    failures = [{"arch": "vit_b16", "scale": "paper", "batch_size": 2048, "error": "out of memory"}]
    path = write_profile(profile_path("h200", tmp_path), PROVENANCE, ROWS, failures)
    assert path == tmp_path / PROFILE_DIR / "h200.json" and not list(path.parent.glob(".*.tmp"))
    profile = read_profile(path)
    assert (profile.name, profile.provenance, profile.rows, profile.failures) == ("h200", PROVENANCE, ROWS, failures)
    assert profile.label() == "NVIDIA H200 (bf16-autocast)" and profile.scales() == {"paper"}
    table = read_profile_table(profile)
    assert list(table.columns) == ["arch", "scale", "batch_size", "step_time_s", "images_per_s", "rounds",
                                   "timed_steps"]
    assert table["step_time_s"].tolist() == [0.02, 0.05]


def test_a_cpu_profile_is_labelled_with_its_threads():
    cpu = profiles.Profile("xeon", {**PROVENANCE, "device_name": "Xeon", "device_type": "cpu", "precision": "fp32",
                                    "threads": 1}, ROWS)
    assert cpu.label() == "Xeon, 1 thread (fp32)"


@pytest.mark.parametrize("change, message", [
    ({"format": "gpu_check"}, "'format' must be 'deba-throughput-profile/1'"),
    ({"provenance": []}, "'provenance' must be an object"),
    ({"provenance": {k: v for k, v in PROVENANCE.items() if k != "torch"}}, "provenance lacks torch"),
    ({"provenance": {**PROVENANCE, "cudnn_mode": ""}}, "provenance lacks cudnn_mode"),
    ({"provenance": {**PROVENANCE, "gpu": "H200"}}, "unknown provenance key(s) gpu"),
    ({"provenance": {**PROVENANCE, "device_type": "tpu"}}, "device_type 'tpu' is not one of cuda, cpu"),
    ({"provenance": {**PROVENANCE, "precision": "fp16"}}, "precision 'fp16' is not one of"),
    ({"rows": {}}, "'rows' must be a list"),
    ({"rows": [{k: v for k, v in ROWS[0].items() if k != "scale"}]}, "rows[0]: lacks scale"),
    ({"rows": [{**ROWS[0], "dataset": "cifar10"}]}, "rows[0]: unknown key(s) dataset"),
    ({"rows": [{**ROWS[0], "batch_size": 128.0}]}, "rows[0]: batch_size must be a positive integer"),
    ({"rows": [{**ROWS[0], "step_time_s": 0}]}, "rows[0]: step_time_s must be a positive finite number"),
    ({"rows": [{**ROWS[0], "images_per_s": 100.0}]}, "images_per_s x step_time_s must equal batch_size"),
    ({"rows": [ROWS[0], ROWS[1], ROWS[0]]}, "rows[2] repeats arch resnet18, scale paper, batch size 128"),
    ({"failures": [{"arch": "vit_b16"}]}, "'failures' must be a list of objects"),
])
def test_a_malformed_profile_is_refused_naming_the_file_and_what_is_wrong(tmp_path, change, message):
    path = written(tmp_path, document(**change))
    with pytest.raises(ProfileError) as error:
        read_profile(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_the_writer_checks_the_same_rules_and_writes_nothing_it_refuses(tmp_path):
    with pytest.raises(ProfileError, match="out.json: rows.1.: images_per_s x step_time_s"):
        write_profile(tmp_path / "out.json", PROVENANCE, [ROWS[0], {**ROWS[1], "images_per_s": 1.0}])
    assert list(tmp_path.iterdir()) == []


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(ProfileError, match="no such profile file"):
        read_profile(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ProfileError, match="broken.json: not JSON"):
        read_profile(tmp_path / "broken.json")


def test_price_on_all_selects_every_stored_profile_and_a_missing_name_is_refused_listing_them(tmp_path):
    assert stored_profiles(tmp_path) == [] and resolve_names(ALL, tmp_path) == []
    for name in ("b-gpu", "a-cpu"):
        write_profile(profile_path(name, tmp_path), PROVENANCE, ROWS)
    assert resolve_names(ALL, tmp_path) == ["a-cpu", "b-gpu"]
    assert resolve_names(["b-gpu"], tmp_path) == ["b-gpu"]
    with pytest.raises(ProfileError) as error:
        resolve_names(["b-gpu", "h100"], tmp_path)
    assert "no stored throughput profile 'h100'" in str(error.value) and "stored: a-cpu, b-gpu" in str(error.value)
    assert [profile.name for profile in load_named(["a-cpu"], tmp_path)] == ["a-cpu"]


def finished_grid(root: Path) -> Path:
    """A grid of two cells (digits and cifar10 ResNet-18, CPU), as a checkout after a run or a recorded set
    holds it: the grid manifest, each cell's throughput.csv, and run folders' config.json."""
    runs = ["results/runs/digits/resnet18/fixed/main/seed0", "results/runs/cifar10/resnet18/fixed/main/seed0"]
    (root / "results").mkdir(parents=True)
    (root / "results/grid.json").write_text(json.dumps(
        {"cells": [["digits", "resnet18"], ["cifar10", "resnet18"]], "runs": runs, "training": {}}))
    for dataset, step_64 in (("digits", 0.4), ("cifar10", 0.6)):
        folder = root / f"results/characterization/{dataset}/resnet18"
        folder.mkdir(parents=True)
        folder.joinpath("throughput.csv").write_text(
            "arch,scale,device,batch_size,images_per_s,step_time_s\n"
            f"resnet18,cpu,cpu,16,160.0,0.1\nresnet18,cpu,cpu,64,{64 / step_64},{step_64}\n")
    for run, started in zip(runs, ("2026-12-03T14:06:04+00:00", "2026-12-02T23:59:00+00:00")):
        (root / run).mkdir(parents=True)
        (root / run / "config.json").write_text(json.dumps({
            "config": {"vit_input": "native", "deterministic": True},
            "provenance": {"device": "cpu", "device_name": "x86_64", "threads": 1, "python": "3.11.7",
                           "packages": {"torch": "2.14.1"}, "hostname": "vm", "code_version": "cb947c3a70be3629",
                           "started_at": started}}))
    return root


def test_a_finished_grids_profiles_are_converted_with_the_runs_provenance(tmp_path):
    provenance, rows = from_results(finished_grid(tmp_path / "set"))
    assert provenance == {"device_name": "x86_64", "device_type": "cpu", "precision": "fp32", "cudnn_mode": "n/a",
                          "torch": "2.14.1", "measured_at": "2026-12-02", "python": "3.11.7", "threads": 1,
                          "hostname": "vm", "code_version": "cb947c3a70be3629", "vit_input": "native",
                          "notes": provenance["notes"]}
    # one row per (arch, scale, batch size); the architecture profiled in two cells gets the median step time
    assert [(row["batch_size"], row["step_time_s"]) for row in rows] == [(16, 0.1), (64, pytest.approx(0.5))]
    assert rows[1]["images_per_s"] == pytest.approx(128.0)


def test_a_grid_without_its_files_is_refused_naming_them(tmp_path):
    with pytest.raises(ProfileError, match="grid.json is missing"):
        from_results(tmp_path)
    root = finished_grid(tmp_path / "set")
    (root / "results/characterization/cifar10/resnet18/throughput.csv").unlink()
    with pytest.raises(ProfileError, match=r"cifar10/resnet18/throughput.csv is missing"):
        from_results(root)


def test_the_command_line_stores_a_grids_profile_and_lists_the_stored_ones(tmp_path):
    root = finished_grid(tmp_path / "set")
    command = [sys.executable, "-m", "deba.profiles", "--repo", str(tmp_path / "repo")]
    result = subprocess.run([*command, "from-results", str(root), "demo-run"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    stored = read_profile(profile_path("demo-run", tmp_path / "repo"))
    assert stored.provenance["command"] == f"python -m deba.profiles from-results {root} demo-run"
    listing = subprocess.run([*command, "list"], capture_output=True, text=True, timeout=60)
    assert listing.stdout.startswith("demo-run: x86_64, 1 thread (fp32), cpu, scale cpu, 1 architectures")
    failed = subprocess.run([*command, "from-results", str(tmp_path), "x"], capture_output=True, text=True,
                            timeout=60)
    assert failed.returncode == 2 and "grid.json is missing" in failed.stderr



def test_every_stored_profile_of_the_repository_is_valid():
    names = stored_profiles(REPO)
    assert names, f"no stored profiles under {PROFILE_DIR}"
    for profile in load_named(names, REPO):
        assert profile.rows, profile.name


def test_the_stored_profiles_of_recorded_grids_are_what_their_command_makes_from_them():
    # made from a recorded set as it is now; one made from an earlier recording names that checkout instead
    profiles = load_named(stored_profiles(REPO), REPO)
    made_from_results = [profile for profile in profiles
                         if profile.provenance.get("command", "").startswith("python -m deba.profiles from-results ")]
    assert {profile.name for profile in made_from_results} >= {"cifar-cpu-run-fp32", "digits-default-run-fp32"}
    converted = [profile for profile in made_from_results
                 if re.fullmatch(r"python -m deba\.profiles from-results \S+ \S+", profile.provenance["command"])]
    # one made from an earlier recording says from which checkout, and why today's recording cannot make it
    assert all(re.search(r"\(in a checkout of [0-9a-f]{7,}: .+\)$", profile.provenance["command"])
               for profile in made_from_results if profile not in converted)
    for profile in converted:
        root, name = profile.provenance["command"].split()[-2:]
        provenance, rows = from_results(REPO / root)
        assert name == profile.name
        assert {**provenance, "command": profile.provenance["command"]} == profile.provenance
        assert rows == profile.rows


def test_a_grid_trained_in_two_precisions_is_not_one_profile():
    # the recorded default run trained ResNet-18 in bf16 and MobileNet-V3 in fp32 (precision auto)
    with pytest.raises(ProfileError, match="trained in bf16 and fp32"):
        from_results(REPO / "recorded" / "digits-default")
