"""The functional API of the core ops: ``chainrule.exp(x)``, ``chainrule.sum(x, dim=1)``, ...

Each function normalises its arguments (PyTorch names, NumPy aliases) and applies
one op class; the classes live in the modules beside this one.
"""
import builtins
from collections import namedtuple

from ..autograd.function import ShapeError
from ..backend import xp
from ..tensor import Tensor, resolve_shape
from .activation import Clamp, LeakyReLU, ReLU, check_finite_scalar
from .arithmetic import Add, Div, MatMul, Mul, Neg, Pow, Remainder, Sub
from .compare import (
    bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, floor_divide, ge, gt, isfinite, isinf, isnan, le,
    lt, ne,
)
from .counting import bincount, logical_and, logical_not, logical_or, logical_xor, nonzero, unique
from .einsum import Einsum, explicit_equation
from .elementwise import (
    Abs, Cast, Ceil, Cos, Exp, Expm1, Floor, Log, Log1p, Round, Sigmoid, Sign, Sin, Sqrt, Tanh,
)
from .indexing import Gather, Scatter
from .reduction import (
    Cumsum, LogSumExp, MaxAll, MaxAlongDim, Mean, MinAll, MinAlongDim, Norm, Prod, Sum, Var, normalize_dims,
)
from .selection import Maximum, Minimum, Where
from .shape import Cat, Expand, GetItem, Permute, Repeat, Reshape, Stack
from .softmax import LogSoftmax, Softmax

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def add(x, y, *, alpha=1):
    """x + alpha * y (``alpha`` as in ``torch.add``)."""
    return Add.apply(x, y if alpha == 1 else mul(y, alpha))


def sub(x, y, *, alpha=1):
    """x - alpha * y."""
    return Sub.apply(x, y if alpha == 1 else mul(y, alpha))


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
    return Reshape.apply(x, shape=shape[:start] + (size,) + shape[end + 1:])  # ints already


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


# ---- the rest of PyTorch's Tensor API (issue 11, item 6) --------------------------------------
def log1p(x):
    return Log1p.apply(x)


def expm1(x):
    return Expm1.apply(x)


def square(x):
    return Mul.apply(x, x)


def round(x, *, decimals=0):
    return Round.apply(x, decimals=decimals)


def remainder(x, y):
    """x % y, with the sign of y."""
    return Remainder.apply(x, y)


def reciprocal(x):
    """1 / x (an integer tensor gives float32, as ``/`` does)."""
    return Div.apply(1.0, x)


def _triangle(x, diagonal, lower, name):
    data = _data(x)
    if data.ndim < 2:
        raise ShapeError(f"{name}: expected a tensor with at least 2 dims, got shape {data.shape}")
    rows, cols = data.shape[-2:]
    keep = xp.tri(rows, cols, diagonal, dtype=bool) if lower else ~xp.tri(rows, cols, diagonal - 1, dtype=bool)
    return Where.apply(keep, x, xp.zeros((), dtype=data.dtype))


def index_select(x, dim, index):
    """The slices of ``x`` at the 1-D integer ``index`` along ``dim`` (gradient through getitem)."""
    data, positions = _data(x), xp.asarray(_data(index))
    if positions.ndim != 1 or positions.dtype.kind not in "iu":
        raise TypeError(f"index_select: index must be a 1-D integer tensor, got dtype {positions.dtype} "
                        f"of shape {positions.shape}")
    return getitem(x, (slice(None),) * _one_dim(dim, data.ndim, "index_select") + (positions,))


def diag(x, diagonal=0):
    """A 1-D ``x`` as the diagonal of a square matrix, or the main diagonal of a 2-D ``x``."""
    data = _data(x)
    if diagonal != 0:
        raise ValueError(f"diag: only the main diagonal (diagonal=0) is supported, got {diagonal}")
    if data.ndim == 1:
        return mul(xp.eye(data.shape[0], dtype=data.dtype), unsqueeze(x, 0))
    if data.ndim == 2:
        n = builtins.min(data.shape)
        return getitem(x, (xp.arange(n), xp.arange(n)))
    raise ShapeError(f"diag: expected a 1-D or 2-D tensor, got shape {data.shape}")


def cdist(x1, x2, p=2.0):
    """The p-norm distances between the rows of x1 (..., P, M) and of x2 (..., R, M): (..., P, R)."""
    a, b = _data(x1), _data(x2)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"cdist: expected (..., P, M) and (..., R, M) with the same M, got {a.shape} and {b.shape}")
    return norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), p, -1)


def tril(x, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``), zeros above."""
    return _triangle(x, diagonal, True, "tril")


def triu(x, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``), zeros below."""
    return _triangle(x, diagonal, False, "triu")


def sign(x):
    return Sign.apply(x)


def floor(x):
    return Floor.apply(x)


def ceil(x):
    return Ceil.apply(x)


def cumsum(x, dim, *, dtype=None):
    """Running sums along ``dim``; integers and bools sum as int64 (PyTorch's and NumPy's rule)."""
    if dtype is not None:
        x = cast(x, dtype)
    return Cumsum.apply(x, dim=_one_dim(dim, xp.ndim(_data(x)), "cumsum"))


def prod(x, dim=None, keepdim=False, *, dtype=None):
    """The product of all elements, or along one ``dim``."""
    if dtype is not None:
        x = cast(x, dtype)
    if dim is not None:
        dim = _one_dim(dim, xp.ndim(_data(x)), "prod")
    return Prod.apply(x, dim=dim, keepdim=bool(keepdim))


def std(x, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """Standard deviation: the square root of ``var`` (same arguments, as in PyTorch)."""
    return Sqrt.apply(var(x, dim, unbiased, keepdim, correction=correction))


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over ``dim`` (all elements by default); 'fro' is p = 2, as it is for
    ``torch.norm`` over one or two dims. Matrix norms ('nuc') are not provided."""
    data = _data(x)
    if data.dtype.kind != "f":
        raise TypeError(f"norm: expected a floating point tensor, got dtype {data.dtype}")
    if p == "fro":
        p = 2.0
    if isinstance(p, str) or isinstance(p, bool) or not isinstance(p, (int, float)):
        raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
    if dtype is not None:
        x = cast(x, dtype)
    return Norm.apply(x, p=float(p), dims=normalize_dims(dim, data.ndim, "norm"), keepdim=bool(keepdim))


def _logical_reduction(fn, name):
    def reduce(x, dim=None, keepdim=False):
        data = _data(x)
        dims = normalize_dims(dim, data.ndim, name)
        return Tensor._make(xp.asarray(fn(data, axis=dims, keepdims=bool(keepdim))), False, None)

    reduce.__name__ = name
    reduce.__doc__ = f"``{name}`` over ``dim`` (all elements by default): a bool tensor without gradient."
    return reduce


any = _logical_reduction(xp.any, "any")
all = _logical_reduction(xp.all, "all")


def allclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when |x - y| <= atol + rtol |y| everywhere (a Python bool, as in PyTorch)."""
    return builtins.bool(xp.allclose(_data(x), _data(y), rtol=rtol, atol=atol, equal_nan=equal_nan))


def masked_fill(x, mask, value):
    """x with ``value`` (a number, or a 0-d tensor that gets its gradient) where the bool
    ``mask`` (broadcast against x) is True; the result keeps x's dtype, as in PyTorch."""
    mask_data, dtype = _data(mask), _data(x).dtype
    if mask_data.dtype != xp.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask_data.dtype}")
    if not isinstance(value, Tensor):
        value = dtype.type(value)
    elif value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    elif value.dtype != dtype:
        value = cast(value, dtype)
    return Where.apply(mask, value, x)


def t(x):
    """The transpose of a tensor with at most 2 dims (itself for 0 and 1 dims)."""
    ndim = xp.ndim(_data(x))
    if ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got {ndim}; use transpose or permute")
    return x if ndim < 2 else Permute.apply(x, dims=(1, 0))


def _check_ranks(name, ndim, *tensors):
    shapes = [_data(a).shape for a in tensors]
    if builtins.any(len(s) != ndim for s in shapes):
        raise ValueError(f"{name}: expects {ndim}-D tensors, got shapes {' and '.join(map(str, shapes))}")


def mm(x, y):
    """The matrix product of two 2-D tensors."""
    _check_ranks("mm", 2, x, y)
    return MatMul.apply(x, y)


def bmm(x, y):
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting."""
    _check_ranks("bmm", 3, x, y)
    if _data(x).shape[0] != _data(y).shape[0]:
        raise ValueError(f"bmm: batch sizes differ: shapes {_data(x).shape} and {_data(y).shape}")
    return MatMul.apply(x, y)


def einsum(equation, *operands):
    """``torch.einsum(equation, *operands)`` (operands also as one list), with '...' and the
    implicit output; a subscript repeated within one operand (a diagonal) is not supported."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subscripts, output = explicit_equation(equation, [xp.ndim(_data(a)) for a in operands])
    return Einsum.apply(*operands, subscripts=tuple(subscripts), output=output)


def repeat(x, *repeats):
    return Repeat.apply(x, repeats=resolve_shape(repeats, "repeat", "repeats"))


def flip(x, *dims):
    """x reversed along ``dims`` (ints, or one tuple/list of them)."""
    ndim = xp.ndim(_data(x))
    dims = normalize_dims(resolve_shape(dims, "flip", "dims"), ndim, "flip")
    return GetItem.apply(x, index=tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(ndim)))


def split(x, split_size_or_sections, dim=0):
    """A tuple of views along ``dim``: pieces of ``split_size`` (the last may be smaller), or
    of the listed sizes (which must add up to the dim's size)."""
    shape = _data(x).shape
    dim = _one_dim(dim, len(shape), "split")
    n = shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = resolve_shape((split_size_or_sections,), "split", "split sizes")
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sizes {list(sizes)} add up to {builtins.sum(sizes)}, not to the "
                             f"size {n} of dim {dim}")
    else:
        size = resolve_shape((split_size_or_sections,), "split", "split_size")[0]
        if size <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [builtins.min(size, n - start) for start in range(0, n, size)] if n else [0]
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(GetItem.apply(x, index=index))
        start += size
    return tuple(pieces)


def chunk(x, chunks, dim=0):
    """Up to ``chunks`` pieces of equal size along ``dim`` (the last may be smaller), as PyTorch."""
    if isinstance(chunks, builtins.bool) or not isinstance(chunks, int) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    shape = _data(x).shape
    n = shape[_one_dim(dim, len(shape), "chunk")]
    return split(x, builtins.max(-(-n // chunks), 1), dim)


def gather(x, dim, index):
    """out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (likewise for the other dims)."""
    dim = _one_dim(dim, xp.ndim(_data(x)), "gather")
    return Gather.apply(x, index=_data(index), dim=dim)


def scatter(x, dim, index, src=None, *, value=None):
    """x with out[index[i][j][k]][j][k] = src[i][j][k] for dim 0 (``src`` a tensor, or
    ``value`` a number); out of place. ``reduce=`` is not provided."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    dim = _one_dim(dim, xp.ndim(_data(x)), "scatter")
    return Scatter.apply(x, value if src is None else src, index=_data(index), dim=dim)


def _long(array):
    return Tensor._make(array.astype(xp.int64, copy=False), False, None)


def _argsort(data, dim, descending):
    """Stable sort order along ``dim``; descending keeps equal elements in their order too."""
    if not descending:
        return xp.argsort(data, axis=dim, kind="stable")
    if data.dtype.kind in "ub":
        data = data.astype(xp.int64)
    reversed_order = xp.flip(xp.argsort(xp.flip(data, dim), axis=dim, kind="stable"), dim)
    return data.shape[dim] - 1 - reversed_order


def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort x along ``dim`` (always a stable sort here); no gradient."""
    data = _data(x)
    return _long(_argsort(data, _one_dim(dim, data.ndim, "argsort"), descending))


def sort(x, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim``; the gradient goes back through the indices."""
    data = _data(x)
    dim = _one_dim(dim, data.ndim, "sort")
    indices = _argsort(data, dim, descending)
    return ValuesIndices(Gather.apply(x, index=indices, dim=dim), _long(indices))


def topk(x, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in order."""
    data = _data(x)
    dim = _one_dim(dim, data.ndim, "topk")
    if isinstance(k, builtins.bool) or not isinstance(k, int) or not 0 <= k <= data.shape[dim]:
        raise ValueError(f"topk: k={k!r} is out of range for dim {dim} of size {data.shape[dim]}")
    indices = _argsort(data, dim, largest)[(slice(None),) * dim + (slice(0, k),)]
    return ValuesIndices(Gather.apply(x, index=indices, dim=dim), _long(indices))


__all__ = [
    "abs", "add", "all", "allclose", "any", "argmax", "argmin", "argsort", "bmm", "cast", "cat",
    "chunk", "clamp", "cos", "div", "einsum", "eq", "exp", "expand", "expm1", "flatten", "flip",
    "floor_divide", "gather", "ge", "getitem", "gt", "isfinite", "isinf", "isnan", "le",
    "leaky_relu", "log", "log1p", "log_softmax", "logsumexp", "lt", "masked_fill", "matmul",
    "max", "maximum", "mean", "min", "minimum", "mm", "mul", "ne", "neg", "norm", "permute",
    "pow", "relu", "repeat", "reshape", "round", "scatter", "sigmoid", "sin", "softmax", "sort",
    "split", "sqrt", "square", "squeeze", "stack", "std", "sub", "sum", "t", "tanh", "topk",
    "transpose", "unsqueeze", "var", "view", "where",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "ceil", "cumsum", "floor", "prod", "sign",
    "reciprocal", "tril", "triu",
    "bincount", "cdist", "diag", "index_select", "logical_and", "logical_not", "logical_or", "logical_xor",
    "nonzero", "unique", "remainder",
]
