"""paperkit.closure: the project modules a script imports, found by reading its source, and their digest."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from deba import provenance
from deba.config_schema import rules_digest
from paperkit.closure import closure_digest, module_closure

REPO = Path(__file__).resolve().parents[2]
SRC, SCRIPTS = REPO / "src", REPO / "workflow" / "scripts"


@pytest.fixture()
def project(tmp_path):
    """src/app/{__init__,core,draw,unused}.py and src/app/sub/{__init__,deep}.py, and a script using them."""
    src = tmp_path / "src"
    files = {
        "app/__init__.py": "",
        "app/core.py": "import json\nfrom .sub import deep\nVALUE = 1\n",
        "app/draw.py": "def plot():\n    from app import core  # lazy\n    import numpy\n",
        "app/unused.py": "X = 1\n",
        "app/sub/__init__.py": "from .. import core  # noqa\n",
        "app/sub/deep.py": "from app.core import VALUE  # a name, not a module\n",
    }
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    script = tmp_path / "script.py"
    script.write_text("import os\nfrom app import draw\n")
    return src, script


def test_closure_follows_lazy_relative_and_package_imports(project):
    src, script = project
    assert list(module_closure([script], src)) == ["app", "app.core", "app.draw", "app.sub", "app.sub.deep"]
    assert list(module_closure(["app.sub.deep"], src)) == ["app", "app.core", "app.sub", "app.sub.deep"]


def test_digest_changes_with_a_module_in_the_closure_only(project):
    src, script = project
    before = closure_digest(script, src=src)
    (src / "app" / "unused.py").write_text("X = 2\n")
    assert closure_digest(script, src=src) == before
    (src / "app" / "sub" / "deep.py").write_text("# edited\n")
    assert closure_digest(script, src=src) != before
    assert len(before) == 16


def test_a_missing_project_module_names_the_importer(project):
    src, script = project
    script.write_text("import app.nowhere\n")
    with pytest.raises(ModuleNotFoundError, match=r"script.py imports 'app.nowhere'"):
        module_closure([script], src)


def test_the_workflow_scripts_closures_hold_what_they_run():
    figure = module_closure([SCRIPTS / "analysis_figure.py"], SRC)
    # figures.py imports these (paperkit.latex lazily); the hand-listed digest of old missed them
    assert {"deba.analysis.figures", "deba.analysis.hardware", "paperkit.latex", "paperkit.style"} <= set(figure)
    assert "deba.analysis.predictive" in module_closure([SCRIPTS / "analysis_macros.py"], SRC)
    assert "deba.throughput" in module_closure([SCRIPTS / "measure_throughput.py"], SRC)
    training = module_closure([SCRIPTS / "train_run.py"], SRC)
    assert {"deba.grid", "deba.train", "deba.schedulers", "deba.config"} <= set(training)
    assert not {"deba.analysis", "deba.cli"} & set(training)
    # every change of the recorded code version reruns the train rule: its closure is contained in the job's
    assert set(module_closure(["deba.train"], SRC)) <= set(training)
    # the code version is that closure's digest with the schema's rules (the defaults training reads)
    assert "deba.config_schema" in set(module_closure(["deba.train"], SRC))
    assert provenance.code_version() == hashlib.sha256(
        f"{closure_digest('deba.train', src=SRC)}:{rules_digest()}".encode()).hexdigest()[:16]
    # aggregation holds none of the statistics, so editing a verdict rule reruns statistics, not aggregation
    aggregate = set(module_closure([SCRIPTS / "analysis_aggregate.py"], SRC))
    assert "deba.analysis.aggregation" in aggregate
    assert not {"deba.analysis.claims", "deba.analysis.comparisons", "deba.analysis.pipeline"} & aggregate


def test_computing_digests_imports_nothing_heavy():
    code = ("import sys, glob\nfrom paperkit.closure import closure_digest\n"
            f"[closure_digest(path, src={str(SRC)!r}) for path in glob.glob({str(SCRIPTS / '*.py')!r})]\n"
            "heavy = [m for m in ('torch', 'pandas', 'numpy', 'matplotlib') if m in sys.modules]\n"
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)
