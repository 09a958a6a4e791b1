"""Tensor factories, following PyTorch's names and signatures.

Every factory takes ``device=`` (only the CPU exists: another device is a clear error, see
``chainrule.device.resolve_device``); random ones draw from ``chainrule.random``'s generator,
so ``manual_seed`` makes them reproducible.
"""
import operator

import numpy as np

from . import random as _random
from .device import resolve_device
from .tensor import SUPPORTED_KINDS, Tensor, resolve_dtype, resolve_shape


def tensor(data, dtype=None, requires_grad=False, *, device=None, name=None):
    """A new leaf tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors).

    Python floats become float32 (PyTorch's default), ints int64; NumPy arrays keep their dtype.
    ``name`` (not in PyTorch) is what ``chainrule.explain``'s traces and diagrams call it.
    """
    resolve_device(device, "tensor")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"tensor: name must be a string, got {type(name).__name__}")
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, name=name)


def _dtype(dtype, default=np.float32):
    return np.dtype(default) if dtype is None else resolve_dtype(dtype)


def _leaf(array, requires_grad, device, where):
    resolve_device(device, where)
    t = Tensor._make(array, False, None)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(np.zeros(resolve_shape(size, "zeros"), dtype=_dtype(dtype)), requires_grad, device, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _leaf(np.ones(resolve_shape(size, "ones"), dtype=_dtype(dtype)), requires_grad, device, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False):
    """Like ``torch.empty``, but filled with zeros: uninitialised memory would make runs differ."""
    return _leaf(np.zeros(resolve_shape(size, "empty"), dtype=_dtype(dtype)), requires_grad, device, "empty")


def full(size, fill_value, dtype=None, requires_grad=False, *, device=None):
    default = np.float32 if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    shape = resolve_shape((size,), "full")
    return _leaf(np.full(shape, fill_value, dtype=_dtype(dtype, default)), requires_grad, device, "full")


def eye(n, m=None, dtype=None, requires_grad=False, *, device=None):
    return _leaf(np.eye(n, m, dtype=_dtype(dtype)), requires_grad, device, "eye")


def arange(start, end=None, step=1, dtype=None, requires_grad=False, *, device=None):
    """Like ``torch.arange``: int64 for integer arguments, float32 otherwise."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, int) for v in (start, end, step))
    default = np.int64 if integral else np.float32
    return _leaf(np.arange(start, end, step, dtype=_dtype(dtype, default)), requires_grad, device, "arange")


def linspace(start, end, steps, dtype=None, requires_grad=False, *, device=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32 by default)."""
    steps = _count(steps, "linspace", "steps")
    return _leaf(np.linspace(start, end, steps, dtype=_dtype(dtype)), requires_grad, device, "linspace")


def logspace(start, end, steps, base=10.0, dtype=None, requires_grad=False, *, device=None):
    """``base`` to the powers ``linspace(start, end, steps)`` (float32 by default)."""
    steps = _count(steps, "logspace", "steps")
    return _leaf(np.logspace(start, end, steps, base=base, dtype=_dtype(dtype)), requires_grad, device, "logspace")


def _integer(n, where, what):
    """``n`` as a Python int; floats and bools are refused, as PyTorch refuses them."""
    try:
        if isinstance(n, (bool, np.bool_)):
            raise TypeError
        return operator.index(n)
    except TypeError:
        raise TypeError(f"{where}: {what} must be an integer, got {n!r} of type {type(n).__name__}") from None


def _count(n, where, what):
    n = _integer(n, where, what)
    if n < 0:
        raise ValueError(f"{where}: {what} must be non-negative, got {n}")
    return n


def _generator(generator, where):
    """``generator`` (a NumPy Generator, such as ``chainrule.Generator()``), else the global one."""
    if generator is None:
        return _random.default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{where}: generator must be a chainrule.Generator or a NumPy Generator, "
                        f"got {type(generator).__name__}")
    return generator


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1), from the generator seeded by ``manual_seed`` (or ``generator``)."""
    dtype = _dtype(dtype)
    shape = resolve_shape(size, "rand")
    data = _generator(generator, "rand").random(shape, dtype=np.float64).astype(dtype, copy=False)
    return _leaf(data, requires_grad, device, "rand")


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal, from the generator seeded by ``manual_seed`` (or ``generator``)."""
    dtype = _dtype(dtype)
    shape = resolve_shape(size, "randn")
    data = _generator(generator, "randn").standard_normal(shape).astype(dtype, copy=False)
    return _leaf(data, requires_grad, device, "randn")


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (``size`` also by keyword), int64 by default, as ``torch.randint``."""
    if size is None:
        if len(args) not in (2, 3):
            raise TypeError("randint: expected (high, size) or (low, high, size)")
        *bounds, size = args
    else:
        bounds = list(args)
    if len(bounds) not in (1, 2):
        raise TypeError("randint: expected (high, size) or (low, high, size)")
    low, high = (0, *bounds) if len(bounds) == 1 else bounds
    low, high = _integer(low, "randint", "low"), _integer(high, "randint", "high")
    if high <= low:
        raise ValueError(f"randint: expects low < high, got low={low} and high={high}")
    shape = resolve_shape((size,), "randint", "size")
    data = _generator(generator, "randint").integers(low, high, shape).astype(_dtype(dtype, np.int64), copy=False)
    return _leaf(data, requires_grad, device, "randint")


def randperm(n, dtype=None, device=None, requires_grad=False, *, generator=None):
    """A random permutation of 0 .. n - 1 (int64 by default)."""
    n = _count(n, "randperm", "n")
    data = _generator(generator, "randperm").permutation(n).astype(_dtype(dtype, np.int64), copy=False)
    return _leaf(data, requires_grad, device, "randperm")


def from_numpy(array):
    """A leaf tensor sharing ``array``'s memory (no copy), like ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    if array.dtype.kind not in SUPPORTED_KINDS:
        resolve_dtype(array.dtype, "from_numpy")  # raises, naming the dtype
    return Tensor._make(array, False, None)


def _like_dtype(x, dtype):
    return x.dtype if dtype is None else dtype


def zeros_like(x, dtype=None, requires_grad=False, *, device=None):
    return zeros(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)


def ones_like(x, dtype=None, requires_grad=False, *, device=None):
    return ones(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)


def empty_like(x, dtype=None, requires_grad=False, *, device=None):
    return empty(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False, *, device=None):
    return full(x.shape, fill_value, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)


def rand_like(x, dtype=None, requires_grad=False, *, device=None):
    return rand(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)


def randn_like(x, dtype=None, requires_grad=False, *, device=None):
    return randn(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)


def randint_like(x, *bounds, dtype=None, requires_grad=False, device=None):
    """``randint_like(x, high)`` or ``randint_like(x, low, high)``, in x's shape and dtype."""
    return randint(*bounds, size=x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory with a NumPy array or tensor of the same dtype (as
    ``torch.as_tensor`` does on the CPU); otherwise a copy, as ``tensor`` makes."""
    resolve_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or np.dtype(resolve_dtype(dtype)) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(resolve_dtype(dtype)) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from the categories weighted by ``input`` (C,) or (N, C) (non-negative,
    not necessarily summing to 1), ``num_samples`` per row, int64; draws from chainrule's
    generator or the NumPy ``generator`` given."""
    weights = np.asarray(input._data if isinstance(input, Tensor) else input, dtype=np.float64)
    if weights.ndim not in (1, 2) or weights.shape[-1] == 0:
        raise ValueError(f"multinomial: expected weights of shape (C,) or (N, C), got {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("multinomial: weights must be finite and non-negative")
    num_samples = _count(num_samples, "multinomial", "num_samples")
    rows = weights.reshape(-1, weights.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without replacement from "
                           f"{rows.shape[1]} categories")
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("multinomial: a row of weights sums to 0 (no category can be drawn)")
    rng = _generator(generator, "multinomial")
    if replacement:
        draws = np.array([rng.choice(row.size, num_samples, p=row / row.sum()) for row in rows])
    else:  # sequential draws as sorting exponential keys / weight; zero weights come last, as PyTorch
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        draws = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(draws.astype(np.int64).reshape(*weights.shape[:-1], num_samples), False, None)


class LegacyTensorType(type):
    """``torch.FloatTensor`` and friends: calling one makes a tensor of its dtype (from data,
    or zeros of the given sizes: chainrule's ``empty``); ``isinstance(t, chainrule.FloatTensor)``
    holds for a float32 tensor; ``t.type(chainrule.LongTensor)`` casts."""

    def __call__(cls, *args, device=None):
        resolve_device(device, cls.__name__)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return tensor(args[0], dtype=cls.dtype)
        return zeros(*args, dtype=cls.dtype)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


def _legacy(name, dtype):
    return LegacyTensorType(name, (), {"dtype": np.dtype(dtype), "__doc__": f"A {np.dtype(dtype)} tensor."})


FloatTensor, DoubleTensor, HalfTensor = (_legacy(n, d) for n, d in (
    ("FloatTensor", np.float32), ("DoubleTensor", np.float64), ("HalfTensor", np.float16)))
LongTensor, IntTensor, ShortTensor, ByteTensor, BoolTensor = (_legacy(n, d) for n, d in (
    ("LongTensor", np.int64), ("IntTensor", np.int32), ("ShortTensor", np.int16), ("ByteTensor", np.uint8),
    ("BoolTensor", np.bool_)))
