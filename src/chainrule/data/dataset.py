"""Datasets: indexable collections of samples, with a vectorized ``get_batch`` for the loader.

A dataset gives ``len(ds)`` and ``ds[i]`` like PyTorch's. ``ds.get_batch(indices)`` returns
a whole batch as NumPy arrays: array-backed datasets index their arrays once with the index
array; the default builds it item by item (for datasets that only define ``__getitem__``).
"""
import numpy as np

from ..tensor import Tensor


def _array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


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


class TensorDataset(Dataset):
    """Samples are rows of the given tensors or arrays (all with the same first dimension).

    ``ds[i]`` is a tuple of Tensors ``(t0[i], t1[i], ...)``; ``arrays`` holds the NumPy arrays,
    dtypes unchanged.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        self.arrays = tuple(_array(t) for t in tensors)
        lengths = [len(a) if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: tensors must share their first dimension, got shapes {shapes}")

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
        return self.dataset.get_batch(self.indices[indices])


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
