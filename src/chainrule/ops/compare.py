"""Element-wise functions without gradient: comparisons and predicates (bool tensors),
bitwise logic (``mask & other``, ``~mask``) and floor division (PyTorch defines no derivative
for it either)."""
import operator

from ..autograd.function import DTypeError, op_error
from .arithmetic import division_operands
from ..tensor import Tensor
from ..backend import quiet, xp


def _compare(op, name=None):
    name = name or op.__name__

    def compare(x, y):
        a = x._data if isinstance(x, Tensor) else x
        b = y._data if isinstance(y, Tensor) else y
        try:
            out = op(a, b)
        except ValueError as exc:
            raise op_error(name, exc, (a, b)) from None
        return Tensor._make(xp.asarray(out), False, None)

    compare.__name__ = name
    compare.__doc__ = f"Element-wise ``{name}``; a bool tensor without gradient."
    return compare


eq, ne, lt, le, gt, ge = (
    _compare(op) for op in (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge)
)
_floordiv = quiet(_compare(operator.floordiv))  # x // 0: inf or NaN silently, as in PyTorch


def floor_divide(x, y):
    """Element-wise ``x // y``, rounded toward minus infinity; integers stay integers, and a float
    operand makes both floating as in PyTorch (``division_operands``). No gradient."""
    a, b = (xp.asarray(t) if isinstance(t, Tensor) else t for t in (x, y))  # numbers stay weak
    if xp.result_type(a, b).kind == "f":
        a, b = division_operands(a, b)
    return _floordiv(a, b)


def _predicate(fn):
    def predicate(x):
        return Tensor._make(xp.asarray(fn(xp.asarray(x))), False, None)

    predicate.__name__ = fn.__name__
    predicate.__doc__ = f"Element-wise ``{fn.__name__}``; a bool tensor without gradient."
    return predicate


isnan, isinf, isfinite = (_predicate(fn) for fn in (xp.isnan, xp.isinf, xp.isfinite))


def _integral(name, *values):
    for v in values:
        dtype = xp.asarray(v._data if isinstance(v, Tensor) else v).dtype
        if dtype.kind not in "biu":
            raise DTypeError(f"{name}: expected bool or integer tensors, got dtype {dtype}")


def _bitwise(op, name):
    compare = _compare(op, name)

    def bitwise(x, y):
        _integral(name, x, y)
        return compare(x, y)

    bitwise.__name__ = name
    bitwise.__doc__ = f"Element-wise ``{name}`` of bool or integer tensors (``&``, ``|``, ``^``); no gradient."
    return bitwise


bitwise_and, bitwise_or, bitwise_xor = (
    _bitwise(op, name) for op, name in ((operator.and_, "bitwise_and"), (operator.or_, "bitwise_or"),
                                        (operator.xor, "bitwise_xor"))
)


def bitwise_not(x):
    """Element-wise ``~x``: logical not of a bool tensor, bitwise not of an integer one; no gradient."""
    _integral("bitwise_not", x)
    return Tensor._make(xp.asarray(~xp.asarray(x._data)), False, None)
