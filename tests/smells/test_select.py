"""The corpus selection: criteria, rank order, balanced domains, reproducible output, refused downloads.

Offline: a fake index serves release metadata whose file URLs point at wheels built here (file://).
"""
import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from smells import select
from smells.fetch import load_lock

UTC = dt.timezone.utc


def make_wheel(folder: Path, name: str, version: str, *, imports: str = "", lines: int = 40,
               tag: str = "py3-none-any") -> Path:
    module = name.replace("-", "_")
    path = folder / f"{module}-{version}-{tag}.whl"
    body = imports + "".join(f"value_{i} = {i}\n" for i in range(lines))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{module}/__init__.py", body)
        zf.writestr(f"{module}-{version}.dist-info/METADATA", f"Name: {name}\nVersion: {version}\n")
    return path


def release_file(wheel: Path, uploaded: str, *, sha256: str | None = None, yanked: bool = False) -> dict:
    return {"filename": wheel.name, "url": wheel.as_uri(), "yanked": yanked, "upload_time_iso_8601": uploaded,
            "digests": {"sha256": sha256 or hashlib.sha256(wheel.read_bytes()).hexdigest()}}


class FakeIndex:
    def __init__(self, projects):
        self.projects, self.asked = projects, []

    def project(self, name):
        self.asked.append(name)
        if name not in self.projects:
            raise select.CandidateMissing(name)
        releases = {}
        for item in self.projects[name]:  # one file per release here; its version is in the name
            releases.setdefault(item["filename"].split("-")[1], []).append(item)
        return {"releases": releases}


@pytest.fixture
def world(tmp_path):
    """Candidates of two ML domains and one non-ML domain, with one failure of every kind."""
    src = tmp_path / "index"
    src.mkdir()
    ml, recent = "import torch\n", "2024-06-01T00:00:00Z"
    projects = {
        "img-a": [release_file(make_wheel(src, "img-a", "1.0", imports=ml), recent)],
        "img-compiled": [release_file(make_wheel(src, "img-compiled", "1.0", imports=ml,
                                                 tag="cp311-cp311-linux_x86_64"), recent)],
        "img-b": [release_file(make_wheel(src, "img-b", "2.0", imports=ml), recent)],
        "nlp-tiny": [release_file(make_wheel(src, "nlp-tiny", "1.0", imports=ml, lines=2), recent)],
        "nlp-plain": [release_file(make_wheel(src, "nlp-plain", "1.0"), recent)],  # imports no ML library
        "nlp-old": [release_file(make_wheel(src, "nlp-old", "1.0", imports=ml), "2019-01-01T00:00:00Z")],
        "srv-a": [release_file(make_wheel(src, "srv-a", "1.0"), recent)],
        "srv-b": [release_file(make_wheel(src, "srv-b", "3.0"), "2024-01-01T00:00:00Z"),
                  release_file(make_wheel(src, "srv-b", "4.0"), "2027-01-01T00:00:00Z")],  # after the cutoff
        "srv-ml": [release_file(make_wheel(src, "srv-ml", "1.0", imports="import sklearn\n"), recent)],
    }
    candidates = pd.DataFrame([
        ("img-compiled", "image", "ML", 1), ("img-a", "image", "ML", 5), ("img-b", "image", "ML", ""),
        ("nlp-missing", "NLP", "ML", 2), ("nlp-old", "NLP", "ML", 3), ("nlp-tiny", "NLP", "ML", 4),
        ("nlp-plain", "NLP", "ML", 6),
        ("srv-ml", "servers", "non-ML", 1), ("srv-b", "servers", "non-ML", 2), ("srv-a", "servers", "non-ML", 3),
    ], columns=["name", "domain", "expected", "rank"]).assign(source="test")
    candidates.to_csv(tmp_path / "candidates.csv", index=False)
    settings = {
        "candidates": str(tmp_path / "candidates.csv"), "cutoff": "2026-12-01", "max_age_days": 1095,
        "per_group": 2, "min_kloc": 0.01, "max_lines": 10_000,
        "domains": {"ML": ["image", "NLP"], "non-ML": ["servers"]},
        "cache": str(tmp_path / "cache"), "out_config": str(tmp_path / "smells-x.yaml"),
        "out_lock": str(tmp_path / "smells-x.lock.json"), "out_report": str(tmp_path / "smells-x.selection.csv"),
        "corpus": {"name": "pinned-x", "max_lines_per_project": 20000, "max_file_bytes": 2_000_000, "seed": 0},
        "fetch": {"max_total_bytes": 10**7, "max_file_bytes": 10**6, "max_files": 100},
    }
    path = tmp_path / "select.yaml"
    path.write_text(yaml.safe_dump({"smells_select": settings}))
    return {"index": FakeIndex(projects), "settings_path": path, "src": src, "tmp": tmp_path}


def run(world):
    settings = select.load_settings(world["settings_path"])
    candidates = select.load_candidates(settings["candidates"], settings["domains"])
    accepted, evaluated = select.select(candidates, world["index"], settings, log=lambda _: None)
    select.write_outputs(accepted, evaluated, settings, str(world["settings_path"]))
    return settings, accepted, pd.read_csv(settings["out_report"], keep_default_na=False)


def test_each_criterion_rejects_with_its_reason_and_the_next_candidate_replaces(world):
    settings, accepted, report = run(world)
    reasons = dict(zip(report["name"], report["reason"]))
    assert "not pure Python" in reasons["img-compiled"]
    assert reasons["nlp-missing"] == "not on the index"
    assert reasons["nlp-old"].startswith("stale")
    assert reasons["nlp-tiny"].startswith("too small")
    assert "group by imports is non-ML" in reasons["nlp-plain"]
    assert "group by imports is ML (sklearn)" in reasons["srv-ml"]
    # Domains take turns: image's best, then NLP (all rejected), then image's next (unranked img-b last).
    ml = [r["name"] for r in accepted if r["expected"] == "ML"]
    assert ml == ["img-a", "img-b"]
    assert [r["name"] for r in accepted if r["expected"] == "non-ML"] == ["srv-b", "srv-a"]
    lock = load_lock(settings["out_lock"])
    assert lock["srv-b"].version == "3.0"  # the newest release on or before the cutoff, not 4.0
    config = yaml.safe_load(Path(settings["out_config"]).read_text())["smells"]["corpus"]
    assert config["name"] == "pinned-x" and config["lock"] == settings["out_lock"]
    assert [p["name"] for p in config["projects"]] == ["img-a", "img-b", "srv-b", "srv-a"]


def test_rerun_writes_the_same_files_without_downloading_again(world):
    settings, _, _ = run(world)
    first = {k: Path(settings[k]).read_bytes() for k in ("out_config", "out_lock", "out_report")}
    for wheel in world["src"].glob("*.whl"):  # the index's files are gone: only the cache can serve them
        wheel.unlink()
    run(world)
    assert {k: Path(settings[k]).read_bytes() for k in first} == first


def test_a_hash_mismatch_is_named_and_nothing_is_written_but_the_rest_is_kept(world):
    index = world["index"]
    good = index.projects["srv-a"][0]
    index.projects["srv-a"] = [{**good, "digests": {"sha256": "0" * 64}}]
    settings = select.load_settings(world["settings_path"])
    candidates = select.load_candidates(settings["candidates"], settings["domains"])
    with pytest.raises(select.SelectionError, match="srv-a: sha256 mismatch"):
        select.select(candidates, index, settings, log=lambda _: None)
    assert not Path(settings["out_config"]).exists()
    cached = sorted(p.name for p in Path(settings["cache"]).iterdir())
    assert "img_a-1.0-py3-none-any.whl" in cached and not any(n.startswith("srv_a") for n in cached)
    index.projects["srv-a"] = [good]  # fixed upstream: the rerun fetches only srv-a
    asked_before = len(index.asked)
    _, accepted, _ = run(world)
    assert "srv-a" in [r["name"] for r in accepted] and len(index.asked) > asked_before


def test_a_group_that_cannot_be_filled_is_an_error_naming_it(world):
    settings = select.load_settings(world["settings_path"])
    settings["per_group"] = 3
    candidates = select.load_candidates(settings["candidates"], settings["domains"])
    with pytest.raises(select.SelectionError, match="group ML: only 2 of per_group=3"):
        select.select(candidates, world["index"], settings, log=lambda _: None)


def test_pinned_release_skips_prereleases_yanked_and_later_uploads(tmp_path):
    wheel = make_wheel(tmp_path, "p", "1.0")
    releases = {"1.0": [release_file(wheel, "2024-01-01T00:00:00Z")],
                "1.1": [release_file(wheel, "2024-02-01T00:00:00Z", yanked=True)],
                "2.0rc1": [release_file(wheel, "2024-03-01T00:00:00Z")],
                "2.0": [release_file(wheel, "2025-01-01T00:00:00Z")]}
    cutoff = dt.datetime(2024, 12, 31, tzinfo=UTC)
    assert select.pinned_release({"releases": releases}, cutoff).version == "1.0"
    sdist_only = {"3.0": [{**release_file(wheel, "2024-01-01T00:00:00Z"), "filename": "p-3.0.tar.gz"}]}
    assert select.pinned_release({"releases": sdist_only}, cutoff).wheel is None


@pytest.mark.parametrize("row, words", [
    ({"domain": "cooking"}, ["row 2", "cooking", "allowed"]),
    ({"expected": "non-ML"}, ["row 2", "expects 'non-ML'"]),
    ({"rank": "high"}, ["row 2", "rank 'high'"]),
])
def test_bad_candidate_rows_are_named(tmp_path, row, words):
    entry = {"name": "x", "domain": "image", "expected": "ML", "rank": 1, "source": "t", **row}
    path = tmp_path / "c.csv"
    pd.DataFrame([entry]).to_csv(path, index=False)
    with pytest.raises(ValueError) as error:
        select.load_candidates(path, {"ML": ["image"], "non-ML": ["servers"]})
    assert all(w in str(error.value) for w in words) and "c.csv" in str(error.value)


@pytest.mark.parametrize("change, words", [
    ({"per_group": 0}, ["smells_select.per_group = 0", "minimum"]),
    ({"cutoff": "2026-13-01"}, ["smells_select.cutoff = '2026-13-01'", "date"]),
    ({"max_lines": True}, ["smells_select.max_lines = True", "integer"]),
    ({"colour": "blue"}, ["colour", "not allowed"]),
    ({"domains": {"ML": ["image"]}}, ["smells_select.domains", "'non-ML' is a required property"]),
    ({"fetch": {"max_total_bytes": 10, "max_file_bytes": 10, "max_files": 0}},
     ["smells_select.fetch.max_files = 0", "minimum"]),
    ({"corpus": {"name": "x", "max_lines_per_project": 1, "max_file_bytes": 1, "seed": "zero"}},
     ["smells_select.corpus.seed = 'zero'", "integer"]),
])
def test_settings_name_the_bad_key(world, change, words):
    document = yaml.safe_load(world["settings_path"].read_text())
    document["smells_select"].update(change)
    world["settings_path"].write_text(yaml.safe_dump(document))
    with pytest.raises(ValueError) as error:
        select.load_settings(world["settings_path"])
    assert all(word in str(error.value) for word in words), str(error.value)


def test_the_repository_candidate_file_and_settings_are_valid():
    root = Path(__file__).parents[2]
    settings = select.load_settings(root / "config" / "smells-select.yaml")
    candidates = select.load_candidates(root / settings["candidates"], settings["domains"])
    assert set(candidates["domain"]) == {d for names in settings["domains"].values() for d in names}
