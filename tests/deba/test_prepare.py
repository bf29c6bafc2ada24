"""CIFAR prepared once under data_root (deba.prepare, the workflow's rule prepare_data): from an archive or a
folder copy in either layout, or by torchvision's download; training jobs then never download."""

import shutil
import tarfile

import pytest

import deba.data
from deba.config import TrainConfig
from deba.data import CIFAR_CLASSES, DataError
from deba.prepare import PREPARED_DATASETS, prepare
from deba.train import Trainer

from .test_data import write_image_folders, write_tiny_cifar


def test_the_prepared_datasets_are_those_read_from_data_root():
    assert set(PREPARED_DATASETS) == set(CIFAR_CLASSES)


@pytest.mark.parametrize("archive_format", ["gztar", "zip"])
def test_an_archive_of_image_folders_is_unpacked_into_data_root_once(tmp_path, archive_format, monkeypatch):
    # the CIFAR-10 JPEG tarball's layout, here one folder down (as many archives have it)
    write_image_folders(tmp_path / "copy" / "cifar10")
    archive = shutil.make_archive(str(tmp_path / "cifar10-images"), archive_format, tmp_path / "copy")
    root = tmp_path / "data"
    manifest = prepare("cifar10", root, archive)
    assert manifest["action"] == f"unpacked from {archive}" and manifest["layout"] == "image folders"
    assert (manifest["train_images"], manifest["test_images"], manifest["classes"]) == (30, 30, 10)
    assert sorted(path.name for path in root.iterdir()) == ["deba-cache-test.pt", "deba-cache-train.pt", "test", "train"]
    # the second time the copy in data_root is used as it is: the archive is not opened again
    monkeypatch.setattr("deba.prepare.unpack", lambda *args: pytest.fail("unpacked again"))
    assert prepare("cifar10", root, archive)["action"] == "found in data_root"


def test_a_folder_in_torchvisions_layout_is_copied(tmp_path, monkeypatch):
    write_tiny_cifar(tmp_path / "copy", "cifar100", monkeypatch)
    manifest = prepare("cifar100", tmp_path / "data", str(tmp_path / "copy"))
    assert manifest["action"] == f"copied from {tmp_path / 'copy'}" and manifest["layout"] == "torchvision"
    assert manifest["classes"] == 100 and (tmp_path / "data" / "cifar-100-python").is_dir()
    assert (tmp_path / "copy" / "cifar-100-python").is_dir()  # a copy, the source stays


def test_download_is_torchvisions_and_only_when_data_root_lacks_the_data(tmp_path, monkeypatch):
    calls = []
    real = deba.data.load_dataset

    def recording(name, root, **kwargs):
        calls.append(kwargs.get("download"))
        if kwargs.get("download"):  # stands in for torchvision's download: the files appear
            write_image_folders(tmp_path / "data")
        return real(name, root, **kwargs)

    monkeypatch.setattr(deba.data, "load_dataset", recording)
    assert prepare("cifar10", tmp_path / "data")["action"] == "downloaded"
    assert calls == [False, True]


@pytest.mark.parametrize("make_source, message", [
    (lambda tmp: tmp / "missing.tar.gz", "no such file or folder"),
    (lambda tmp: (tmp / "notes.txt", (tmp / "notes.txt").write_text("x"))[0], "not a tar or zip archive"),
    (lambda tmp: (tmp / "empty", (tmp / "empty").mkdir())[0], "the folder holds no CIFAR layout"),
])
def test_a_bad_source_is_refused_naming_the_key_and_what_is_allowed(tmp_path, make_source, message):
    source = make_source(tmp_path)
    with pytest.raises(DataError) as error:
        prepare("cifar10", tmp_path / "data", str(source))
    text = str(error.value)
    assert f"config key cifar_source.cifar10={str(source)!r}: {message}" in text
    assert "allowed: 'download', or a folder or archive" in text and "cifar-10-batches-py/" in text
    assert not any(path.name.startswith(".preparing") for path in (tmp_path / "data").iterdir())


def test_an_archive_without_cifar_is_refused_and_leaves_nothing_behind(tmp_path):
    (tmp_path / "other" / "images").mkdir(parents=True)
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "other", arcname="other")
    with pytest.raises(DataError, match="the archive holds no CIFAR layout"):
        prepare("cifar10", tmp_path / "data", str(archive))
    assert list((tmp_path / "data").iterdir()) == []


def test_a_training_job_never_downloads(tmp_path):
    (tmp_path / "data").mkdir()
    config = TrainConfig(dataset="cifar10", arch="resnet18", scale="cpu", epochs=1, data_root=str(tmp_path / "data"),
                         out=str(tmp_path / "run"))
    with pytest.raises(DataError, match="downloading was not allowed"):
        Trainer(config, download=False)
