"""The pieces the workflow relies on: no torch in the analysis, cheap parse-time imports, logs that keep
the error (code digests: test_closure.py)."""

import subprocess
import sys

import pytest

from paperkit.rules import log_to


def test_analysis_never_imports_torch():
    code = ("import sys\n"
            "from deba.analysis import pipeline, figures, tables, macros, paper\n"
            "assert 'torch' not in sys.modules, 'the analysis imported torch'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_layout_is_cheap_to_import():
    code = ("import sys\nimport deba.analysis.layout\n"
            "heavy = [m for m in ('pandas', 'numpy', 'matplotlib', 'scipy', 'torch') if m in sys.modules]\n"
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_log_to_keeps_output_and_traceback(tmp_path):
    log = tmp_path / "logs" / "step.log"
    saved = sys.stdout, sys.stderr
    with pytest.raises(ValueError, match="results/x.csv is missing"), log_to(log):
        print("started")
        raise ValueError("results/x.csv is missing")
    text = log.read_text()
    assert "started" in text and "Traceback" in text and "results/x.csv is missing" in text
    assert (sys.stdout, sys.stderr) == saved  # streams restored, so Snakemake shows the error

