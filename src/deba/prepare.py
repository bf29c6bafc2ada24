"""CIFAR under `data_root`, prepared once before any training job reads it (the workflow's rule
`prepare_data`, workflow/rules/data.smk).

Hundreds of training jobs that each download CIFAR into one shared folder race each other, and on nodes
without internet they all fail. So the workflow prepares each CIFAR dataset of its grid once, on the
machine Snakemake runs on, and its training jobs never download (`deba.train.train(download=False)`):

1. a copy that `deba.data.load_dataset` already reads under `data_root` is used as it is;
2. otherwise it comes from the config's `cifar_source` for that dataset: `download` (torchvision's own
   download, where the machine is online), or the path of a copy: a folder, or an archive (.tar.gz, .tgz,
   .tar, .zip, ...) of one, in torchvision's layout (`cifar-10-batches-py/`, `cifar-100-python/`) or as
   image folders (`train/<class>/*`, `test/<class>/*`), at its top or one folder down. An archive is
   unpacked into `data_root`; a folder is copied there.
3. The result is read once with the loader training uses, which also writes the decoded cache of an
   image-folder copy, so no training job decodes the images again.

Image folders sit directly in `data_root` (deba.data), so one `data_root` holds one CIFAR dataset in that
layout; torchvision's layout holds both side by side.
"""

from __future__ import annotations

import shutil
import socket
import tarfile
import zipfile
from pathlib import Path

# The datasets read from data_root (deba.data.CIFAR_CLASSES, which imports torch; a test checks they agree).
PREPARED_DATASETS = ("cifar10", "cifar100")
TORCHVISION_FOLDERS = {"cifar10": "cifar-10-batches-py", "cifar100": "cifar-100-python"}
DOWNLOAD = "download"


def prepare(dataset: str, data_root: str | Path, source: str = DOWNLOAD) -> dict:
    """Make `dataset` readable under `data_root` without downloading; return what was done (the manifest).

    Raises deba.data.DataError with a message naming the source and the layouts allowed."""
    from .data import DataError, load_dataset

    if dataset not in PREPARED_DATASETS:
        raise DataError(f"{dataset!r} needs no preparation; prepared are {', '.join(PREPARED_DATASETS)}")
    root = Path(data_root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        loaded = load_dataset(dataset, str(root), download=False)
        action = "found in data_root"
    except DataError as missing:
        if source == DOWNLOAD:
            loaded = load_dataset(dataset, str(root), download=True)
            action = "downloaded"
        else:
            action = _copy_in(dataset, Path(source).expanduser(), root, missing)
            loaded = load_dataset(dataset, str(root), download=False)
    return {"dataset": dataset, "data_root": str(data_root), "layout": layout_of(root),
            "train_images": len(loaded.train), "test_images": len(loaded.test), "classes": loaded.num_classes,
            "source": source, "action": action, "host": socket.gethostname()}


def layout_of(root: Path) -> str:
    """Which layout deba.data reads CIFAR from under `root` (image folders take precedence there)."""
    return "image folders" if (root / "train").is_dir() and (root / "test").is_dir() else "torchvision"


def _copy_in(dataset: str, source: Path, root: Path, missing: Exception) -> str:
    """Unpack or copy the CIFAR copy at `source` into `root`; return which of the two it did. Both go through
    a staging folder inside `root`, so an interrupted copy leaves nothing that looks like data."""
    from .data import DataError

    allowed = (f"allowed: {DOWNLOAD!r}, or a folder or archive (.tar.gz, .tgz, .tar, .zip) holding {dataset} in "
               f"torchvision's layout ({TORCHVISION_FOLDERS[dataset]}/) or as image folders train/<class>/ and "
               "test/<class>/")
    key = f"config key cifar_source.{dataset}={str(source)!r}"
    if not source.exists():
        raise DataError(f"{key}: no such file or folder; {allowed}. ({root} does not hold it either: {missing})")
    staging = root / f".preparing-{dataset}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        if source.is_dir():
            found = find_layout(dataset, source)
            if found is None:
                raise DataError(f"{key}: the folder holds no CIFAR layout; {allowed}")
            for folder in found:
                shutil.copytree(folder, staging / folder.name)
            action = f"copied from {source}"
        else:
            try:
                unpack(source, staging)
            except DataError as error:
                raise DataError(f"{key}: {error}; {allowed}") from None
            action = f"unpacked from {source}"
        found = find_layout(dataset, staging)
        if found is None:
            raise DataError(f"{key}: the archive holds no CIFAR layout; {allowed}")
        taken = [str(root / folder.name) for folder in found if (root / folder.name).exists()]
        if taken:
            raise DataError(f"{' and '.join(taken)} already exist in data_root but do not hold {dataset} "
                            f"({missing}); move them away or give another data_root")
        for folder in found:
            folder.rename(root / folder.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return action


def unpack(archive: Path, folder: Path) -> None:
    """Unpack a tar archive (compressed or not) or a zip archive into `folder`; DataError for anything else."""
    from .data import DataError

    try:
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                # filter="data": no absolute paths, links out of the folder or device files (Python >= 3.10.12)
                tar.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        elif zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as members:
                members.extractall(folder)  # zipfile keeps every member inside `folder`
        else:
            raise DataError("not a tar or zip archive")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as error:
        raise DataError(f"cannot unpack it ({error})") from None


def find_layout(dataset: str, folder: Path) -> list[Path] | None:
    """The folders making up a CIFAR copy at the top of `folder` or one folder down: [train, test] image
    folders, or [torchvision's folder for `dataset`]; None when there is neither."""
    for candidate in [folder, *sorted(path for path in folder.iterdir() if path.is_dir())]:
        if (candidate / "train").is_dir() and (candidate / "test").is_dir():
            return [candidate / "train", candidate / "test"]
        if (candidate / TORCHVISION_FOLDERS[dataset]).is_dir():
            return [candidate / TORCHVISION_FOLDERS[dataset]]
    return None
