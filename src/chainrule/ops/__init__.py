"""The functional API of the core ops: ``chainrule.exp(x)``, ``chainrule.sum(x, dim=1)``, ...

Each function normalises its arguments (PyTorch names, NumPy aliases) and applies
one op class; the classes live in the modules beside this one.
"""
import builtins
from collections import namedtuple

from ..backend import xp
from ..tensor import Tensor, resolve_shape
from .activation import Clamp, LeakyReLU, ReLU, check_finite_scalar
from .arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Sub
from .compare import eq, ge, gt, le, lt, ne
from .elementwise import Abs, Cast, Cos, Exp, Log, Sigmoid, Sin, Sqrt, Tanh
from .reduction import (
    LogSumExp, MaxAll, MaxAlongDim, Mean, MinAll, MinAlongDim, Sum, Var, normalize_dims,
)
from .selection import Maximum, Minimum, Where
from .shape import Cat, Expand, GetItem, Permute, Reshape, Stack
from .softmax import LogSoftmax, Softmax

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def add(x, y):
    return Add.apply(x, y)


def sub(x, y):
    return Sub.apply(x, y)


def mul(x, y):
    return Mul.apply(x, y)


def div(x, y):
    return Div.apply(x, y)


def pow(x, exponent):
    return Pow.apply(x, exponent)


def neg(x):
    return Neg.apply(x)


def matmul(x, y):
    return MatMul.apply(x, y)


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def abs(x):
    return Abs.apply(x)


def sin(x):
    return Sin.apply(x)


def cos(x):
    return Cos.apply(x)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    return Sigmoid.apply(x)


def relu(x):
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01):
    check_finite_scalar("leaky_relu", "negative_slope", negative_slope)
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    check_finite_scalar("clamp", "min", min)
    check_finite_scalar("clamp", "max", max)
    return Clamp.apply(x, min=min, max=max)


def maximum(x, y):
    return Maximum.apply(x, y)


def minimum(x, y):
    return Minimum.apply(x, y)


def where(condition, x, y):
    return Where.apply(condition, x, y)


def cast(x, dtype):
    return Cast.apply(x, dtype=dtype)


def _dim_args(dim, axis, keepdim, keepdims):
    """PyTorch's ``dim``/``keepdim``, or NumPy's ``axis``/``keepdims``."""
    return (axis if dim is None else dim), bool(keepdim or keepdims)


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    dim, keepdim = _dim_args(dim, axis, keepdim, keepdims)
    return Sum.apply(x, dims=normalize_dims(dim, xp.ndim(_data(x)), "sum"), keepdim=keepdim)


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    dim, keepdim = _dim_args(dim, axis, keepdim, keepdims)
    return Mean.apply(x, dims=normalize_dims(dim, xp.ndim(_data(x)), "mean"), keepdim=keepdim)


def var(x, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, keepdims=False, ddof=None):
    """Variance; ``correction`` (or NumPy's ``ddof``) overrides ``unbiased``."""
    dim, keepdim = _dim_args(dim, axis, keepdim, keepdims)
    if correction is None:
        correction = ddof if ddof is not None else int(bool(unbiased))
    dims = normalize_dims(dim, xp.ndim(_data(x)), "var")
    return Var.apply(x, dims=dims, correction=correction, keepdim=keepdim)


def _one_dim(dim, ndim, op):
    """``dim`` as one non-negative axis of a tensor with ``ndim`` >= 1 dimensions."""
    if ndim == 0:
        raise IndexError(f"{op}: dim={dim!r} needs a tensor with at least one dimension")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be one int, got {dim!r}")
    return normalize_dims(dim, ndim, op)[0]


def _extreme(x, dim, keepdim, axis, keepdims, name):
    dim, keepdim = _dim_args(dim, axis, keepdim, keepdims)
    is_max = name == "max"
    if isinstance(dim, Tensor):  # torch.max(a, b) is the element-wise maximum
        return (maximum if is_max else minimum)(x, dim)
    data = _data(x)
    if data.size == 0:
        raise ValueError(f"{name}: cannot reduce an empty tensor")
    if dim is None:
        return (MaxAll if is_max else MinAll).apply(x)
    dim = _one_dim(dim, data.ndim, name)
    indices = xp.expand_dims((xp.argmax if is_max else xp.argmin)(data, axis=dim), dim)
    along = MaxAlongDim if is_max else MinAlongDim
    values = along.apply(x, indices=indices, dim=dim, keepdim=keepdim)
    indices = indices if keepdim else indices.squeeze(dim)
    return ValuesIndices(values, Tensor._make(indices.astype(xp.int64, copy=False), False, None))


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    """Maximum of all elements, or ``(values, indices)`` along ``dim`` as in PyTorch."""
    return _extreme(x, dim, keepdim, axis, keepdims, "max")


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    """Minimum of all elements, or ``(values, indices)`` along ``dim`` as in PyTorch."""
    return _extreme(x, dim, keepdim, axis, keepdims, "min")


def _arg(x, dim, keepdim, fn, name):
    data = _data(x)
    if data.size == 0:
        raise ValueError(f"{name}: cannot reduce an empty tensor")
    if dim is None:
        return xp.asarray(fn(data), dtype=xp.int64)
    dim = _one_dim(dim, data.ndim, name)
    out = fn(data, axis=dim)
    return (xp.expand_dims(out, dim) if keepdim else out).astype(xp.int64, copy=False)


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    """Index of the (first) maximum; no gradient."""
    dim, keepdim = _dim_args(dim, axis, keepdim, keepdims)
    return Tensor._make(_arg(x, dim, keepdim, xp.argmax, "argmax"), False, None)


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    """Index of the (first) minimum; no gradient."""
    dim, keepdim = _dim_args(dim, axis, keepdim, keepdims)
    return Tensor._make(_arg(x, dim, keepdim, xp.argmin, "argmin"), False, None)


def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    dim, keepdim = _dim_args(dim, axis, keepdim, keepdims)
    return LogSumExp.apply(x, dims=normalize_dims(dim, xp.ndim(_data(x)), "logsumexp"), keepdim=keepdim)


def softmax(x, dim=-1):
    return Softmax.apply(x, dim=_one_dim(dim, xp.ndim(_data(x)), "softmax"))


def log_softmax(x, dim=-1):
    return LogSoftmax.apply(x, dim=_one_dim(dim, xp.ndim(_data(x)), "log_softmax"))


def _data(x):
    return x._data if isinstance(x, Tensor) else xp.asarray(x)


def reshape(x, *shape):
    return Reshape.apply(x, shape=resolve_shape(shape, "reshape"))


def view(x, *shape):
    return Reshape.apply(x, shape=resolve_shape(shape, "view"))


def flatten(x, start_dim=0, end_dim=-1):
    shape = _data(x).shape
    if not shape:
        return reshape(x, 1)
    start, end = start_dim % len(shape), end_dim % len(shape)
    size = 1
    for n in shape[start:end + 1]:
        size *= n
    return reshape(x, shape[:start] + (size,) + shape[end + 1:])


def permute(x, *dims):
    dims = resolve_shape(dims, "permute", "dims")
    ndim = xp.ndim(_data(x))
    if sorted(d % builtins.max(ndim, 1) for d in dims) != list(range(ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {ndim} dims")
    return Permute.apply(x, dims=tuple(d % ndim for d in dims))


def transpose(x, dim0, dim1):
    ndim = xp.ndim(_data(x))
    dim0, dim1 = (_one_dim(d, ndim, "transpose") for d in (dim0, dim1))
    dims = list(range(ndim))
    dims[dim0], dims[dim1] = dim1, dim0
    return Permute.apply(x, dims=tuple(dims))


def squeeze(x, dim=None):
    shape = _data(x).shape
    dims = normalize_dims(dim, len(shape), "squeeze")
    return reshape(x, tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1)))


def unsqueeze(x, dim):
    shape = _data(x).shape
    dim = _one_dim(dim, len(shape) + 1, "unsqueeze")
    return reshape(x, shape[:dim] + (1,) + shape[dim:])


def expand(x, *sizes):
    sizes = resolve_shape(sizes, "expand")
    shape = _data(x).shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ValueError(f"expand: {sizes} has fewer dims than the tensor's shape {shape}")
    full = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return Expand.apply(x, shape=full)


def cat(tensors, dim=0):
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("cat: expects a non-empty sequence of tensors")
    dim = _one_dim(dim, xp.ndim(_data(tensors[0])), "cat")
    return Cat.apply(*tensors, dim=dim)


def stack(tensors, dim=0):
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("stack: expects a non-empty sequence of tensors")
    dim = _one_dim(dim, xp.ndim(_data(tensors[0])) + 1, "stack")
    return Stack.apply(*tensors, dim=dim)


def index_arrays(index):
    """The index with Tensors replaced by their arrays and lists by integer arrays."""
    if isinstance(index, tuple):
        return tuple(index_arrays(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return xp.asarray(index)
    return index


def getitem(x, index):
    return GetItem.apply(x, index=index_arrays(index))


__all__ = [
    "abs", "add", "argmax", "argmin", "cast", "cat", "clamp", "cos", "div", "eq", "exp",
    "expand", "flatten", "ge", "getitem", "gt", "le", "leaky_relu", "log", "log_softmax",
    "logsumexp", "lt", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "ne",
    "neg", "permute", "pow", "relu", "reshape", "sigmoid", "sin", "softmax", "sqrt", "squeeze",
    "stack", "sub", "sum", "tanh", "transpose", "unsqueeze", "var", "view", "where",
]
