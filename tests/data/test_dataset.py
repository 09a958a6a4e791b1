import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import (
    ConcatDataset, DataLoader, Dataset, ImageDataset, Subset, TensorDataset, collate, random_split,
)


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


SPLITS = [[0.5, 0.5], [0.3, 0.3, 0.4], [0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3], [0.25, 0.75], [0.9, 0.1, 0.0]]


@pytest.mark.parametrize("n", [0, 1, 7, 10, 101])
@pytest.mark.parametrize("fractions", SPLITS)
def test_random_split_lengths_as_pytorch(n, fractions):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = random_split(list(range(n)), fractions)
    with warnings.catch_warnings(record=True) as torch_warned:
        warnings.simplefilter("always")
        theirs = torch.utils.data.random_split(list(range(n)), fractions)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert len(ours_warned) == len(torch_warned)


def test_random_split_partitions_the_dataset_reproducibly():
    data = TensorDataset(np.arange(10) * 10)
    cr.manual_seed(3)
    first, second = random_split(data, [7, 3])
    assert isinstance(first, Subset) and (len(first), len(second)) == (7, 3)
    values = [int(first[i][0].item()) for i in range(7)] + [int(second[i][0].item()) for i in range(3)]
    assert sorted(values) == list(range(0, 100, 10))
    cr.manual_seed(3)
    assert random_split(data, [7, 3])[0].indices.tolist() == first.indices.tolist()
    generator = np.random.default_rng(5)
    expected = np.random.default_rng(5).permutation(10)
    a, b = random_split(data, [0.5, 0.5], generator=generator)
    assert a.indices.tolist() + b.indices.tolist() == expected.tolist()


def test_random_split_errors():
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal the length of the input dataset \(10\)"):
        random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="fraction at index 1 is not between 0 and 1"):
        random_split(range(10), [0.5, -0.5, 1.0])
    with pytest.raises(ValueError, match="lengths must be non-negative integers or fractions summing to 1"):
        random_split(range(10), [0.5, 9.5])
    with pytest.raises(TypeError, match="random_split: generator must be a numpy.random.Generator, got int"):
        random_split(range(10), [5, 5], generator=1)


def test_concat_dataset_as_pytorch():
    torch = pytest.importorskip("torch")
    parts = [[1, 2, 3], [4], [], [5, 6]]
    ours, theirs = ConcatDataset(parts), torch.utils.data.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 6 and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-6, 6)] == [theirs[i] for i in range(-6, 6)]
    with pytest.raises(ValueError, match="absolute value of index -7 exceeds the length 6"):
        ours[-7]
    with pytest.raises(IndexError):
        ours[6]
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        ConcatDataset([])


def test_tensor_dataset_tensors_and_adding_datasets_as_pytorch():
    features = np.arange(6.0).reshape(3, 2)
    ds = TensorDataset(features, np.arange(3))
    x, y = ds.tensors
    assert isinstance(x, cr.Tensor) and np.shares_memory(x.numpy(), ds.arrays[0]) and y.dtype == cr.int64
    both = ds + TensorDataset(np.ones((2, 2)), np.arange(2))
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert both[3][0].numpy().tolist() == [1.0, 1.0] and both[2][1].item() == 2
