"""Element-wise functions without gradient: comparisons and predicates (bool tensors) and
floor division (PyTorch defines no derivative for it either)."""
import operator

from ..autograd.function import op_error
from .arithmetic import division_operands
from ..tensor import Tensor
from ..backend import quiet, xp


def _compare(op):
    def compare(x, y):
        a = x._data if isinstance(x, Tensor) else x
        b = y._data if isinstance(y, Tensor) else y
        try:
            out = op(a, b)
        except ValueError as exc:
            raise op_error(op.__name__, exc, (a, b)) from None
        return Tensor._make(xp.asarray(out), False, None)

    compare.__name__ = op.__name__
    compare.__doc__ = f"Element-wise ``{op.__name__}``; a bool tensor without gradient."
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
