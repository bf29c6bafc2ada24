"""KLOC counting with tokenize, scope attribution, test/doc exclusion, the line cap, installed-package corpus."""
import ast
import textwrap

from smells.corpus import Project, installed_projects, is_test_or_doc, select_files
from smells.detector import detect
from smells.kloc import assign_lines_to_scopes, code_lines

SOURCE = textwrap.dedent('''\
    """Module docstring: not code."""
    # a comment

    import os  # trailing comment: still code

    def f(x):
        """Docstring."""
        total = (x +
                 1)
        text = """multi
    line"""
        return total, text


    class C:
        y = 1
''')


def test_code_lines_skip_blanks_comments_and_docstrings():
    assert sorted(code_lines(SOURCE)) == [4, 6, 8, 9, 10, 11, 12, 15, 16]


def test_scope_attribution_is_innermost_and_complete():
    _, scopes, _ = detect(ast.parse(SOURCE), "m.py")
    lines = code_lines(SOURCE)
    assign_lines_to_scopes(lines, scopes)
    owned = {s.name: s.code_lines for s in scopes}
    assert owned == {"<module>": 1, "f": 6, "C": 2}
    assert sum(owned.values()) == len(lines)


def test_tests_and_docs_are_excluded():
    assert is_test_or_doc("pkg/tests/test_a.py")
    assert is_test_or_doc("pkg/testing/util.py")
    assert is_test_or_doc("docs/conf.py")
    assert is_test_or_doc("pkg/test_x.py") and is_test_or_doc("pkg/x_test.py") and is_test_or_doc("conftest.py")
    assert not is_test_or_doc("pkg/attestation.py")
    assert not is_test_or_doc("pkg/contest/core.py")


def _project(tmp_path, sizes):
    files = []
    for index, size in enumerate(sizes):
        name = f"pkg/m{index}.py"
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("x = 1\n" * size)
        files.append(name)
    (tmp_path / "pkg" / "tests").mkdir()
    (tmp_path / "pkg" / "tests" / "t.py").write_text("x = 1\n")
    return Project("demo", "1", tmp_path, files + ["pkg/tests/t.py"])


def test_select_files_caps_lines_deterministically(tmp_path):
    project = _project(tmp_path, [100] * 10)
    chosen, total = select_files(project, 350, seed=0)
    assert total == 1000 and len(chosen) == 3
    assert chosen == select_files(project, 350, seed=0)[0]
    assert "pkg/tests/t.py" not in chosen
    everything, _ = select_files(project, 0, seed=0)
    assert len(everything) == 10
    assert chosen != select_files(project, 350, seed=1)[0] or chosen != select_files(project, 350, seed=2)[0]


def test_installed_projects_from_a_fake_site_packages(tmp_path):
    site = tmp_path / "site"
    (site / "alpha").mkdir(parents=True)
    (site / "alpha" / "__init__.py").write_text("import torch\n")
    info = site / "alpha-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: alpha\nVersion: 1.2\n"
                                   "Classifier: Topic :: Scientific/Engineering :: Artificial Intelligence\n")
    (info / "RECORD").write_text("alpha/__init__.py,,\nalpha-1.2.dist-info/METADATA,,\n../../bin/alpha,,\n")
    skipped = site / "beta-0.1.dist-info"
    skipped.mkdir()
    (skipped / "METADATA").write_text("Metadata-Version: 2.1\nName: beta\nVersion: 0.1\n")
    (skipped / "RECORD").write_text("beta.py,,\n")
    (site / "beta.py").write_text("x = 1\n")
    projects = installed_projects(site, exclude=["Beta"])
    assert [(p.name, p.version, p.files, p.top_levels) for p in projects] == [
        ("alpha", "1.2", ["alpha/__init__.py"], {"alpha"})]
    assert projects[0].classifiers == ["Topic :: Scientific/Engineering :: Artificial Intelligence"]


def test_missing_site_packages_is_a_clear_error(tmp_path):
    import pytest

    with pytest.raises(FileNotFoundError, match="nowhere"):
        installed_projects(tmp_path / "nowhere")


def test_scan_corpus_rows(tmp_path):
    from smells.study import scan_corpus

    (tmp_path / "mlpkg").mkdir()
    train = "import torch\n\ndef fit(xs):\n    a = 1\n    b = 2\n    return a, b\n"
    (tmp_path / "mlpkg" / "train.py").write_text(train)
    (tmp_path / "mlpkg" / "old.py").write_text("print 'py2'\n")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "app.py").write_text("import flask\nif x == []:\n    pass\n")
    projects = [Project("mlpkg", "1", tmp_path, ["mlpkg/train.py", "mlpkg/old.py"]),
                Project("web", "2", tmp_path, ["web/app.py"])]
    summary, findings, scopes, skips = scan_corpus(projects, max_lines=0, seed=0, max_bytes=10_000, workers=2)
    rows = summary.set_index("project")
    assert rows.loc["mlpkg", "group"] == "ML" and rows.loc["web", "group"] == "non-ML"
    assert rows.loc["mlpkg", "ml_imports"] == "torch"
    assert rows.loc["mlpkg", "kloc"] == 0.005 and rows.loc["web", "kloc"] == 0.003
    assert rows.loc["mlpkg", "n_assign-multiple-targets"] == 1 and rows.loc["web", "n_truth-value-test"] == 1
    assert rows.loc["mlpkg", "skipped_python2"] == 1 and skips["path"].tolist() == ["mlpkg/old.py"]
    assert findings["project"].tolist() == ["mlpkg", "web"]
    assert scopes.groupby("project")["code_lines"].sum().to_dict() == {"mlpkg": 5, "web": 3}
