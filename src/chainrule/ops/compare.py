"""Comparisons: element-wise, returning boolean tensors that carry no gradient."""
import operator

from ..backend import xp
from ..tensor import Tensor


def _compare(op):
    def compare(x, y):
        a = x.data if isinstance(x, Tensor) else x
        b = y.data if isinstance(y, Tensor) else y
        return Tensor._make(xp.asarray(op(a, b)), False, None)

    compare.__name__ = op.__name__
    compare.__doc__ = f"Element-wise ``{op.__name__}``; a bool tensor without gradient."
    return compare


eq, ne, lt, le, gt, ge = (
    _compare(op) for op in (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge)
)
