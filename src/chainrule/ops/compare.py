"""Comparisons: element-wise, returning boolean tensors that carry no gradient."""
import operator

from ..autograd.function import op_error
from ..tensor import Tensor
from ..backend import xp


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
