"""The GPU check survives what would waste a GPU lease: a failing or overrunning section, SIGTERM, a missing
module, no GPU; and it runs end to end on a CPU (`--quick`), so a GPU session never finds it broken."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import gpu_check
from benchmarks.gpu_check import (FAIL_SECTION_VARIABLE, SECTIONS, Terminated, run_sections,
                                  summarize_fixed_vs_deba)

ROOT = Path(__file__).resolve().parents[2]
# .ci/run points this at a fresh venv holding only the GPU machine's packages (no snakemake, no pytest, no
# installed deba), so the slow tests below rehearse the device; elsewhere they use this interpreter.
DEVICE_PYTHON_VARIABLE = "DEBA_TEST_DEVICE_PYTHON"


def on_disk(path):
    return json.loads(path.read_text())


def test_a_failing_section_is_recorded_and_the_others_still_run_and_are_written(tmp_path):
    path = tmp_path / "report.json"
    seen_by_second = {}

    def first(report):
        report["first"] = [1, 2]

    def second(report):
        seen_by_second.update(on_disk(path)["sections"])  # the report as written after the first section
        raise RuntimeError("no kernel image is available")

    def third(report):
        report["third"] = "done"

    report = {"device": "test"}
    sections = {"first": first, "second": second, "third": third}
    run_sections(report, path, sections, dict.fromkeys(sections, 5))
    assert seen_by_second["first"]["status"] == "ok" and seen_by_second["third"]["status"] == "not run"
    written = on_disk(path)
    assert written["first"] == [1, 2] and written["third"] == "done"
    statuses = {name: entry["status"] for name, entry in written["sections"].items()}
    assert statuses == {"first": "ok", "second": "failed", "third": "ok"}
    assert "no kernel image" in written["sections"]["second"]["error"]


def test_a_section_over_its_budget_is_stopped_and_keeps_what_it_measured(tmp_path):
    path = tmp_path / "report.json"

    def slow(report):
        report["slow"] = ["first row"]
        time.sleep(5)
        report["slow"].append("never")

    started = time.monotonic()
    run_sections({}, path, {"slow": slow, "next": lambda report: None}, {"slow": 0.2, "next": 5})
    assert time.monotonic() - started < 3
    written = on_disk(path)
    assert written["slow"] == ["first row"] and written["sections"]["slow"]["status"] == "timed out"
    assert written["sections"]["next"]["status"] == "ok"


def test_a_timeout_wrapped_by_the_code_it_interrupted_still_counts_as_one(tmp_path):
    def compiling(report):  # torch.compile re-raises what interrupts it as its own InductorError
        try:
            time.sleep(5)
        except Exception as error:
            raise RuntimeError("InductorError") from error

    path = tmp_path / "report.json"
    run_sections({}, path, {"compile": compiling}, {"compile": 0.2})
    assert on_disk(path)["sections"]["compile"]["status"] == "timed out"


def test_the_forced_failure_of_the_rehearsal_fails_only_its_section(tmp_path):
    path = tmp_path / "report.json"
    ran = []
    run_sections({}, path, {name: (lambda report, name=name: ran.append(name)) for name in SECTIONS},
                 dict.fromkeys(SECTIONS, 5), fail="compile")
    assert ran == [name for name in SECTIONS if name != "compile"]
    error = on_disk(path)["sections"]["compile"]["error"]
    assert error == f"RuntimeError: forced failure ({FAIL_SECTION_VARIABLE}=compile)"


def test_a_preempted_trainer_stops_the_check_with_the_finished_sections_written(tmp_path):
    class Preempted(Exception):
        pass

    def preempted(report):
        raise Preempted()

    path = tmp_path / "report.json"
    with pytest.raises(Terminated):
        run_sections({}, path, {"done": lambda report: None, "cut": preempted, "later": lambda report: None},
                     dict.fromkeys(["done", "cut", "later"], 5), stop_on=(Preempted,))
    statuses = {name: entry["status"] for name, entry in on_disk(path)["sections"].items()}
    assert statuses == {"done": "ok", "cut": "terminated", "later": "not run"}


def test_speedup_and_the_a_a_differences_come_from_the_runs_timed_so_far():
    runs = [{"scheduler": "fixed", "train_time_s": 10.0}, {"scheduler": "deba", "train_time_s": 7.0}]
    assert summarize_fixed_vs_deba(runs) == {"speedup": pytest.approx(0.3)}
    runs += [{"scheduler": "deba", "train_time_s": 9.0}, {"scheduler": "fixed", "train_time_s": 11.0}]
    summary = summarize_fixed_vs_deba(runs)
    assert summary["speedup"] == pytest.approx(1 - 8.0 / 10.5)
    assert summary["aa_fixed"] == pytest.approx(0.1) and summary["aa_deba"] == pytest.approx(9 / 7 - 1)


def test_without_cuda_it_refuses_unless_quick(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit, match="needs a GPU.*--quick"):
        gpu_check.main([])


def test_a_missing_module_is_named_before_anything_runs(monkeypatch):
    monkeypatch.setitem(gpu_check.REQUIRED_MODULES, "no_such_module_for_the_test", "something the device lacks")
    with pytest.raises(SystemExit, match=r"no_such_module_for_the_test \(something the device lacks\).*installs"):
        gpu_check.main(["--quick"])


def test_an_unknown_forced_failure_is_refused(monkeypatch):
    monkeypatch.setenv(FAIL_SECTION_VARIABLE, "compiel")
    with pytest.raises(SystemExit, match="'compiel' names no section"):
        gpu_check.main(["--quick"])


def check_quick_report(report: dict, failed: str | None = None) -> None:
    """Every section of a `--quick` report is there and ok, except `failed`, recorded as failed."""
    from deba.config import ARCHITECTURES

    statuses = {name: entry["status"] for name, entry in report["sections"].items()}
    assert statuses == {name: "failed" if name == failed else "ok" for name in SECTIONS}
    assert report["device"] == "cpu" and report["scale"] == "cpu"
    if failed != "throughput":
        assert {row["arch"] for row in report["throughput"]} == set(ARCHITECTURES)
        assert all(row["images_per_s"] > 0 for row in report["throughput"])
    if failed != "compile":
        assert set(report["compile"]) == {"eager", "compiled"} and report["compile"]["compiled"]["graphs_compiled"] >= 1
    if failed != "fixed_vs_deba":
        runs = report["fixed_vs_deba"]["runs"]
        assert [run["scheduler"] for run in runs] == list(gpu_check.ORDER)
        assert all(run["train_time_s"] > 0 and len(run["batch_size_trajectory"]) == 2 for run in runs)
        assert {"speedup", "aa_fixed", "aa_deba"} <= set(report["fixed_vs_deba"])


@pytest.mark.slow
@pytest.mark.parametrize("failed", [None, "compile"])
def test_gpu_check_sh_quick_writes_every_section_under_out(tmp_path, failed):
    """The shell entry point as the device runs it: sources from src/, no package index to reach."""
    python = os.environ.get(DEVICE_PYTHON_VARIABLE, sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in (FAIL_SECTION_VARIABLE, "PYTHONPATH")}
    env.update(OUT=str(tmp_path), TMPDIR=str(tmp_path), PYTHON=python,
               PIP_NO_INDEX="1", PIP_INDEX_URL="http://127.0.0.1:9/simple")  # nothing may be installed
    if os.environ.get(DEVICE_PYTHON_VARIABLE):  # the rehearsal environment must really be the device's
        for module in ("snakemake", "deba", "pytest"):
            probe = subprocess.run([python, "-c", f"import {module}"], cwd=tmp_path, env=env, capture_output=True)
            assert probe.returncode != 0, f"{python} can import {module}, which the GPU machine cannot"
    if failed:
        env[FAIL_SECTION_VARIABLE] = failed
    result = subprocess.run(["bash", "benchmarks/gpu_check.sh", "--quick"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1300)  # gpu_check.sh allows --quick 1200 s
    assert result.returncode == (1 if failed else 0), result.stderr[-3000:]
    check_quick_report(json.loads((tmp_path / "gpu_check-quick.json").read_text()), failed)
