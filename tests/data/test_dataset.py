import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DataLoader, Dataset, ImageDataset, Subset, TensorDataset, collate


def test_tensor_dataset_items_and_batches_keep_dtypes():
    features = cr.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    targets = np.array([0, 1, 0], dtype=np.int64)
    dataset = TensorDataset(features, targets)
    assert len(dataset) == 3
    x, y = dataset[1]
    assert isinstance(x, cr.Tensor) and isinstance(y, cr.Tensor)
    np.testing.assert_array_equal(x.data, [3.0, 4.0])
    assert y.item() == 1 and y.dtype == np.int64
    batch_x, batch_y = dataset.get_batch(np.array([2, 0]))
    np.testing.assert_array_equal(batch_x, [[5.0, 6.0], [1.0, 2.0]])
    assert batch_x.dtype == np.float32 and batch_y.dtype == np.int64


def test_tensor_dataset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"must share their first dimension, got shapes \(3, 2\), \(2,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.float32(1.0))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_subset_batches_through_the_parent():
    dataset = TensorDataset(np.arange(10) * 10)
    subset = Subset(dataset, [9, 3, 5])
    assert len(subset) == 3
    assert subset[0][0].item() == 90
    (batch,) = subset.get_batch(np.array([2, 0]))
    np.testing.assert_array_equal(batch, [50, 90])
    assert [b.data.tolist() for (b,) in DataLoader(subset, batch_size=2)] == [[90, 30], [50]]


class Pairs(Dataset):
    def __init__(self, shapes):
        self.shapes = shapes

    def __len__(self):
        return len(self.shapes)

    def __getitem__(self, index):
        return cr.ones(*self.shapes[index]), index


def test_default_get_batch_collates_items():
    images, labels = Pairs([(2,), (2,), (2,)]).get_batch(np.array([2, 0]))
    assert images.shape == (2, 2) and images.dtype == np.float32
    np.testing.assert_array_equal(labels, [2, 0])
    assert labels.dtype == np.int64
    with pytest.raises(ValueError, match=r"collate: cannot stack samples of shapes \[\(2,\), \(3,\)\]"):
        Pairs([(2,), (3,)]).get_batch(np.array([0, 1]))
    assert collate([np.zeros(2), np.ones(2)]).shape == (2, 2)


def test_base_dataset_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="Dataset must define __len__"):
        len(Dataset())
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]


def test_image_dataset_scales_and_shapes():
    pixels = np.array([[[0, 255], [51, 102]], [[255, 255], [0, 0]]], dtype=np.uint8)
    dataset = ImageDataset(pixels, np.array([3, 7], dtype=np.uint8), scale=255)
    image, label = dataset[0]
    assert image.shape == (1, 2, 2) and image.dtype == np.float32
    np.testing.assert_array_equal(image.data, np.float32([[[0.0, 1.0], [0.2, 0.4]]]))  # correctly rounded
    assert label == 3 and type(label) is int
    images, labels = dataset.get_batch(np.array([1, 0]))
    assert images.shape == (2, 1, 2, 2) and labels.dtype == np.int64
    np.testing.assert_array_equal(images[1], image.data)
    np.testing.assert_array_equal(labels, [7, 3])


def test_image_dataset_transform_applies_per_item():
    pixels = np.full((3, 2, 2), 255, dtype=np.uint8)
    dataset = ImageDataset(pixels, np.arange(3), scale=255, transform=lambda image: 1 - image)
    image, _ = dataset[1]
    np.testing.assert_array_equal(image.data, np.zeros((1, 2, 2)))
    images, labels = dataset.get_batch(np.array([0, 2]))
    np.testing.assert_array_equal(images, np.zeros((2, 1, 2, 2)))
    np.testing.assert_array_equal(labels, [0, 2])
