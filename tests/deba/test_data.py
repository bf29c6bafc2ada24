"""Data: torchvision's real CIFAR code path on tiny files in the exact pickle format, image folders,
digits, synthetic data and the epoch loader's determinism."""

import hashlib
import pickle

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from deba.data import CropFlip, DataError, EpochLoader, load_dataset


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def write_tiny_cifar(root, name, monkeypatch, per_file=20):
    """Write CIFAR-format pickles (uint8 rows of 3072 = 3x32x32, channel-major) and register their md5s
    with torchvision's class, so its own integrity check runs and passes."""
    cls = torchvision.datasets.CIFAR10 if name == "cifar10" else torchvision.datasets.CIFAR100
    folder = root / cls.base_folder
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    num_classes = 10 if name == "cifar10" else 100
    label_key = "labels" if name == "cifar10" else "fine_labels"
    expected = {}
    files = [entry[0] for entry in cls.train_list + cls.test_list]
    for file_name in files:
        data = rng.integers(0, 256, size=(per_file, 3072), dtype=np.uint8)
        labels = [int(x) for x in rng.integers(0, num_classes, size=per_file)]
        with open(folder / file_name, "wb") as handle:
            pickle.dump({"data": data, label_key: labels, "batch_label": file_name}, handle)
        expected[file_name] = (data, labels)
    meta_key = cls.meta["key"]
    with open(folder / cls.meta["filename"], "wb") as handle:
        pickle.dump({meta_key: [f"class{i}" for i in range(num_classes)]}, handle)
    monkeypatch.setattr(cls, "train_list", [[f, _md5(folder / f)] for f, _ in cls.train_list])
    monkeypatch.setattr(cls, "test_list", [[f, _md5(folder / f)] for f, _ in cls.test_list])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": _md5(folder / cls.meta["filename"])})
    return expected, [entry[0] for entry in cls.train_list], [entry[0] for entry in cls.test_list]


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_pickles_load_through_torchvision(tmp_path, monkeypatch, name):
    expected, train_files, test_files = write_tiny_cifar(tmp_path, name, monkeypatch)
    dataset = load_dataset(name, str(tmp_path), download=False)
    assert dataset.num_classes == (10 if name == "cifar10" else 100)
    assert dataset.train.images.shape == (20 * len(train_files), 3, 32, 32)
    assert dataset.train.images.dtype == torch.uint8
    first_data, first_labels = expected[train_files[0]]
    # the first row is channel-major: red plane, green plane, blue plane
    assert torch.equal(dataset.train.images[0], torch.from_numpy(first_data[0].reshape(3, 32, 32)))
    assert dataset.train.labels[:20].tolist() == first_labels
    assert dataset.test.labels.tolist() == expected[test_files[0]][1]
    assert dataset.flip


def test_corrupted_cifar_is_refused_by_torchvisions_integrity_check(tmp_path, monkeypatch):
    write_tiny_cifar(tmp_path, "cifar10", monkeypatch)
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_1"
    batch.write_bytes(batch.read_bytes()[:-10])
    with pytest.raises(DataError, match="cifar10 not found under"):
        load_dataset("cifar10", str(tmp_path), download=False)


def test_missing_cifar_offline_names_the_folder_and_how_to_get_it(tmp_path):
    with pytest.raises(DataError) as error:
        load_dataset("cifar100", str(tmp_path / "nowhere"), download=False)
    message = str(error.value)
    assert str((tmp_path / "nowhere").resolve()) in message
    assert "cifar-100-python" in message and "download=True" in message


def write_image_folders(root, classes=10, per_class=3):
    for split in ("train", "test"):
        for label in range(classes):
            folder = root / split / f"class{label:02d}"
            folder.mkdir(parents=True)
            for index in range(per_class):
                pixels = np.full((32, 32, 3), label * 20 + index, dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{index}.png")


def test_image_folders_are_decoded_once_and_cached(tmp_path, monkeypatch):
    write_image_folders(tmp_path)
    dataset = load_dataset("cifar10", str(tmp_path))
    assert dataset.train.images.shape == (30, 3, 32, 32)
    assert dataset.train.labels.tolist() == [label for label in range(10) for _ in range(3)]
    assert int(dataset.train.images[4, 0, 0, 0]) == 1 * 20 + 1  # class01, image 1 (PNG is lossless)
    assert (tmp_path / "deba-cache-train.pt").is_file()
    # a second load reads the cache instead of decoding
    monkeypatch.setattr("deba.data._decode", lambda files: pytest.fail("decoded again despite the cache"))
    again = load_dataset("cifar10", str(tmp_path))
    assert torch.equal(again.train.images, dataset.train.images)


def test_image_folder_cache_is_rebuilt_when_the_files_change(tmp_path):
    write_image_folders(tmp_path)
    load_dataset("cifar10", str(tmp_path))
    Image.fromarray(np.zeros((32, 32, 3), dtype=np.uint8)).save(tmp_path / "train" / "class00" / "extra.png")
    assert len(load_dataset("cifar10", str(tmp_path)).train) == 31


def test_image_folders_with_the_wrong_number_of_classes_are_refused(tmp_path):
    write_image_folders(tmp_path, classes=3)
    with pytest.raises(DataError, match="holds 3 class folders; expected 10"):
        load_dataset("cifar10", str(tmp_path))


def test_digits_is_a_fixed_stratified_split_of_32px_rgb():
    dataset = load_dataset("digits")
    assert dataset.train.images.shape == (1347, 3, 32, 32) and len(dataset.test) == 450
    counts = torch.bincount(dataset.test.labels, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 46  # 25% of each class (174..183 images)
    assert not dataset.flip
    assert torch.equal(load_dataset("digits").test.images, dataset.test.images)


def test_subsets_are_stratified_and_reproducible():
    dataset = load_dataset("digits", train_subset=200)
    counts = torch.bincount(dataset.train.labels, minlength=10)
    assert len(dataset.train) == 200 and counts.min() == 20 and counts.max() == 20
    assert torch.equal(load_dataset("digits", train_subset=200).train.images, dataset.train.images)


def test_epoch_order_and_augmentation_do_not_depend_on_the_batch_size():
    dataset = load_dataset("synthetic")
    loader = EpochLoader(dataset, seed=3)
    small = torch.cat([x for x, _ in loader.train_batches(epoch=2, batch_size=64)])
    large = torch.cat([x for x, _ in loader.train_batches(epoch=2, batch_size=128)])
    assert torch.equal(small, large)
    other_epoch = torch.cat([x for x, _ in loader.train_batches(epoch=3, batch_size=128)])
    other_seed = torch.cat([x for x, _ in EpochLoader(dataset, seed=4).train_batches(epoch=2, batch_size=128)])
    assert not torch.equal(large, other_epoch) and not torch.equal(large, other_seed)


def test_epoch_resumes_mid_way_and_drops_the_incomplete_batch():
    dataset = load_dataset("synthetic")  # 512 training images
    loader = EpochLoader(dataset, seed=0)
    batches = list(loader.train_batches(epoch=1, batch_size=100))
    assert [len(y) for _, y in batches] == [100] * 5
    tail = list(loader.train_batches(epoch=1, batch_size=100, start_sample=300))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches[3:], tail)) and len(tail) == 2


@pytest.mark.parametrize("flip", [True, False])
def test_crop_flip_matches_a_per_image_reference(flip):
    images = torch.randint(0, 255, (6, 3, 32, 32), dtype=torch.uint8)
    index = torch.tensor([5, 0, 3, 3, 1, 2])
    offsets = torch.tensor([[0, 0], [8, 8], [4, 4], [1, 7], [7, 2], [3, 0]])
    flips = torch.tensor([True, False, True, False, True, True])
    cropped = CropFlip(images, flip=flip)(index, offsets, flips)
    padded = torch.nn.functional.pad(images, (4, 4, 4, 4))
    for i, ((dy, dx), image, mirrored) in enumerate(zip(offsets.tolist(), index.tolist(), flips.tolist())):
        expected = padded[image, :, dy:dy + 32, dx:dx + 32]
        assert torch.equal(cropped[i], expected.flip(2) if flip and mirrored else expected)
    no_shift = CropFlip(images, flip=flip)(torch.arange(6), torch.full((6, 2), 4), torch.zeros(6, dtype=torch.bool))
    assert torch.equal(no_shift, images)


def test_batches_are_normalized_with_the_training_split_statistics():
    dataset = load_dataset("synthetic")
    loader = EpochLoader(dataset, seed=0, augment=False)
    images, _ = next(loader.test_batches(batch_size=64))
    expected = (dataset.test.images[:64].float() / 255 - dataset.mean.view(1, 3, 1, 1)) / dataset.std.view(1, 3, 1, 1)
    assert torch.allclose(images, expected, atol=1e-5)


def test_synthetic_is_deterministic_and_balanced():
    a, b = load_dataset("synthetic"), load_dataset("synthetic")
    assert torch.equal(a.train.images, b.train.images)
    assert torch.bincount(a.train.labels).tolist() == [52] * 2 + [51] * 8
