"""Datasets: indexable collections of samples, with a vectorized ``get_batch`` for the loader.

A dataset gives ``len(ds)`` and ``ds[i]`` like PyTorch's. ``ds.get_batch(indices)`` returns
a whole batch as NumPy arrays: array-backed datasets index their arrays once with the index
array; the default builds it item by item (for datasets that only define ``__getitem__``).
"""
import bisect
import itertools
import math
import numbers
import warnings

import numpy as np

from .. import random as cr_random
from ..tensor import Tensor


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _tensor(array):
    return Tensor._make(np.asarray(array), False, None)


def collate(items):
    """Stack samples into a batch: a tuple of arrays for tuple samples, else one array."""
    if isinstance(items[0], (tuple, list)):
        return tuple(collate(list(field)) for field in zip(*items))
    try:
        return np.stack([_array(item) for item in items])
    except ValueError as exc:
        shapes = sorted({_array(item).shape for item in items})
        raise ValueError(f"collate: cannot stack samples of shapes {shapes}: {exc}") from None


def get_batch(dataset, indices):
    """The samples of ``dataset`` at ``indices`` stacked (a tuple of arrays, or one array):
    its own ``get_batch`` when it has one, one indexing of a NumPy array or Tensor, and for
    any other sequence (a list of ``(image, label)`` pairs, say) item by item, as PyTorch's
    DataLoader accepts any object with ``__len__`` and ``__getitem__``."""
    if hasattr(dataset, "get_batch"):
        return dataset.get_batch(indices)
    if isinstance(dataset, (np.ndarray, Tensor)):
        return np.asarray(dataset)[indices]
    return collate([dataset[int(i)] for i in indices])


def batches_itself(dataset):
    """Whether ``get_batch(dataset, indices)`` beats item by item: an array, a Tensor, or a
    dataset with its own ``get_batch`` (a Subset: if its parent has one)."""
    if isinstance(dataset, (np.ndarray, Tensor)):
        return True
    if isinstance(dataset, Subset):
        return batches_itself(dataset.dataset)
    method = getattr(type(dataset), "get_batch", None)
    return method is not None and method is not Dataset.get_batch


class Dataset:
    """Base class: subclasses define ``__len__`` and ``__getitem__`` (and may override
    ``get_batch`` with a vectorized version)."""

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def get_batch(self, indices):
        """The samples at ``indices`` (1-D int array) stacked: a tuple of arrays or one array."""
        return collate([self[int(i)] for i in indices])

    def __add__(self, other):
        """``ds1 + ds2``: their ``ConcatDataset``, as in PyTorch."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__`` (and may define ``__len__``), as
    PyTorch's. A DataLoader groups the stream into batches; in a worker, ``get_worker_info()``
    says which part of the stream that worker should give (each worker iterates it all)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it, it has no indices")

    def __len__(self):  # a TypeError, as len() of an object without one: list(loader) still works
        raise TypeError(f"{type(self).__name__} has no len(): define __len__ if the stream's length is known")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors or arrays (all with the same first dimension).

    ``ds[i]`` is a tuple of Tensors ``(t0[i], t1[i], ...)``; ``arrays`` holds the NumPy arrays,
    dtypes unchanged, and ``tensors`` the same as Tensors (sharing memory), as PyTorch's.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        self.arrays = tuple(_array(t) for t in tensors)
        lengths = [len(a) if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: tensors must share their first dimension, got shapes {shapes}")

    @property
    def tensors(self):
        return tuple(_tensor(a) for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(_tensor(a[index]) for a in self.arrays)

    def get_batch(self, indices):
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order); batches stay vectorized."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices):
        return get_batch(self.dataset, self.indices[indices])


class ImageDataset(Dataset):
    """Array-backed image classification data, the base of IDXDataset, MNIST and Digits.

    ``data``: raw pixels of shape (N, H, W); ``targets``: int64 labels of shape (N,).
    ``ds[i]`` is ``(image, label)``: a float32 Tensor of shape (1, H, W) equal to
    ``data[i] / scale`` (so in [0, 1]) and an int, as torchvision's datasets give.
    ``transform``, if given, is applied to each image array (then batches are built item by
    item); without it ``get_batch`` indexes ``data`` and ``targets`` once per batch.
    """

    def __init__(self, data, targets, scale, transform=None):
        self.data = data
        self.targets = np.asarray(targets, dtype=np.int64)
        self.scale = np.float32(scale)
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def _images(self, pixels):
        return pixels.astype(np.float32) / self.scale  # division, like torchvision's ToTensor

    def __getitem__(self, index):
        image = self._images(self.data[index][None])
        if self.transform is not None:
            image = _array(self.transform(image))
        return _tensor(image), int(self.targets[index])

    def get_batch(self, indices):
        if self.transform is not None:
            return super().get_batch(indices)
        return self._images(self.data[indices][:, None]), self.targets[indices]


class ConcatDataset(Dataset):
    """The samples of ``datasets`` one after the other, as PyTorch's ``ConcatDataset``;
    ``cumulative_sizes[k]`` is the number of samples in the first k + 1 datasets."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError(f"ConcatDataset: absolute value of index {index} exceeds the length {len(self)}")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def check_generator(name, generator):
    """``generator`` (a NumPy Generator), or chainrule's global one for None."""
    if generator is None:
        return cr_random.default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{name}: generator must be a numpy.random.Generator, got {type(generator).__name__}")
    return generator


def _split_lengths(n, lengths):
    """PyTorch's rule: fractions summing to 1 become floor(n * f), the remainder dealt one by one."""
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in lengths):
        raise TypeError(f"random_split: lengths must be integers or fractions, got {list(lengths)!r}")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
        sizes = [int(math.floor(n * fraction)) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=3)
        return sizes
    if not all(isinstance(x, numbers.Integral) and x >= 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions summing to 1, "
                         f"got {list(lengths)!r}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length "
                         f"of the input dataset ({n})")
    return [int(x) for x in lengths]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into ``Subset``s of the given ``lengths`` (integers summing to
    ``len(dataset)``, or fractions summing to 1), by a random permutation from ``generator``
    (a NumPy Generator; default chainrule's global one, seeded by ``manual_seed``)."""
    sizes = _split_lengths(len(dataset), list(lengths))
    order = check_generator("random_split", generator).permutation(len(dataset))
    return [Subset(dataset, order[end - size:end]) for end, size in zip(itertools.accumulate(sizes), sizes)]
