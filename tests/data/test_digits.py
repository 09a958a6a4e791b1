import sys

import numpy as np
import pytest

from chainrule.data import DataLoader, Digits
from chainrule.data.digits import split_mask

sklearn_datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def splits():
    return Digits(train=True), Digits(train=False)


def test_fixed_split_sizes_and_balance(splits):
    train, test = splits
    assert (len(train), len(test)) == (1442, 355)
    assert np.bincount(test.targets).tolist() == [35, 36, 35, 36, 36, 36, 36, 35, 34, 36]
    assert np.bincount(train.targets).tolist() == [143, 146, 142, 147, 145, 146, 145, 144, 140, 144]


def test_split_is_every_fifth_image_of_each_class():
    targets = np.array([0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0])
    # class 0 sits at 0, 2, 3, 5, 6, 10, 11, 12, 13, 14: its 5th and 10th are at 6 and 14
    # class 1 sits at 1, 4, 7, 8, 9: its 5th is at 9
    assert np.flatnonzero(split_mask(targets)).tolist() == [6, 9, 14]


def test_split_partitions_the_bundled_images(splits):
    bunch = sklearn_datasets.load_digits()
    test_mask = split_mask(bunch.target)
    train, test = splits
    np.testing.assert_array_equal(train.data, bunch.images[~test_mask])
    np.testing.assert_array_equal(test.targets, bunch.target[test_mask])


def test_items_are_scaled_images(splits):
    train, _ = splits
    image, label = train[0]
    assert image.shape == (1, 8, 8) and image.dtype == np.float32 and label == 0
    bunch = sklearn_datasets.load_digits()
    np.testing.assert_array_equal(image.data[0], (bunch.images[0] / 16).astype(np.float32))
    images, labels = next(iter(DataLoader(train, batch_size=len(train))))
    assert images.shape == (1442, 1, 8, 8) and labels.dtype == np.int64
    assert images.data.min() == 0.0 and images.data.max() == 1.0


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"^the digits data set comes with scikit-learn: pip install 'chainrule\[cli\]'$"):
        Digits()
