"""Provenance records whether the installed packages are the lock file's pins."""

from importlib import metadata
from pathlib import Path

from deba import provenance

REPO = Path(__file__).resolve().parents[2]


def test_lock_state_compares_installed_versions_with_the_pins(tmp_path):
    pytest_version = metadata.version("pytest")
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"pytest=={pytest_version} \\\n    --hash=sha256:00\n    # via deba-repro\n")
    assert provenance.lock_state(lock) == {"file": "requirements.lock", "used": True, "mismatches": []}
    lock.write_text(lock.read_text() + "pytest-not-installed-here==1.0 \\\n    --hash=sha256:00\n")
    state = provenance.lock_state(lock)
    assert state["used"] is False and state["mismatches"] == ["pytest-not-installed-here: installed None, locked 1.0"]
    assert provenance.lock_state(tmp_path / "absent.lock") == {"file": None, "used": None, "mismatches": []}


def test_the_shipped_lock_pins_the_supported_torch():
    text = (REPO / "requirements.lock").read_text()
    assert "\ntorch==2.14.1 \\\n" in text and "\ntorchvision==0.29.1 \\\n" in text and "--hash=sha256:" in text
    assert provenance.LOCK_FILE == REPO / "requirements.lock"
