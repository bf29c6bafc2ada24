"""`smells scan` prints findings and a per-idiom summary as text or JSON, and stays quiet on stderr when piped."""
import json
import subprocess
import sys
from pathlib import Path

from smells.cli import main
from smells.findings import IDIOMS

FIXTURE = Path(__file__).parents[1] / "data" / "smells" / "all_idioms.py"


def test_text_output(capsys):
    assert main(["scan", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "all_idioms.py:34-34: chain-comparison in fetch_all -> lower < value < upper" in out
    assert "1 of 1 files scanned" in out
    for idiom in IDIOMS:
        assert idiom in out


def test_json_output(capsys, tmp_path):
    (tmp_path / "bad.py").write_text("print 'x'\n")
    assert main(["scan", "--format", "json", str(FIXTURE), str(tmp_path)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["findings"] == len(document["findings"]) == 12
    assert document["summary"]["by_idiom"]["list-comprehension"] == 2
    assert document["summary"]["skipped"]["python2"] == 1
    assert document["skipped"][0]["reason"] == "python2"
    assert set(document["findings"][0]) >= {"path", "line", "end_line", "idiom", "function", "suggestion"}


def test_missing_path_exit_code(capsys, tmp_path):
    assert main(["scan", str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err


def test_piped_run_has_empty_stderr():
    completed = subprocess.run(
        [sys.executable, "-m", "smells.cli", "scan", str(FIXTURE)], capture_output=True, text=True, check=True
    )
    assert completed.stderr == ""
    assert "12 findings" in completed.stdout


def test_lock_with_a_bad_config_names_it(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("smells: {}\n")
    assert main(["lock", str(config), "--out", str(tmp_path / "lock.json")]) == 2
    assert "c.yaml" in capsys.readouterr().err and not (tmp_path / "lock.json").exists()
