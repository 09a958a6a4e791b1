"""chainrule.vision.datasets give what torchvision's give: PIL 'L' images and int labels,
uint8 ``data`` and int64 ``targets`` Tensors, files in root/MNIST/raw."""
import os
import shutil

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DataError, DataLoader
from chainrule.data import MNIST as ArrayMNIST
from chainrule.vision import datasets, transforms

Image = pytest.importorskip("PIL.Image")
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture(scope="module")
def torchvision_root(mnist_dir, tmp_path_factory):
    """A root in torchvision's layout, root/MNIST/raw, holding the real test split."""
    root = tmp_path_factory.mktemp("tv")
    (root / "MNIST" / "raw").mkdir(parents=True)
    for name in TEST_FILES:
        shutil.copy(mnist_dir / name, root / "MNIST" / "raw")
    return root


def test_items_are_pil_images_and_int_labels(torchvision_root, mnist_dir):
    ds = datasets.MNIST(str(torchvision_root), train=False)
    reference = ArrayMNIST(mnist_dir, train=False).data
    image, label = ds[0]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    assert type(label) is int and label == 7
    np.testing.assert_array_equal(np.asarray(image), reference[0])
    assert len(ds) == 10000
    assert isinstance(ds.data, cr.Tensor) and ds.data.dtype == cr.uint8 and ds.data.shape == (10000, 28, 28)
    assert isinstance(ds.targets, cr.Tensor) and ds.targets.dtype == cr.int64
    assert ds.targets.numpy()[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    np.testing.assert_array_equal(ds.data.numpy(), reference)
    assert ds.classes[7] == "7 - seven" and ds.class_to_idx["7 - seven"] == 7
    assert ds.raw_folder == torchvision_root / "MNIST" / "raw"
    assert "Number of datapoints: 10000" in repr(ds) and "Split: Test" in repr(ds)


def test_transforms_and_the_loader(torchvision_root, mnist_dir):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(torchvision_root, train=False, transform=transform, target_transform=lambda y: y + 10)
    image, label = ds[3]
    pixels = ArrayMNIST(mnist_dir, train=False).data[3]
    expected = (pixels.astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    assert image.shape == (1, 28, 28) and label == 10
    np.testing.assert_array_equal(image.numpy()[0], expected)
    images, labels = next(iter(DataLoader(ds, batch_size=5)))
    assert images.shape == (5, 1, 28, 28) and images.dtype == cr.float32
    assert labels.numpy().tolist() == [17, 12, 11, 10, 14]
    np.testing.assert_array_equal(images.numpy()[3], image.numpy())


def test_missing_files_and_download_into_the_raw_folder(fake_mnist_test_split, monkeypatch, tmp_path):
    with pytest.raises(DataError, match=r"FashionMNIST test files not found in .*FashionMNIST/raw works too"):
        datasets.FashionMNIST(tmp_path, train=False)
    directory, _, gz_md5 = fake_mnist_test_split
    monkeypatch.setattr(datasets.FashionMNIST, "gz_md5", gz_md5)
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", (directory.as_uri() + "/",))
    ds = datasets.FashionMNIST(tmp_path, train=False, download=True)
    assert sorted(p.name for p in (tmp_path / "FashionMNIST" / "raw").iterdir()) == sorted(TEST_FILES)
    image, label = ds[11]
    assert label == 1 and image.mode == "L" and np.asarray(image).max() == 0
    assert ds.classes[label] == "Trouser"
    assert len(datasets.FashionMNIST(tmp_path, train=False)) == 10000  # found there again, no download


def test_pillow_missing_is_an_install_hint(monkeypatch, tmp_path):
    import sys
    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now fails
    with pytest.raises(ImportError, match=r"chainrule.vision: PIL images need Pillow: pip install 'chainrule\[cli\]'"):
        datasets.MNIST(tmp_path)


def test_image_folder(tmp_path):
    colors = {"cat": [(255, 0, 0), (0, 255, 0)], "dog": [(0, 0, 255)]}
    for name, values in colors.items():
        (tmp_path / name / "sub").mkdir(parents=True)
        for k, color in enumerate(values):
            Image.new("RGB", (4, 3), color).save(tmp_path / name / ("sub" if k else "") / f"{k}.png")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(tmp_path, transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [(os.path.relpath(p, tmp_path), t) for p, t in ds.samples] == [
        ("cat/0.png", 0), ("cat/sub/1.png", 0), ("dog/0.png", 1)]
    assert ds.targets == [0, 0, 1] and len(ds) == 3
    image, label = ds[1]
    assert image.shape == (3, 3, 4) and label == 0 and image.numpy()[:, 0, 0].tolist() == [0.0, 1.0, 0.0]
    raw, _ = datasets.ImageFolder(tmp_path)[2]
    assert raw.mode == "RGB" and raw.size == (4, 3)
    images, labels = next(iter(DataLoader(ds, batch_size=3, num_workers=2)))
    assert images.shape == (3, 3, 3, 4) and labels.numpy().tolist() == [0, 0, 1]
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="ImageFolder: found no valid file for the class empty"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 3
    with pytest.raises(DataError, match="couldn't find any class folder in"):
        datasets.ImageFolder(tmp_path / "empty")


def test_pil_items_without_to_tensor_are_pytorchs_error_with_a_hint(torchvision_root):
    loader = DataLoader(datasets.MNIST(torchvision_root, train=False), batch_size=2)
    with pytest.raises(TypeError, match=r"found <class 'PIL.Image.Image'> \(PIL images: give the dataset transform=transforms.ToTensor\(\)\)"):
        next(iter(loader))
