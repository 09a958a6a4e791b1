import gzip
import shutil

import numpy as np
import pytest

from chainrule.data import MNIST, DataError, DataLoader, FashionMNIST, IDXDataset, cache_dir

# label counts of the real MNIST, from the files themselves (and every MNIST paper's table)
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist_train(mnist_dir):
    return MNIST(mnist_dir, train=True)


@pytest.fixture(scope="module")
def mnist_test(mnist_dir):
    return MNIST(mnist_dir, train=False)


def test_real_mnist_training_set(mnist_train):
    assert mnist_train.data.shape == (60000, 28, 28) and mnist_train.data.dtype == np.uint8
    assert mnist_train.targets.dtype == np.int64
    assert np.bincount(mnist_train.targets).tolist() == TRAIN_COUNTS
    assert mnist_train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    image, label = mnist_train[0]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32 and label == 5
    assert image.data.min() == 0.0 and image.data.max() == 1.0
    np.testing.assert_array_equal(image.data[0], mnist_train.data[0] / np.float32(255))


def test_real_mnist_test_set(mnist_test):
    assert mnist_test.data.shape == (10000, 28, 28)
    assert np.bincount(mnist_test.targets).tolist() == TEST_COUNTS
    assert mnist_test.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert len(mnist_test.classes) == 10 and mnist_test.classes[7] == "7 - seven"


def test_real_mnist_batches(mnist_test):
    loader = DataLoader(mnist_test, batch_size=64)
    assert len(loader) == 157
    images, labels = next(iter(loader))
    assert images.shape == (64, 1, 28, 28) and images.dtype == np.float32
    assert labels.dtype == np.int64 and labels.data[:3].tolist() == [7, 2, 1]
    np.testing.assert_array_equal(images.data[5], mnist_test[5][0].data)


def _copy_test_split(mnist_dir, root, decompress=False):
    root.mkdir(parents=True, exist_ok=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        if decompress:
            (root / name).write_bytes(gzip.decompress((mnist_dir / f"{name}.gz").read_bytes()))
        else:
            shutil.copy(mnist_dir / f"{name}.gz", root)


def test_decompressed_files_and_torchvision_layout(mnist_dir, mnist_test, tmp_path):
    _copy_test_split(mnist_dir, tmp_path / "raw-files", decompress=True)
    np.testing.assert_array_equal(MNIST(tmp_path / "raw-files", train=False).data, mnist_test.data)
    _copy_test_split(mnist_dir, tmp_path / "tv" / "MNIST" / "raw")
    np.testing.assert_array_equal(MNIST(tmp_path / "tv", train=False).targets, mnist_test.targets)


def test_content_that_fails_its_checksum_is_refused(mnist_dir, tmp_path):
    _copy_test_split(mnist_dir, tmp_path)
    labels = bytearray(gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    labels[8] = (labels[8] + 1) % 10  # one label changed: still a valid IDX file
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(labels)))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz: SHA-256 of the decompressed content is"):
        MNIST(tmp_path, train=False)


def test_missing_files_say_where_to_put_which_files(tmp_path):
    with pytest.raises(DataError) as info:
        MNIST(tmp_path, train=False)
    message = str(info.value)
    assert f"MNIST test files not found in {tmp_path}" in message
    assert "put t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (gzipped or decompressed) there" in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/" in message and "download=True" in message


def test_default_root_is_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home"
    with pytest.raises(DataError, match=r"home/datasets/fashion-mnist: put train-images"):
        FashionMNIST()
    monkeypatch.delenv("CHAINRULE_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "chainrule"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert cache_dir() == tmp_path / "user" / ".cache" / "chainrule"


def test_shape_is_checked(tmp_path, write_idx):
    write_idx("t10k-images-idx3-ubyte", np.zeros((3, 28, 28), dtype=np.uint8))
    write_idx("t10k-labels-idx1-ubyte", np.zeros(3, dtype=np.uint8))
    unverified = type("UnverifiedMNIST", (MNIST,), {"raw_sha256": {}})
    with pytest.raises(DataError, match=r"expected 10000 uint8 images of 28x28, found shape \(3, 28, 28\)"):
        unverified(tmp_path, train=False)



def test_a_file_larger_than_mnist_is_refused_before_it_is_decoded(tmp_path, write_idx):
    """An MNIST loader reads at most the real split's bytes, so a gzip bomb stops early."""
    write_idx("t10k-images-idx3-ubyte", np.zeros((10001, 28, 28), dtype=np.uint8), compress=True)
    write_idx("t10k-labels-idx1-ubyte", np.zeros(10001, dtype=np.uint8))
    unverified = type("UnverifiedMNIST", (MNIST,), {"raw_sha256": {}})
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.*limit of 7840000 bytes"):
        unverified(tmp_path, train=False)

def test_fashion_mnist_gzip_md5(fake_mnist_test_split, monkeypatch, tmp_path):
    directory, _, gz_md5 = fake_mnist_test_split
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz: MD5 is .*, expected the published bef4ecab"):
        FashionMNIST(directory, train=False)  # the fake files are not Zalando's
    monkeypatch.setattr(FashionMNIST, "gz_md5", gz_md5)
    dataset = FashionMNIST(directory, train=False)
    assert len(dataset) == 10000 and dataset.targets[:3].tolist() == [0, 1, 2]
    assert dataset.classes[9] == "Ankle boot"
    for name in gz_md5:
        (tmp_path / name).write_bytes(gzip.decompress((directory / f"{name}.gz").read_bytes()))
    with pytest.warns(UserWarning, match=r"cannot verify a decompressed FashionMNIST file"):
        FashionMNIST(tmp_path, train=False)


def test_idx_dataset(write_idx):
    images = write_idx("images.gz", np.array([[[0, 255]], [[51, 0]]], dtype=np.uint8), compress=True)
    labels = write_idx("labels", np.array([4, 2], dtype=np.uint8))
    dataset = IDXDataset(images, labels)
    image, label = dataset[1]
    assert image.shape == (1, 1, 2) and label == 2
    np.testing.assert_array_equal(image.data, np.float32([[[0.2, 0.0]]]))
    floats = write_idx("float-images", np.array([[[0.5, 2.0]], [[-1.0, 0.0]]], dtype=np.float32))
    np.testing.assert_array_equal(IDXDataset(floats, labels)[0][0].data, [[[0.5, 2.0]]])  # kept as stored
    bad_labels = write_idx("three-labels", np.array([1, 2, 3], dtype=np.uint8))
    with pytest.raises(DataError, match=r"three-labels: 3 labels for 2 images"):
        IDXDataset(images, bad_labels)


def test_is_available_looks_for_both_files_of_the_split_without_reading_them(monkeypatch, tmp_path, mnist_dir):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path / "home"))
    assert MNIST.default_root() == tmp_path / "home" / "datasets" / "mnist"
    assert FashionMNIST.default_root() == tmp_path / "home" / "datasets" / "fashion-mnist"
    assert not MNIST.is_available() and not MNIST.is_available(tmp_path, train=False)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"not read")
    assert not MNIST.is_available(tmp_path, train=False)  # the labels are missing
    (tmp_path / "MNIST" / "raw").mkdir(parents=True)
    (tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").write_bytes(b"not read")  # torchvision's layout
    assert MNIST.is_available(tmp_path, train=False) and not MNIST.is_available(tmp_path, train=True)
    with pytest.raises(DataError):  # available is not valid: making the data set checks the files
        MNIST(tmp_path, train=False)
    assert MNIST.is_available(mnist_dir, train=True) and MNIST.is_available(mnist_dir, train=False)
