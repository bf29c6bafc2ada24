"""How the workflow's jobs get their software: a clean `snakemake --lint`, a conda environment that lists
exactly the project's runtime dependencies, and jobs that import this checkout's src/."""

from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, ResourceSettings

from .conftest import REPO, SNAKEFILE, copy_workflow, snakemake

ENV_FILE = REPO / "workflow" / "envs" / "deba.yaml"


def test_lint_finds_nothing_on_the_default_config(tmp_path):
    workdir = copy_workflow(tmp_path / "lint")
    result = snakemake(workdir, "--lint", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Lints for" not in output, output


def test_conda_env_pip_section_is_exactly_the_runtime_dependencies():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load(ENV_FILE.read_text())
    assert env["channels"][0] == "conda-forge"
    conda_packages = [entry for entry in env["dependencies"] if isinstance(entry, str)]
    pip_sections = [entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict)]
    assert "pip" in conda_packages and len(pip_sections) == 1
    assert sorted(pip_sections[0]) == sorted(project["dependencies"])
    python_pin = next(entry for entry in conda_packages if entry.startswith("python="))
    assert SpecifierSet(project["requires-python"]).contains(python_pin.removeprefix("python="))


def test_every_rule_with_a_job_uses_the_env_file(tmp_path):
    workdir = copy_workflow(tmp_path / "env")
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=workdir / SNAKEFILE,
                                workdir=workdir)._workflow
        # Rules without a job (all, figures, paper) need no software; every other rule must name the file.
        envs = {rule.name: rule.conda_env and Path(rule.basedir.join(rule.conda_env).get_path_or_uri(
                    secret_free=True)).resolve() for rule in workflow.rules if rule.shellcmd or rule.script}
    assert envs and set(envs.values()) == {(workdir / "workflow" / "envs" / "deba.yaml").resolve()}, envs
    assert (workdir / "workflow" / "envs" / "deba.yaml").is_file()

PROBE_RULE = '''
rule import_probe:
    output:
        "probe.txt",
    script:
        "../scripts/import_probe.py"
'''

PROBE_SCRIPT = '''
import os
import deba

with open(snakemake.output[0], "w") as out:
    out.write(deba.__file__ + "\\n" + os.environ["PYTHONPATH"])
'''


def test_a_job_imports_the_workflows_own_src(tmp_path):
    # The copy's src/ is a link, so a module imported through it keeps the copy's path in __file__; one
    # imported from an installed copy of the project (editable or not) would not.
    workdir = copy_workflow(tmp_path / "probe")
    (workdir / "workflow" / "rules" / "probe.smk").write_text(PROBE_RULE)
    (workdir / "workflow" / "scripts" / "import_probe.py").write_text(PROBE_SCRIPT)
    with (workdir / SNAKEFILE).open("a") as snakefile:
        snakefile.write('\ninclude: "rules/probe.smk"\n')
    snakemake(workdir, "--cores", "1", "probe.txt")
    module_file, pythonpath = (workdir / "probe.txt").read_text().splitlines()
    assert module_file == str(workdir / "src" / "deba" / "__init__.py")
    assert pythonpath.split(":")[0] == str(workdir / "src")
