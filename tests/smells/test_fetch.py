"""Safe extraction refuses hostile archives; a hash mismatch is refused with a clear error; locks are checked."""
import io
import json
import stat
import zipfile

import pytest

from smells.fetch import (
    HashMismatchError,
    LockEntry,
    UnsafeArchiveError,
    download_wheel,
    load_lock,
    safe_extract,
    sha256_of,
    verify_hash,
)

CAPS = dict(max_total_bytes=10_000, max_file_bytes=5_000, max_files=10)


def make_zip(path, members):
    """members: list of (name, data) or (ZipInfo, data)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_extracts_a_normal_wheel(tmp_path):
    members = [("pkg/__init__.py", "x = 1\n"), ("pkg-1.dist-info/METADATA", "Name: pkg\n")]
    archive = make_zip(tmp_path / "ok.whl", members)
    target = safe_extract(archive, tmp_path / "out", **CAPS)
    assert (target / "pkg" / "__init__.py").read_text() == "x = 1\n"


@pytest.mark.parametrize("name", ["../evil.py", "pkg/../../evil.py", "/etc/evil.py", "C:/evil.py", "pkg\\..\\evil.py"])
def test_path_escape_is_refused(tmp_path, name):
    archive = make_zip(tmp_path / "bad.whl", [("pkg/a.py", "a"), (name, "evil")])
    with pytest.raises(UnsafeArchiveError, match="bad.whl"):
        safe_extract(archive, tmp_path / "out", **CAPS)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.py").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.whl"]  # no staging folder left behind


def test_symlink_member_is_refused(tmp_path):
    info = zipfile.ZipInfo("pkg/link.py")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(tmp_path / "link.whl", [(info, "/etc/passwd")])
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        safe_extract(archive, tmp_path / "out", **CAPS)


def test_oversize_member_is_refused(tmp_path):
    archive = make_zip(tmp_path / "big.whl", [("pkg/big.py", "x" * 6_000)])
    with pytest.raises(UnsafeArchiveError, match="max_file_bytes"):
        safe_extract(archive, tmp_path / "out", **CAPS)


def test_total_size_cap(tmp_path):
    archive = make_zip(tmp_path / "many.whl", [(f"pkg/m{i}.py", "x" * 4_000) for i in range(3)])
    with pytest.raises(UnsafeArchiveError, match="max_total_bytes"):
        safe_extract(archive, tmp_path / "out", **CAPS)


def test_lying_declared_size_is_caught_while_inflating(tmp_path):
    # A zip bomb may declare a small size; the cap is enforced on the bytes actually decompressed.
    archive = tmp_path / "bomb.whl"
    make_zip(archive, [("pkg/bomb.py", b"\0" * 8_000)])
    data = bytearray(archive.read_bytes())
    # Patch the uncompressed size (central directory and local header) to claim 10 bytes.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.infolist()[0]
    for offset in (data.find(b"PK\x03\x04") + 22, data.find(b"PK\x01\x02") + 24):
        data[offset:offset + 4] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    assert info.file_size == 8_000
    with pytest.raises((UnsafeArchiveError, zipfile.BadZipFile)):
        safe_extract(archive, tmp_path / "out", **CAPS)
    assert not (tmp_path / "out").exists()


def test_too_many_members(tmp_path):
    archive = make_zip(tmp_path / "n.whl", [(f"pkg/m{i}.py", "x") for i in range(11)])
    with pytest.raises(UnsafeArchiveError, match="max_files=10"):
        safe_extract(archive, tmp_path / "out", **CAPS)


def test_existing_target_is_not_overwritten(tmp_path):
    archive = make_zip(tmp_path / "ok.whl", [("a.py", "a")])
    (tmp_path / "out").mkdir()
    with pytest.raises(FileExistsError):
        safe_extract(archive, tmp_path / "out", **CAPS)


def test_hash_mismatch_is_refused_with_a_clear_error(tmp_path):
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not what was locked")
    expected = "0" * 64
    with pytest.raises(HashMismatchError) as error:
        verify_hash(wheel, expected)
    message = str(error.value)
    assert wheel.name in message and expected in message and sha256_of(wheel) in message


def test_download_refuses_cached_file_with_wrong_hash(tmp_path):
    # A file already in the cache is verified too: no download is attempted, the mismatch is reported.
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(b"tampered")
    with pytest.raises(HashMismatchError, match="pkg-1.0-py3-none-any.whl"):
        download_wheel(LockEntry("pkg", "1.0", wheel.name, "a" * 64), tmp_path)
    ok = LockEntry("pkg", "1.0", wheel.name, sha256_of(wheel))
    assert download_wheel(ok, tmp_path) == wheel


@pytest.mark.parametrize(
    "pin, message",
    [
        ({"version": "1", "filename": "p-1.whl"}, "sha256"),
        ({"version": "1", "filename": "p-1.whl", "sha256": "xyz"}, "64 hex digits"),
        ({"version": "1", "filename": "p-1.tar.gz", "sha256": "a" * 64}, "only wheels"),
    ],
)
def test_bad_lock_entries_name_project_and_key(tmp_path, pin, message):
    lock = tmp_path / "lock.json"
    lock.write_text(json.dumps({"projects": {"p": pin}}))
    with pytest.raises(ValueError, match=message) as error:
        load_lock(lock)
    assert "'p'" in str(error.value) and str(lock) in str(error.value)


def test_committed_lock_file_is_valid_and_covers_the_pinned_config():
    from pathlib import Path

    import yaml

    root = Path(__file__).parents[2]
    lock = load_lock(root / "config" / "smells.lock.json")
    config = yaml.safe_load((root / "config" / "smells.yaml").read_text())["smells"]["corpus"]
    names = [p["name"] for p in config["projects"]]
    assert set(names) <= set(lock)
    groups = [p["expected"] for p in config["projects"]]
    assert groups.count("ML") >= 20 and groups.count("non-ML") >= 20
    assert all(entry.filename.endswith("-none-any.whl") for entry in lock.values())


def test_special_file_member_is_refused(tmp_path):
    info = zipfile.ZipInfo("pkg/fifo")
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    archive = make_zip(tmp_path / "fifo.whl", [(info, "")])
    with pytest.raises(UnsafeArchiveError, match="not a regular file"):
        safe_extract(archive, tmp_path / "out", **CAPS)


def test_extracted_wheel_becomes_a_project(tmp_path):
    from smells.corpus import extracted_projects

    archive = make_zip(tmp_path / "demo-2.0-py3-none-any.whl", [
        ("demo/__init__.py", "import torch\n"),
        ("demo/tests/test_x.py", "x = 1\n"),
        ("demo-2.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 2.0\n"
                                        "Classifier: Topic :: Scientific/Engineering :: Artificial Intelligence\n"),
    ])
    safe_extract(archive, tmp_path / "extracted" / "demo", **CAPS)
    [project] = extracted_projects(tmp_path / "extracted", ["demo"])
    assert (project.name, project.version) == ("demo", "2.0")
    assert project.files == ["demo/__init__.py", "demo/tests/test_x.py"]
    assert project.classifiers == ["Topic :: Scientific/Engineering :: Artificial Intelligence"]
    with pytest.raises(FileNotFoundError, match="'other' was not fetched"):
        extracted_projects(tmp_path / "extracted", ["other"])
