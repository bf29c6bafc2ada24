"""The smells rules: the config schema rejects bad input by name, and the DAG parses with and without extras."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "smells.schema.yaml"


def validated(block):
    from snakemake.utils import validate

    config = {"smells": block}
    validate(config["smells"], str(SCHEMA))
    return config["smells"]


def test_defaults_fill_every_key():
    smells = validated({})
    assert smells["corpus"]["source"] == "installed"
    assert smells["corpus"]["max_lines_per_project"] == 20000
    assert smells["ridiom"]["max_files"] == 150 and smells["microbench"]["repeats"] == 7


def test_every_schema_key_has_a_description_and_a_default():
    def walk(node, path):
        for key, spec in node.get("properties", {}).items():
            assert "description" in spec, f"{path}.{key} has no description"
            if path.count(".") < 2 and key not in ("name",):
                assert "default" in spec, f"{path}.{key} has no default"
            walk(spec, f"{path}.{key}")

    walk(yaml.safe_load(SCHEMA.read_text()), "smells")


@pytest.mark.parametrize(
    "block, words",
    [
        ({"corpus": {"source": "github"}}, ["github", "installed", "pinned"]),
        ({"corpus": {"max_lines_per_project": -1}}, ["-1", "minimum"]),
        ({"bootstrap_resample": 100}, ["bootstrap_resample"]),
        ({"microbench": {"repeats": "many"}}, ["many", "integer"]),
    ],
)
def test_bad_config_is_refused_naming_the_value(block, words):
    from snakemake.exceptions import WorkflowError

    with pytest.raises(WorkflowError) as error:
        validated(block)
    for word in words:
        assert word in str(error.value)


def _dry_run(tmp_path, extra_config=""):
    snakefile = tmp_path / "Snakefile"
    config = tmp_path / "config.yaml"
    config.write_text("smells:\n  corpus:\n    source: installed\n" + extra_config)
    # DEBA_ENV (the conda environment every rule file names) and script_code (each rule's code digest) are
    # defined for the rule files by common.smk, which needs the DEBA grid; these are the same definitions.
    snakefile.write_text(f'configfile: "{config}"\nDEBA_ENV = "../envs/deba.yaml"\n'
                         f'import sys\nsys.path.insert(0, "{ROOT}/src")\n'
                         'from paperkit.closure import closure_digest\n'
                         f'def script_code(script):\n'
                         f'    return closure_digest("{ROOT}/workflow/scripts/" + script, src="{ROOT}/src")\n'
                         f'include: "{ROOT}/workflow/rules/smells.smk"\n'
                         "rule all:\n    input: SMELLS_TARGETS\n")
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(snakefile), "-d", str(ROOT), "-n", "--nolock", "--quiet",
         "rules", "--forceall"],
        capture_output=True, text=True, timeout=120,
    )


def test_dry_run_lists_every_stage(tmp_path):
    completed = _dry_run(tmp_path)
    assert completed.returncode == 0, completed.stderr + completed.stdout
    out = completed.stdout + completed.stderr
    for rule in ("smells_corpus", "smells_scan", "smells_stages", "smells_statistics", "smells_microbench",
                 "smells_self_scan", "smells_figure", "smells_table", "smells_macros"):
        assert rule in out


def test_dry_run_reports_bad_key(tmp_path):
    completed = _dry_run(tmp_path, "  colour: blue\n")
    assert completed.returncode != 0
    assert "colour" in completed.stdout + completed.stderr


def test_python_files_lists_every_module_sorted(tmp_path):
    from smells.rules import python_files

    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "mod.py"
    module.write_text("x = 1\n")
    (tmp_path / "pkg" / "notes.txt").write_text("")
    assert python_files([str(tmp_path)]) == [str(module)]


def test_installed_fingerprint_changes_with_versions(tmp_path):
    from smells.rules import installed_fingerprint

    info = tmp_path / "alpha-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\n")
    before = installed_fingerprint(str(tmp_path))
    assert installed_fingerprint(str(tmp_path)) == before
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: alpha\nVersion: 1.1\n")
    assert installed_fingerprint(str(tmp_path)) != before
