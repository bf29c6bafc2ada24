"""The GPU check runs end to end on a CPU (`--quick`), so a GPU session never finds it broken."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deba.config import ARCHITECTURES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_gpu_check_quick_writes_every_part_of_its_report_under_out(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path), "TMPDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--quick"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=600)
    report = json.loads((tmp_path / "gpu_check-quick.json").read_text())
    assert report["device"] == "cpu" and report["scale"] == "cpu"
    assert {row["arch"] for row in report["throughput"]} == set(ARCHITECTURES)
    assert all(row["images_per_s"] > 0 for row in report["throughput"])
    assert set(report["compile"]) == {"eager", "compiled"} and report["compile"]["compiled"]["graphs_compiled"] >= 1
    for scheduler in ("fixed", "deba"):
        assert report["fixed_vs_deba"][scheduler]["train_time_s"] > 0
        assert len(report["fixed_vs_deba"][scheduler]["batch_size_trajectory"]) == 2
