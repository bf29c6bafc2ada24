"""What every test shares: no test waits for a SLURM controller.

The SLURM executor plugin (a dependency, for profiles/slurm) runs `scontrol show config` whenever Snakemake
loads its plugins: in every `snakemake` process the tests start and at the first import of Snakemake's API.
Where SLURM's client is installed but no controller answers (CI installs one for its cluster test, which runs
after the suite) each of those waits for the plugin's own 10 s timeout, and it only decides a help text. No test
here talks to a controller (tests/cluster/slurm_single_node.sh does, outside pytest), so for the whole session an
`scontrol` that fails at once comes first on PATH, as on a machine without SLURM.
"""

import os
import shutil
import tempfile
from pathlib import Path

_STUB_DIR = None


def pytest_configure(config):
    """Before collection, so that a test module importing Snakemake's API does not wait either."""
    global _STUB_DIR
    if shutil.which("scontrol") is None:
        return
    _STUB_DIR = Path(tempfile.mkdtemp(prefix="no-slurm-controller-"))
    stub = _STUB_DIR / "scontrol"
    stub.write_text("#!/bin/sh\necho 'scontrol: no SLURM controller in the test suite' >&2\nexit 1\n")
    stub.chmod(0o755)
    os.environ["PATH"] = os.pathsep.join([str(_STUB_DIR), os.environ.get("PATH", "")])


def pytest_unconfigure(config):
    if _STUB_DIR is not None:
        shutil.rmtree(_STUB_DIR, ignore_errors=True)
