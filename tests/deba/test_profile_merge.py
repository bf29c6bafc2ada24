"""A profile measured in parts (a lease that ran out, a cluster in several jobs) merges into one, and only
parts of the same device, software and settings do."""

import pytest

from deba.profiles import Profile, ProfileError, main, merge_profiles, read_profile, write_profile

PROVENANCE = {"device_name": "NVIDIA H200", "device_type": "cuda", "precision": "bf16-autocast",
              "cudnn_mode": "deterministic", "torch": "2.11.0", "measured_at": "2026-12-04T15:53:57+00:00",
              "code_version": "a"}


def row(arch, scale, batch, seconds=0.01):
    return {"arch": arch, "scale": scale, "batch_size": batch, "step_time_s": seconds, "images_per_s": batch / seconds}


def part(name, rows, failures=(), **provenance):
    return Profile(name, {**PROVENANCE, **provenance}, rows, list(failures))


def test_parts_merge_with_every_date_and_a_failure_a_later_part_measured_dropped():
    first = part("p1", [row("resnet18", "paper", 16)],
                 [{"arch": "vit_b16", "scale": "paper", "batch_size": None, "error": "out of time"},
                  {"arch": "resnet18", "scale": "paper", "batch_size": 4096, "error": "out of memory"}])
    second = part("p2", [row("vit_b16", "paper", 16)], measured_at="2026-12-04T16:02:59+00:00", code_version="a")
    provenance, rows, failures = merge_profiles([first, second])
    assert [r["arch"] for r in rows] == ["resnet18", "vit_b16"]
    assert failures == [{"arch": "resnet18", "scale": "paper", "batch_size": 4096, "error": "out of memory"}]
    assert provenance["measured_at"] == "2026-12-04T15:53:57+00:00; 2026-12-04T16:02:59+00:00"
    assert provenance["code_version"] == "a"


@pytest.mark.parametrize("key, value", [("device_name", "NVIDIA H100"), ("precision", "fp32"), ("torch", "2.10.0")])
def test_parts_of_another_device_or_setting_are_refused(key, value):
    with pytest.raises(ProfileError, match=f"differ in {key}"):
        merge_profiles([part("a", [row("resnet18", "paper", 16)]), part("b", [row("resnet50", "paper", 16)], **{key: value})])


def test_a_size_measured_in_two_parts_is_refused_when_written(tmp_path):
    merged = merge_profiles([part("a", [row("resnet18", "paper", 16)]), part("b", [row("resnet18", "paper", 16)])])
    with pytest.raises(ProfileError, match="repeats arch resnet18, scale paper, batch size 16"):
        write_profile(tmp_path / "m.json", *merged)


def test_the_command_line_writes_the_merged_profile(tmp_path, capsys):
    paths = [write_profile(tmp_path / f"{name}.json", PROVENANCE, [row(arch, "cpu", 8)])
             for name, arch in (("a", "resnet18"), ("b", "mobilenet_v3"))]
    assert main(["merge", str(tmp_path / "merged.json"), *map(str, paths)]) == 0
    assert {r["arch"] for r in read_profile(tmp_path / "merged.json").rows} == {"resnet18", "mobilenet_v3"}
    assert main(["merge", str(tmp_path / "x.json"), str(tmp_path / "missing.json")]) == 2
    assert "no such profile file" in capsys.readouterr().err
