"""The GPU check survives what would waste a GPU lease: a failing, overrunning or terminated section, a missing
module, no GPU; and it runs end to end on a CPU (`--quick`), so a GPU session never finds it broken."""

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.gpu_check import __main__ as gpu_check
from benchmarks.gpu_check.pair import fitted_subset, summarize, unpack
from benchmarks.gpu_check.section import EXIT_STATUS, FAIL_SECTION_VARIABLE, Section
from deba.data import DataError
from deba.profiles import read_profile

ROOT = Path(__file__).resolve().parents[2]
# .ci/run points this at a fresh venv holding only the GPU machine's packages (no snakemake, no pytest, no
# installed deba), so the slow tests below rehearse the device; elsewhere they use this interpreter.
DEVICE_PYTHON_VARIABLE = "DEBA_TEST_DEVICE_PYTHON"
CLASSES = "airplane automobile bird cat deer dog frog horse ship truck".split()


def on_disk(path):
    return json.loads(path.read_text())


def test_a_failing_section_is_recorded_with_what_it_had_measured(tmp_path):
    def work(section):
        section.data["rows"] = [1, 2]
        section.save()
        raise RuntimeError("no kernel image is available")

    assert Section("throughput", tmp_path, 5, quick=True).run(work) == EXIT_STATUS["failed"]
    written = on_disk(tmp_path / "throughput.json")
    assert written["status"] == "failed" and written["rows"] == [1, 2]
    assert "no kernel image" in written["error"] and "Traceback" in written["traceback"]


def test_a_section_past_its_deadline_stops_and_keeps_what_it_measured(tmp_path):
    def slow(section):
        section.data["rows"] = ["first"]
        section.save()
        time.sleep(5)
        section.data["rows"].append("never")

    started = time.monotonic()
    assert Section("pair", tmp_path, 0.3, quick=True).run(slow) == EXIT_STATUS["out of time"]
    assert time.monotonic() - started < 3
    written = on_disk(tmp_path / "pair.json")
    assert written["status"] == "out of time" and written["rows"] == ["first"]


def test_sigterm_from_outside_is_recorded_as_terminated(tmp_path):
    def work(section):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)

    assert Section("anatomy", tmp_path, 30, quick=True).run(work) == EXIT_STATUS["terminated"]
    assert on_disk(tmp_path / "anatomy.json")["status"] == "terminated"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # nothing of the section's handling is left


def test_the_trainers_own_stop_counts_as_the_deadline(tmp_path):
    class Preempted(Exception):  # the trainer takes SIGTERM, checkpoints and raises this
        pass

    def training(section):
        try:
            time.sleep(5)
        except BaseException:
            raise Preempted() from None

    status = Section("pair", tmp_path, 0.3, quick=True).run(training, stop_on=(Preempted,))
    assert status == EXIT_STATUS["out of time"] and on_disk(tmp_path / "pair.json")["status"] == "out of time"


def test_the_pair_subset_shrinks_to_fit_the_time_left_and_never_grows():
    settings = {"train_subset": 20_000, "epochs": 20}
    epoch = {"train_s": 1.0, "eval_s": 0.2, "checkpoint_s": 0.3}  # 1.5 s: two 20-epoch runs take 60 s
    data = {}
    assert fitted_subset(settings, epoch, 100.0, data) == 20_000  # 60 s < 0.8 x 100 s
    assert fitted_subset(settings, epoch, 50.0, data) == 13_000  # 20,000 x 40 / 60, down to a thousand
    assert data["subset_fit"]["estimated_two_runs_s"] == 60.0
    assert fitted_subset(settings, epoch, 1.0, data) == 2_000  # never below the smallest useful subset
    assert fitted_subset({"train_subset": 60, "epochs": 4}, epoch, 1.0, data) == 60  # nor above the plan


def test_the_pair_summary_compares_completed_runs_only():
    runs = [{"scheduler": "fixed", "summary": {"train_time_s": 10.0}},
            {"scheduler": "deba", "summary": {"train_time_s": 8.0}},
            {"scheduler": "fixed", "epochs": []}]  # stopped: no summary
    assert summarize(runs) == {"speedup_vs_first_fixed": pytest.approx(0.2)}
    runs[2]["summary"] = {"train_time_s": 11.0}
    assert summarize(runs)["aa_second_vs_first_fixed"] == pytest.approx(0.1)


def make_cifar_tarball(folder: Path, per_class: int = 6) -> Path:
    """A tiny copy of the CIFAR-10 JPEG tarball's layout (train/<class>/NNNN.jpg, test/<class>/NNNN.jpg)."""
    from PIL import Image

    generator = np.random.default_rng(0)
    tree = folder / "tree"
    for split, count in (("train", per_class), ("test", per_class // 2)):
        for name in CLASSES:
            (tree / split / name).mkdir(parents=True)
            for index in range(count):
                pixels = generator.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(tree / split / name / f"{index:04d}.jpg")
    tarball = folder / "cifar10-jpeg.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        for split in ("train", "test"):
            archive.add(tree / split, arcname=split)
    return tarball


def test_the_cifar_copy_is_found_in_a_tarball_or_a_folder_and_a_wrong_path_is_named(tmp_path):
    tarball = make_cifar_tarball(tmp_path, per_class=1)
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    root = unpack(tarball, unpacked)
    assert (root / "train" / "cat").is_dir() and unpack(root, tmp_path) == root
    with pytest.raises(DataError, match="no-such.tar.gz: no such file"):
        unpack(tmp_path / "no-such.tar.gz", unpacked)
    with pytest.raises(DataError, match="no train/ and test/"):
        unpack(tmp_path / "tree" / "train", unpacked)


def test_without_cuda_it_refuses_unless_quick(monkeypatch, tmp_path):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit, match="needs a GPU.*--quick"):
        gpu_check.main(["environment", "--out", str(tmp_path), "--budget", "5"])


def test_a_missing_module_is_named_before_anything_runs(monkeypatch, tmp_path):
    monkeypatch.setitem(gpu_check.REQUIRED_MODULES, "no_such_module_for_the_test", "something the device lacks")
    with pytest.raises(SystemExit, match=r"no_such_module_for_the_test \(something the device lacks\).*installs"):
        gpu_check.main(["environment", "--out", str(tmp_path), "--budget", "5", "--quick"])


def test_an_unknown_forced_failure_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv(FAIL_SECTION_VARIABLE, "compiel")
    with pytest.raises(SystemExit, match="'compiel' names no section"):
        gpu_check.main(["environment", "--out", str(tmp_path), "--budget", "5", "--quick"])


def test_gpu_check_sh_refuses_an_unknown_argument():
    result = subprocess.run(["bash", "benchmarks/gpu_check.sh", "--quik"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "unknown argument '--quik'" in result.stderr


def check_quick_files(out: Path, failed: str | None, sections=gpu_check.SECTIONS) -> None:
    """Every section's file is there and ok, except `failed`'s, recorded as failed, and no file of a section
    not asked for; the profile is a valid stored profile of all six architectures; the pair trained three runs
    on the JPEG copy."""
    from deba.config import ARCHITECTURES

    for name in gpu_check.SECTIONS:
        if name not in sections:
            assert not (out / f"{name}.json").exists(), name
            continue
        assert on_disk(out / f"{name}.json")["status"] == ("failed" if name == failed else "ok"), name
    if "throughput" in sections and failed != "throughput":
        profile = read_profile(out / "profile.json")
        assert {row["arch"] for row in profile.rows} == set(ARCHITECTURES) and not profile.failures
        assert profile.provenance["device_type"] == "cpu" and profile.provenance["precision"] == "fp32"
    if "pair" in sections and failed != "pair":
        pair = on_disk(out / "pair.json")
        assert [run["scheduler"] for run in pair["runs"]] == ["fixed", "deba", "fixed"]
        assert all(len(run["epochs"]) == pair["settings"]["epochs"] for run in pair["runs"])
        assert {"speedup_vs_first_fixed", "aa_second_vs_first_fixed"} <= set(pair)
    if "compile" in sections and failed != "compile":
        assert set(on_disk(out / "compile.json")["modes"]) == {"eager", "compiled"}
    assert "gpu_check:" in (out / "gpu_check.log").read_text()


def run_gpu_check_sh(tmp_path, *args, failed=None):
    """The shell entry point as the device runs it: sources from src/, no package index to reach."""
    python = os.environ.get(DEVICE_PYTHON_VARIABLE, sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in (FAIL_SECTION_VARIABLE, "PYTHONPATH")}
    env.update(OUT=str(tmp_path / "out"), TMPDIR=str(tmp_path), PYTHON=python,
               PIP_NO_INDEX="1", PIP_INDEX_URL="http://127.0.0.1:9/simple")  # nothing may be installed
    if os.environ.get(DEVICE_PYTHON_VARIABLE):  # the rehearsal environment must really be the device's
        for module in ("snakemake", "deba", "pytest"):
            probe = subprocess.run([python, "-c", f"import {module}"], cwd=tmp_path, env=env, capture_output=True)
            assert probe.returncode != 0, f"{python} can import {module}, which the GPU machine cannot"
    if failed:
        env[FAIL_SECTION_VARIABLE] = failed
    return subprocess.run(["bash", "benchmarks/gpu_check.sh", "--quick", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1600)  # --quick's limit is 1500 s


@pytest.mark.slow
def test_gpu_check_sh_quick_writes_every_section_under_out(tmp_path):
    result = run_gpu_check_sh(tmp_path, "--cifar", make_cifar_tarball(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:]
    check_quick_files(tmp_path / "out", None)
    assert "every section completed" in result.stdout


@pytest.mark.slow
def test_a_failed_section_does_not_stop_the_next_and_the_check_exits_1(tmp_path):
    # --only keeps this to two cheap sections: the whole run above covers every section's own work
    result = run_gpu_check_sh(tmp_path, "--only", "anatomy,environment", failed="environment")
    assert result.returncode == 1, result.stdout[-3000:]
    check_quick_files(tmp_path / "out", "environment", sections=("environment", "anatomy"))
    assert "not completed: environment" in result.stdout
    log = (tmp_path / "out" / "gpu_check.log").read_text()
    assert log.index("environment: failed") < log.index("anatomy: ok")  # the table's order, not --only's


def test_gpu_check_sh_only_refuses_a_name_that_is_not_a_section():
    result = subprocess.run(["bash", "benchmarks/gpu_check.sh", "--only", "pair,compiled"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "no section 'compiled'" in result.stderr
    assert all(name in result.stderr for name in gpu_check.SECTIONS)


def test_the_shell_runs_the_packages_sections_in_its_order():
    script = (ROOT / "benchmarks" / "gpu_check.sh").read_text()
    tables = re.findall(r'^\s*sections="([a-z][^"]+)"', script, flags=re.MULTILINE)  # not --only's $kept
    assert len(tables) == 2  # the device's budgets and --quick's
    for table in tables:
        assert tuple(entry.split(":")[0] for entry in table.split()) == gpu_check.SECTIONS
