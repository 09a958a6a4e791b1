"""Counting and finding, without gradient (integer results): ``nonzero``, ``unique``,
``bincount``, and the logical functions (bool results), as in PyTorch."""
from ..autograd.function import DTypeError
from ..backend import xp
from ..tensor import Tensor
from .compare import _compare, _predicate


def _array(x):
    return x._data if isinstance(x, Tensor) else xp.asarray(x)


def _tensor(array):
    return Tensor._make(xp.asarray(array), False, None)


def nonzero(x, *, as_tuple=False):
    """The indices of the nonzero elements: an int64 (count, ndim) tensor, or with ``as_tuple``
    one int64 tensor per dim (ready to index with)."""
    data = _array(x)
    if as_tuple:  # a 0-d tensor counts as 1-D, as in PyTorch
        return tuple(_tensor(w.astype(xp.int64)) for w in xp.nonzero(xp.atleast_1d(data)))
    return _tensor(xp.argwhere(data).astype(xp.int64))


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values, sorted; with ``return_inverse`` each element's position among them
    (int64, x's shape), with ``return_counts`` how often each occurs (int64)."""
    if dim is not None:
        raise ValueError("unique: dim= is not supported; unique over all elements only")
    data = _array(x)
    values, inverse, counts = xp.unique(data, return_inverse=True, return_counts=True)
    out = (_tensor(values),)
    if return_inverse:
        out += (_tensor(inverse.reshape(data.shape).astype(xp.int64)),)
    if return_counts:
        out += (_tensor(counts.astype(xp.int64)),)
    return out[0] if len(out) == 1 else out


def bincount(x, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``x`` (int64), or
    the sums of ``weights`` per value."""
    data = _array(x)
    if data.ndim != 1 or data.dtype.kind not in "iub":
        raise DTypeError(f"bincount: expected a 1-D integer tensor, got dtype {data.dtype} of shape {data.shape}")
    if data.size and data.min() < 0:
        raise ValueError(f"bincount: values must be non-negative, got {data.min()}")
    counts = xp.bincount(data, None if weights is None else _array(weights), minlength)
    return _tensor(counts if weights is not None else counts.astype(xp.int64))


logical_and, logical_or, logical_xor = (_compare(fn) for fn in (xp.logical_and, xp.logical_or, xp.logical_xor))
logical_not = _predicate(xp.logical_not)
