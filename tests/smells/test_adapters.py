"""The logic behind the smells rules' adapters: ruff's table, the RIdiom sample, fetching, summaries, scale."""
import hashlib
import json
import zipfile

import pandas as pd
import pytest

from smells import ridiom
from smells.corpus import Project, load_projects, write_manifest
from smells.fetch import FetchError, LockEntry, fetch_corpus
from smells.report import scale_rows
from smells.ruffcheck import perf_table
from smells.scan import scan_source, summarize

CAPS = dict(max_total_bytes=10**6, max_file_bytes=10**5, max_files=50)


def test_perf_table_normalises_by_group_kloc_and_counts_rows_inside_our_spans():
    projects = pd.DataFrame({"project": ["m", "n"], "group": ["ML", "non-ML"], "kloc": [2.0, 4.0]})
    found = pd.DataFrame({"project": ["m", "m", "n", "n"], "path": ["a.py", "a.py", "b.py", "b.py"],
                          "code": ["PERF401", "PERF401", "PERF401", "PERF203"], "row": [5, 20, 7, 9]})
    ours = pd.DataFrame({"project": ["m", "m", "n"], "path": ["a.py", "a.py", "c.py"],
                         "idiom": ["list-comprehension", "list-comprehension", "list-comprehension"],
                         "line": [3, 4, 6], "end_line": [6, 5, 8]})
    table = perf_table(found, projects, ours).set_index("rule")
    assert table.loc["PERF401", "ML"] == 2 and table.loc["PERF401", "non-ML"] == 1
    assert table.loc["PERF401", "ML per KLOC"] == 1.0 and table.loc["PERF401", "non-ML per KLOC"] == 0.25
    # row 5 of a.py lies in two of our spans but counts once; row 20 in none; n's span is in another file.
    assert table.loc["PERF401", "inside our finding"] == pytest.approx(1 / 3)
    assert pd.isna(table.loc["PERF203", "inside our finding"])


class FakeWorker:
    """RIdiom's answers by file content: a timeout for files containing 'slow'."""

    def __init__(self):
        self.sources = []

    def findings(self, source, timeout_s):
        self.sources.append(source)
        if "slow" in source:
            return None
        return [("assign-multiple-targets", 2, 3)]


def test_cross_check_compares_a_seeded_sample_within_ridiom_spans(tmp_path):
    files = {f"m{i}.py": "def f():\n    a = 1\n    b = 2\n    return a + b\nc = 1\nd = 2\n" for i in range(6)}
    files["slow.py"] = "slow = 1\n"
    files["bad.py"] = "def (:\n"
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    project = Project("p", "1", tmp_path, sorted(files))
    kwargs = dict(max_lines=0, seed=3, max_bytes=10**6, timeout_s=1, log=lambda _: None)
    worker = FakeWorker()
    table = ridiom.cross_check([project], worker, max_files=10, **kwargs).set_index("idiom")
    assert table["files"].iloc[0] == 6 and table["timeouts"].iloc[0] == 1
    # The module-level c/d run is outside RIdiom's spans: only the def's a/b is compared, and matches.
    row = table.loc["assign-multiple-targets"]
    assert (row["both"], row["ours only"], row["RIdiom only"]) == (6, 0, 0)
    capped = ridiom.cross_check([project], FakeWorker(), max_files=2, **kwargs)
    assert capped["files"].iloc[0] == 2


def wheel(path, name):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}/__init__.py", "x = 1\n")
        zf.writestr(f"{name}-1.dist-info/METADATA", f"Name: {name}\nVersion: 1\n")
    return path


def entry(name, path, sha=None):
    return LockEntry(name, "1", path.name, sha or hashlib.sha256(path.read_bytes()).hexdigest(), path.as_uri())


def test_fetch_corpus_names_every_failure_keeps_the_rest_and_refetches_only_what_is_missing(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good, bad = wheel(src / "good-1-py3-none-any.whl", "good"), wheel(src / "bad-1-py3-none-any.whl", "bad")
    lock = {"good": entry("good", good), "bad": entry("bad", bad, sha="0" * 64),
            "gone": LockEntry("gone", "1", "gone-1-py3-none-any.whl", "1" * 64, (src / "nothing.whl").as_uri())}
    wheels, extracted = tmp_path / "wheels", tmp_path / "extracted"
    with pytest.raises(FetchError) as error:
        fetch_corpus(lock, ["bad", "good", "gone"], wheels, extracted, log=lambda _: None, **CAPS)
    message = str(error.value)
    assert "2 of 3" in message and "bad: sha256 mismatch" in message and "gone:" in message
    assert (extracted / "good" / "good" / "__init__.py").exists()
    assert sorted(p.name for p in wheels.iterdir()) == ["good-1-py3-none-any.whl"]  # no partial files
    good.unlink()  # the verified copy is reused: a rerun does not ask for it again
    lock["bad"] = entry("bad", bad)
    lock.pop("gone")
    folders = fetch_corpus(lock, ["bad", "good"], wheels, extracted, log=lambda _: None, **CAPS)
    assert [f.name for f in folders] == ["bad", "good"]


def test_write_manifest_of_a_pinned_corpus(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    w = wheel(src / "one-1-py3-none-any.whl", "one")
    lock_path = tmp_path / "lock.json"
    pin = {"version": "1", "filename": w.name, "sha256": hashlib.sha256(w.read_bytes()).hexdigest(), "url": w.as_uri()}
    lock_path.write_text(json.dumps({"projects": {"one": pin}}))
    corpus = {"source": "pinned", "lock": str(lock_path), "projects": [{"name": "one", "domain": "servers"}]}
    write_manifest(corpus, CAPS, tmp_path / "run" / "corpus.json", tmp_path / "wheels")
    [project] = load_projects(tmp_path / "run" / "corpus.json")
    assert project.name == "one" and project.files == ["one/__init__.py"]
    with pytest.raises(ValueError, match=r"\['two'\] not in the lock file"):
        write_manifest({**corpus, "projects": [{"name": "two"}]}, CAPS, tmp_path / "run2" / "c.json", tmp_path)


def test_summarize_counts_every_idiom_and_skip_reason():
    results = [scan_source("a = 1\nb = 2\n", "a.py"), scan_source("def (:\n", "b.py")]
    summary = summarize(results)
    assert summary["files"] == 2 and summary["files_scanned"] == 1 and summary["findings"] == 1
    assert summary["by_idiom"]["assign-multiple-targets"] == 1 and summary["by_idiom"]["for-else"] == 0
    assert summary["skipped"]["syntax-error"] == 1


def test_scale_rows_reads_each_study_and_names_a_missing_file(tmp_path):
    from smells.analysis import TOTAL, TOTAL_WITHOUT

    folder = tmp_path / "study"
    folder.mkdir()
    pd.DataFrame({"project": ["a", "b"], "kloc": [1.5, 2.5]}).to_csv(folder / "projects.csv", index=False)
    pd.DataFrame([{"measure": m, "median_ml": 3.0, "median_non_ml": 2.0, "delta": 0.2, "delta_low": 0.1,
                   "delta_high": 0.3, "p_holm": 0.04} for m in (TOTAL, TOTAL_WITHOUT)]).to_csv(
        folder / "comparison.csv", index=False)
    (folder / "tests.json").write_text(json.dumps({"power": {"n_ml": 1, "n_non_ml": 1, "delta": 0.9}}))
    [row] = scale_rows({"x": folder}).to_dict("records")
    assert row["KLOC"] == 4.0 and row["ML"] == 1 and row["detectable |delta|"] == 0.9
    assert row["total: delta [95% CI]"] == "0.20 [0.10, 0.30]" and row["total: p (Holm)"] == "0.040"
    (folder / "tests.json").unlink()
    with pytest.raises(FileNotFoundError, match="tests.json"):
        scale_rows({"x": folder})


def test_record_copies_the_tables_and_says_how_they_were_made(tmp_path):
    from smells.record import record

    run = tmp_path / "run"
    run.mkdir()
    for name in ("projects.csv", "comparison.csv", "tests.json", "ruff.csv", "findings.csv"):
        (run / name).write_text("x\n")
    (run / "tests.json").rename(run / "t.json")
    with pytest.raises(FileNotFoundError, match="tests.json"):
        record(run, tmp_path / "rec", command="c", wall="1 s")
    (run / "t.json").rename(run / "tests.json")
    copied = record(run, tmp_path / "rec", command="snakemake smells", wall="3 min")
    assert copied == ["projects.csv", "comparison.csv", "tests.json", "ruff.csv"]  # never the bulk tables
    readme = (tmp_path / "rec" / "README.md").read_text()
    assert "`snakemake smells`" in readme and "3 min" in readme and "code version" in readme


def test_stage_study_joins_findings_to_their_scope_stage_for_ml_projects_only():
    from smells.analysis import stage_study

    projects = pd.DataFrame({"project": ["m", "n"], "group": ["ML", "non-ML"]})
    scopes = pd.DataFrame({"project": ["m", "m", "n"], "path": ["data/load.py", "train.py", "x.py"],
                           "scope_id": [0, 0, 0], "name": ["load_dataset", "fit", "f"], "class_name": ["", "", ""],
                           "calls": ["read_csv", "backward", ""], "code_lines": [100, 300, 50]})
    findings = pd.DataFrame({"project": ["m", "m", "n"], "path": ["data/load.py", "data/load.py", "x.py"],
                             "scope_id": [0, 0, 0], "idiom": ["for-else", "for-else", "for-else"]})
    labels = pd.DataFrame({"function": ["load_data"], "class_name": [""], "path": ["data.py"], "calls": [""],
                           "stage": ["data processing"], "split": ["held-out"]})
    study = stage_study(projects, scopes, findings, labels, n_resamples=100, seed=0)
    table = study["table"].set_index("stage")
    assert table.loc["data processing", "findings"] == 2 and table.loc["data processing", "code_lines"] == 100
    assert table.loc["model training", "findings"] == 0 and table["code_lines"].sum() == 400  # n left out
    assert study["accuracy"]["held_out"]["n"] == 1
