"""``Tensor``: an n-d array that remembers the op that made it (``grad_fn``).

The Tensor knows the graph; the ops (``chainrule.ops``) know the math. Operators and
math methods are the functional ops themselves, bound at the end of this module.
"""
import operator

import numpy as np

float16, float32, float64 = np.float16, np.float32, np.float64
int8, int16, int32, int64, uint8 = np.int8, np.int16, np.int32, np.int64, np.uint8
bool_ = np.bool_

SUPPORTED_KINDS = "fiub"  # float, signed, unsigned, bool

# In-place changes so far in this process, numbered 1, 2, ... A version counter is [version,
# the numbers of its last CHANGES_KEPT changes, newest first]: a graph node records the count
# at forward, and backward looks at what the node saved only if the count moved on since.
inplace_changes = [0]
CHANGES_KEPT = 4


def resolve_dtype(dtype, where="tensor"):
    """A NumPy dtype from a NumPy dtype, a type or a name ('float32'); clear error otherwise."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: unknown dtype {dtype!r}") from None
    if resolved.kind not in SUPPORTED_KINDS:
        raise TypeError(
            f"{where}: unsupported dtype {resolved.name}; use a float, integer or bool dtype"
        )
    return resolved


def resolve_shape(sizes, where, what="sizes"):
    """``sizes`` (ints, or one tuple/list of them) as a tuple of Python ints. Like PyTorch,
    accepts Python and NumPy integers and rejects floats and bools instead of truncating."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    shape = []
    for s in sizes:
        try:
            if isinstance(s, (bool, np.bool_)):
                raise TypeError
            shape.append(operator.index(s))
        except TypeError:
            raise TypeError(
                f"{where}: {what} must be integers, got {s!r} of type {type(s).__name__} "
                f"in {tuple(sizes)}"
            ) from None
    return tuple(shape)


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        data = data._data
    from_numpy = isinstance(data, (np.ndarray, np.number))
    try:
        array = np.array(data, dtype=None if dtype is None else resolve_dtype(dtype))
    except (ValueError, TypeError) as exc:
        if isinstance(exc, TypeError) and str(exc).startswith("tensor:"):
            raise
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__}: {exc}") from None
    if array.dtype.kind not in SUPPORTED_KINDS:
        raise TypeError(
            f"tensor: cannot make a tensor from data of dtype {array.dtype} "
            f"({type(data).__name__}); expected numbers"
        )
    if dtype is None and not from_numpy and array.dtype == np.float64:
        array = array.astype(np.float32)  # PyTorch's default float dtype
    return array


def _float_formatter(data):
    """PyTorch's float style: ``1.`` when all values are integral, else 4 decimals,
    scientific when the nonzero finite magnitudes span more than 1e3 or leave [1e-4, 1e8).
    Values are right-aligned to the widest nonzero finite one, as PyTorch does."""
    values = data[np.isfinite(data) & (data != 0)].astype(np.float64)
    magnitudes = np.abs(values)
    integral = bool(np.all(values == np.round(values)))
    big, small = (magnitudes.max(), magnitudes.min()) if values.size else (0.0, 0.0)
    if integral:
        scientific = big > 1e8
    else:
        scientific = big / small > 1e3 or big > 1e8 or small < 1e-4
    if scientific:
        fmt = "{:.4e}".format
    elif integral:
        fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else f"{v}"  # noqa: E731
    else:
        fmt = "{:.4f}".format
    width = max((len(fmt(v)) for v in values[:1000]), default=1)
    return lambda v: fmt(v).rjust(width)


def _format_array(data):
    """The array part of a tensor's repr, formatted as PyTorch formats it."""
    if data.size == 0:
        return "[]"
    formatter = {"float_kind": _float_formatter(data)} if data.dtype.kind == "f" else None
    return np.array2string(data, separator=", ", prefix="tensor(", formatter=formatter)


class Tensor:
    """An n-d array with optional gradient tracking.

    Attributes: ``data`` (a detached Tensor sharing this one's memory, as in PyTorch),
    ``grad`` (a Tensor of this one's shape and dtype, or None), ``requires_grad``,
    ``grad_fn`` (the node that made it; None for leaves), ``name`` (optional, used by
    the explain tools). ``numpy()`` gives the NumPy array itself; internal code reads
    it as ``_data``.
    """

    __slots__ = ("_data", "_grad", "requires_grad", "grad_fn", "name", "_hooks", "_version_counter",
                 "__weakref__")
    __array_ufunc__ = None  # make NumPy defer: ndarray + Tensor calls Tensor.__radd__
    __hash__ = object.__hash__

    def __init__(self, data, dtype=None, requires_grad=False, name=None):
        self._data = _to_array(data, dtype)
        self._grad = None
        self.grad_fn = None
        self.name = name
        self._hooks = None
        self._version_counter = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod  # not a classmethod: no bound method is made per call
    def _make(data, requires_grad, grad_fn):
        """Fast constructor used by ops: ``data`` is already an ndarray."""
        t = object.__new__(Tensor)
        t._data = data
        t._grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t.name = None
        t._hooks = None
        t._version_counter = None
        return t

    # ---- basic attributes -------------------------------------------------------
    @property
    def data(self):
        """This tensor's values as a detached Tensor sharing its memory. As in PyTorch it has
        its own version counter: in-place changes through ``.data`` go unchecked by backward
        (``.detach()`` shares the counter, so they are checked)."""
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value):
        """Replace the values (any shape and dtype, as PyTorch allows); the graph is untouched."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data: assigned value must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def grad(self):
        """The gradient accumulated by backward: a Tensor of this tensor's shape and dtype, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"grad: assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"grad: attempting to assign a gradient with dtype {value.dtype} to a tensor "
                    f"of dtype {self.dtype}; gradients keep their tensor's dtype"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"grad: assigned grad has data of a different size ({value.shape}) than the "
                    f"tensor ({self.shape})"
                )
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return _ops.permute(self, tuple(reversed(range(self.ndim))))

    def size(self, dim=None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def numpy(self):
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``."""
        if self.requires_grad:
            raise RuntimeError("numpy: call .detach().numpy() on a tensor that requires grad")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise ShapeError(f"item: only one-element tensors convert to a number, got shape {self.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise ShapeError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self._data)

    def __repr__(self):
        extras = []
        if self._data.size == 0 and self._data.ndim != 1:
            extras.append(f"size={self.shape}")
        if self.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype=chainrule.{self.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + _format_array(self._data) + "".join(", " + e for e in extras) + ")"

    def _repr_html_(self):
        """A notebook's view: shape, dtype, gradient state, then the values (or statistics);
        a large tensor also as a heatmap, and its gradient's beside it when it has one."""
        from .html_table import array_picture, array_rows, html_table

        state = (f"grad_fn={type(self.grad_fn).__name__}" if self.grad_fn is not None
                 else f"requires_grad={self.requires_grad}")
        rows = [("shape", tuple(self.shape)), ("dtype", self.dtype.name), ("autograd", state)]
        rows += array_rows(self._data)
        pictures = [array_picture(self._data, "value")]
        if self.grad is not None:
            pictures.append(array_picture(self.grad._data, "grad"))
        shown = "".join(f'<div style="display: inline-block; margin-right: 12px">{p}</div>' for p in pictures if p)
        return html_table(None, rows, caption=f"tensor {self.name}" if self.name else "tensor") + shown

    # ---- graph ----------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate gradients into the leaves' ``.grad`` (see ``chainrule.autograd.backward``);
        ``gradient`` (PyTorch's name) is the upstream gradient of a non-scalar tensor."""
        if create_graph:
            raise NotImplementedError("backward: create_graph=True (gradients that are themselves "
                                      "differentiable) is not supported")
        _engine.backward(self, gradient, bool(retain_graph))

    def detach(self):
        """The same data (memory and version counter shared), cut from the graph."""
        t = Tensor._make(self._data, False, None)
        t._version_counter = self._counter()
        return t

    def _counter(self):
        """The list counting in-place changes (see ``inplace_changes``), shared with
        ``.detach()`` and views; made on first use (no counter means version 0)."""
        counter = self._version_counter
        if counter is None:
            counter = self._version_counter = [0, ()]
        return counter

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has had, as in PyTorch."""
        counter = self._version_counter
        return 0 if counter is None else counter[0]

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {self.dtype}"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: cannot turn off gradients of a non-leaf tensor; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` (a Tensor) when this tensor's gradient is computed; it may return a
        replacement Tensor, as in PyTorch."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: the tensor does not require grad")
        if self.grad_fn is None:
            self._hooks = (self._hooks or []) + [hook]
        else:
            self.grad_fn.hooks = (self.grad_fn.hooks or []) + [hook]
        return hook

    def retain_grad(self):
        """Keep ``.grad`` on a non-leaf tensor too (leaves always keep it); it accumulates
        across backward calls, as in PyTorch. Calling it again changes nothing."""
        if self.grad_fn is None or any(getattr(h, "retains_grad", False) for h in self.grad_fn.hooks or ()):
            return

        def store(grad, tensor=self):
            if tensor._grad is None:
                tensor._grad = Tensor._make(np.array(grad._data), False, None)
            else:
                np.add(tensor._grad._data, grad._data, out=tensor._grad._data)

        store.retains_grad = True
        self.register_hook(store)

    def zero_grad(self):
        self._grad = None

    # ---- conversion -------------------------------------------------------------------
    # ``to`` (dtype and device) is bound with the device methods at the end of this module
    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def long(self):
        return self.to(np.int64)

    def int(self):
        return self.to(np.int32)

    def short(self):
        return self.to(np.int16)

    def half(self):
        return self.to(np.float16)

    def bool(self):
        return self.to(np.bool_)

    def clone(self):
        return _ops.cast(self, self.dtype)

    # ---- operators: + - * / ** @ and their reflected forms are bound to the ops at the end
    def __pos__(self):
        return self

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _inplace.check_writable(self, "setitem")
        self._data[_ops.index_arrays(index)] = value._data if isinstance(value, Tensor) else value
        _inplace.bump_version(self)

    # ---- in place: ``+=`` and friends; methods (add_, zero_, ...) are bound from inplace.py
    def _update(self, other, ufunc, symbol):
        if self.requires_grad and self.grad_fn is not None and _grad_mode.is_grad_enabled():
            return NotImplemented  # Python falls back to ``self = self <op> other``
        return _inplace.write(self, symbol, ufunc, other)

    def __iadd__(self, other):
        return self._update(other, np.add, "+=")

    def __isub__(self, other):
        return self._update(other, np.subtract, "-=")

    def __imul__(self, other):
        return self._update(other, np.multiply, "*=")

    def __itruediv__(self, other):
        return self._update(other, np.divide, "/=")


# Bound last: ops and the engine import Tensor from this module.
from . import ops as _ops  # noqa: E402
from .autograd import engine as _engine  # noqa: E402
from .autograd.function import ShapeError  # noqa: E402
from .autograd import grad_mode as _grad_mode  # noqa: E402
from . import inplace as _inplace  # noqa: E402


def _reflected(op):
    def reflected(self, other):
        return op(other, self)

    reflected.__name__ = f"r{op.__name__}"
    return reflected


# Operators call the functional ops directly (``x * y`` is ``chainrule.mul(x, y)``), and
# methods are the functional ops themselves (``x.sum(1)`` is ``chainrule.sum(x, 1)``):
# no extra call per op.
for _dunder, _op in (
    ("add", _ops.add), ("sub", _ops.sub), ("mul", _ops.mul), ("truediv", _ops.div),
    ("pow", _ops.pow), ("matmul", _ops.matmul),
):
    setattr(Tensor, f"__{_dunder}__", _op)
    setattr(Tensor, f"__r{_dunder}__", _reflected(_op))
for _dunder in ("eq", "ne", "lt", "le", "gt", "ge", "neg", "abs"):  # comparisons carry no gradient
    setattr(Tensor, f"__{_dunder}__", getattr(_ops, _dunder))
for _name in (
    "add", "sub", "mul", "div", "pow", "matmul", "neg", "exp", "log", "sqrt", "abs", "sin", "cos",
    "tanh", "sigmoid", "relu", "leaky_relu", "clamp", "maximum", "minimum", "sum", "mean",
    "var", "max", "min", "logsumexp", "argmax", "argmin", "softmax", "log_softmax", "reshape",
    "view", "flatten", "transpose", "permute", "squeeze", "unsqueeze", "expand",
):
    setattr(Tensor, _name, getattr(_ops, _name))
Tensor.clip = Tensor.clamp


# ---- the rest of PyTorch's Tensor API (issue 11, item 6) -----------------------------------------
# PyTorch's type names, as ``Tensor.type()`` returns them.
_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
    "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
}
_TYPE_DTYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


def _type(self, dtype=None, non_blocking=False):
    """Without ``dtype``: the type name ('chainrule.FloatTensor'); with one (a dtype or such a
    name, 'torch.' accepted): this tensor in that dtype."""
    if dtype is None:
        return "chainrule." + _TYPE_NAMES[self.dtype.name]
    if isinstance(dtype, str) and dtype.rpartition(".")[2] in _TYPE_DTYPES:
        dtype = _TYPE_DTYPES[dtype.rpartition(".")[2]]
    if isinstance(dtype, _factories.LegacyTensorType):  # x.type(chainrule.FloatTensor)
        dtype = dtype.dtype
    return self.to(dtype)


def _is_floating_point(self):
    return self.dtype.kind == "f"


def _view_as(self, other):
    return _ops.view(self, other.shape)


def _contiguous(self, memory_format=None):
    """Itself: every op here accepts any memory layout (PyTorch also returns self when contiguous)."""
    return self


def _index(self):
    """An integer (or bool) one-element tensor as a Python int (for slicing and ``range``), as in
    PyTorch; NumPy then reads it as one integer index, not as an array of one."""
    if self.dtype.kind not in "iub" or self.numel() != 1:
        raise TypeError(f"only integer tensors of a single element can be converted to an index, "
                        f"got dtype {self.dtype} and shape {self.shape}")
    return int(self.item())


def _format(self, format_spec):
    """f"{loss:.4f}": a one-element tensor formats as its number; others only with an empty spec."""
    if self.numel() == 1:
        return format(self.item(), format_spec)
    if format_spec:
        raise TypeError(f"unsupported format string {format_spec!r} for a tensor of shape {self.shape}; "
                        "format .item() of a one-element tensor")
    return str(self)


def _new(kind):
    def new(self, *size, dtype=None, device=None, requires_grad=False):
        factory = getattr(_factories, kind)
        return factory(resolve_shape(size, f"new_{kind}"), dtype=self.dtype if dtype is None else dtype,
                       device=device, requires_grad=requires_grad)

    new.__name__ = f"new_{kind}"
    new.__doc__ = f"``chainrule.{kind}`` of ``size``, in this tensor's dtype unless ``dtype`` is given."
    return new


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return _factories.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                           device=device, requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` in this tensor's dtype unless ``dtype`` is given (PyTorch's rule)."""
    return _factories.tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                             requires_grad=requires_grad)


def _scatter(self, dim, index, src=None, value=None):
    """``x.scatter(dim, index, src)`` or ``x.scatter(dim, index, value)`` with a number, out of place."""
    if not isinstance(src, Tensor) and src is not None and value is None:
        src, value = None, src
    return _ops.scatter(self, dim, index, src, value=value)


from . import factories as _factories  # noqa: E402

for _name in (
    "eq", "ne", "lt", "le", "gt", "ge", "t", "mm", "bmm", "norm", "std", "square", "any", "all",
    "masked_fill", "gather", "topk", "sort", "argsort", "log1p", "expm1", "isnan", "isinf",
    "isfinite", "chunk", "split", "allclose", "repeat", "flip", "round",
):
    setattr(Tensor, _name, getattr(_ops, _name))
for _name, _method in (
    ("type", _type), ("is_floating_point", _is_floating_point), ("view_as", _view_as),
    ("contiguous", _contiguous), ("__index__", _index), ("__format__", _format),
    ("new_zeros", _new("zeros")), ("new_ones", _new("ones")), ("new_empty", _new("empty")), ("new_full", _new_full),
    ("new_tensor", _new_tensor), ("scatter", _scatter),
    ("__floordiv__", _ops.floor_divide), ("__rfloordiv__", _reflected(_ops.floor_divide)),
):
    setattr(Tensor, _name, _method)


# ---- devices (issue 11, item 3): every tensor lives on the CPU ---------------------------------------
_TO_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format")


def _names_a_device(value):
    if isinstance(value, str):
        return value.partition(":")[0] in DEVICE_TYPES
    return isinstance(value, device) or (isinstance(value, int) and not isinstance(value, bool))


def parse_to_arguments(args, kwargs, where):
    """``(device, dtype, copy)`` from the forms PyTorch's ``to`` takes: ``to(dtype)``,
    ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``, each followed by
    ``non_blocking`` and ``copy``, and the same by keyword. The device is resolved (only the CPU
    exists: another one is a clear error); ``non_blocking`` and ``memory_format`` change nothing."""
    unknown = sorted(set(kwargs) - set(_TO_KEYWORDS))
    if unknown:
        raise TypeError(f"{where}: unexpected keyword argument {unknown[0]!r}")
    args = list(args)
    requested, dtype = kwargs.get("device"), kwargs.get("dtype")
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        requested, dtype = other.device, other.dtype
    elif args and _names_a_device(args[0]):
        requested = args.pop(0)
        if args and not isinstance(args[0], bool):
            dtype = args.pop(0)
    elif args and not isinstance(args[0], bool):
        dtype = args.pop(0)
    if len(args) > 2:
        raise TypeError(f"{where}: too many positional arguments; expected (device, dtype, non_blocking, copy)")
    copy = bool(args[1]) if len(args) == 2 else bool(kwargs.get("copy", False))
    resolve_device(requested, where)
    return CPU, (None if dtype is None else resolve_dtype(dtype, where)), copy


def _to(self, *args, **kwargs):
    """This tensor in another dtype (itself when nothing changes, as in PyTorch; a copy with
    ``copy=True``). Accepts PyTorch's forms, see ``parse_to_arguments``."""
    _, dtype, copy = parse_to_arguments(args, kwargs, "to")
    if dtype is None or dtype == self.dtype:
        return _ops.cast(self, self.dtype) if copy else self
    return _ops.cast(self, dtype)


def _device(self):
    return CPU


def _is_cuda(self):
    return False


def _cpu(self, memory_format=None):
    """Itself: tensors are on the CPU already."""
    return self


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    """Always an error naming the problem: chainrule has no CUDA device."""
    refuse_cuda(device, "cuda")


def _get_device(self):
    """-1, PyTorch's answer for a CPU tensor."""
    return -1


from .device import CPU, DEVICE_TYPES, device, refuse_cuda, resolve_device  # noqa: E402

for _name, _method in (("to", _to), ("cpu", _cpu), ("cuda", _cuda), ("get_device", _get_device)):
    setattr(Tensor, _name, _method)
Tensor.device = property(_device, doc="``chainrule.device('cpu')``: the only device chainrule computes on.")
Tensor.is_cuda = property(_is_cuda, doc="False: chainrule has no CUDA device.")


for _name, _method in _inplace.METHODS.items():
    setattr(Tensor, _name, _method)


# ---- more of PyTorch's Tensor API, found by running training idioms (issue 11) ---------------
def is_tensor(obj):
    """True for a chainrule Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def equal(x, y):
    """True when both tensors have the same shape and the same values (a Python bool)."""
    return x.shape == y.shape and bool(np.array_equal(x._data, y._data))


def _expand_as(self, other):
    return _ops.expand(self, *other.shape)


def _unbind(self, dim=0):
    """The slices along ``dim``, as a tuple of tensors without that dim."""
    dim = _ops._one_dim(dim, self.ndim, "unbind")
    return tuple(self[(slice(None),) * dim + (i,)] for i in range(self.shape[dim]))


def _type_as(self, other):
    return self.to(other.dtype)


def _clamp_min(self, min):
    return _ops.clamp(self, min=min)


def _clamp_max(self, max):
    return _ops.clamp(self, max=max)


for _name, _method in (
    ("equal", equal), ("expand_as", _expand_as), ("unbind", _unbind), ("clamp_min", _clamp_min),
    ("clamp_max", _clamp_max), ("type_as", _type_as), ("__and__", _ops.bitwise_and), ("__or__", _ops.bitwise_or),
    ("__xor__", _ops.bitwise_xor), ("__invert__", _ops.bitwise_not), ("__rand__", _reflected(_ops.bitwise_and)),
    ("__ror__", _reflected(_ops.bitwise_or)), ("__rxor__", _reflected(_ops.bitwise_xor)),
    ("__mod__", _ops.remainder), ("__rmod__", _reflected(_ops.remainder)),
):
    setattr(Tensor, _name, _method)
for _name in (
    "sign", "floor", "ceil", "cumsum", "prod", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "reciprocal", "tril", "triu", "nonzero", "unique", "bincount", "index_select", "diag", "logical_and",
    "logical_or", "logical_xor", "logical_not", "remainder",
):
    setattr(Tensor, _name, getattr(_ops, _name))
