"""``default_collate``: a list of samples -> one batch, as ``torch.utils.data.default_collate``.

    Tensors, arrays   stacked on a new first axis (dtype kept)
    numpy scalars     a Tensor of their dtype
    int / float / bool  an int64 / float64 / bool Tensor (as torch.tensor(batch) infers)
    str, bytes        the list as it is
    dict              {key: collated values}, the same mapping type
    namedtuple        the same namedtuple of collated fields
    tuple, list       a list of collated fields (each sample must have the same length)
"""
import collections.abc
import numbers

import numpy as np

from ..tensor import Tensor

_WHAT = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found"


def _stack(arrays):
    try:
        return Tensor._make(np.stack(arrays), False, None)
    except ValueError:
        shapes = [list(a.shape) for a in arrays]
        wrong = next(i for i, shape in enumerate(shapes) if shape != shapes[0])
        raise RuntimeError(f"stack expects each tensor to be equal size, but got {shapes[0]} at entry 0 "
                           f"and {shapes[wrong]} at entry {wrong}") from None


def default_collate(batch):
    """Stack a list of samples into a batch of Tensors (see the module docstring)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([item._data for item in batch])
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if elem.dtype.kind in "SUO":
            raise TypeError(f"{_WHAT} {elem.dtype}")
        return _stack([np.asarray(item) for item in batch])
    if isinstance(elem, numbers.Integral):  # bools too; a float among ints gives float32, as torch.tensor
        values = np.array(batch)
        dtype = {"b": np.bool_, "f": np.float32}.get(values.dtype.kind, np.int64)
        return Tensor._make(values.astype(dtype, copy=False), False, None)
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64), False, None)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([item[key] for item in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:  # a mapping type that cannot be built from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(item) != len(elem) for item in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    is_pil = type(elem).__module__.startswith("PIL.")
    hint = " (PIL images: give the dataset transform=transforms.ToTensor())" if is_pil else ""
    raise TypeError(f"{_WHAT} {type(elem)}{hint}")
