"""Tensor factories, following PyTorch's names and signatures."""
import numpy as np

from . import random as _random
from .tensor import Tensor, resolve_dtype, resolve_shape


def tensor(data, dtype=None, requires_grad=False, name=None):
    """A new leaf tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors).

    Python floats become float32 (PyTorch's default), ints int64; NumPy arrays keep their dtype.
    ``name`` (not in PyTorch) is what ``chainrule.explain``'s traces and diagrams call it.
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"tensor: name must be a string, got {type(name).__name__}")
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, name=name)


def _dtype(dtype, default=np.float32):
    return np.dtype(default) if dtype is None else resolve_dtype(dtype)


def _leaf(array, requires_grad):
    t = Tensor._make(array, False, None)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*size, dtype=None, requires_grad=False):
    return _leaf(np.zeros(resolve_shape(size, "zeros"), dtype=_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _leaf(np.ones(resolve_shape(size, "ones"), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    default = np.float32 if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    shape = resolve_shape((size,), "full")
    return _leaf(np.full(shape, fill_value, dtype=_dtype(dtype, default)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _leaf(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Like ``torch.arange``: int64 for integer arguments, float32 otherwise."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, int) for v in (start, end, step))
    default = np.int64 if integral else np.float32
    return _leaf(np.arange(start, end, step, dtype=_dtype(dtype, default)), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform on [0, 1), from the generator seeded by ``manual_seed``."""
    dtype = _dtype(dtype)
    shape = resolve_shape(size, "rand")
    data = _random.default_generator().random(shape, dtype=np.float64).astype(dtype, copy=False)
    return _leaf(data, requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal, from the generator seeded by ``manual_seed``."""
    dtype = _dtype(dtype)
    shape = resolve_shape(size, "randn")
    data = _random.default_generator().standard_normal(shape).astype(dtype, copy=False)
    return _leaf(data, requires_grad)


def from_numpy(array):
    """A leaf tensor sharing ``array``'s memory (no copy), like ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    resolve_dtype(array.dtype, "from_numpy")
    return Tensor._make(array, False, None)


def _like_dtype(x, dtype):
    return x.dtype if dtype is None else dtype


def zeros_like(x, dtype=None, requires_grad=False):
    return zeros(x.shape, dtype=_like_dtype(x, dtype), requires_grad=requires_grad)


def ones_like(x, dtype=None, requires_grad=False):
    return ones(x.shape, dtype=_like_dtype(x, dtype), requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    return full(x.shape, fill_value, dtype=_like_dtype(x, dtype), requires_grad=requires_grad)


def rand_like(x, dtype=None, requires_grad=False):
    return rand(x.shape, dtype=_like_dtype(x, dtype), requires_grad=requires_grad)


def randn_like(x, dtype=None, requires_grad=False):
    return randn(x.shape, dtype=_like_dtype(x, dtype), requires_grad=requires_grad)
