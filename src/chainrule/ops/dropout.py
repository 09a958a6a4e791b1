"""Inverted dropout: zero each element with probability p, scale survivors by 1/(1-p).

The random mask is drawn outside the op (``dropout_mask``) and passed in as an input,
so the op itself is deterministic and can be re-run or checked like any other.
"""
from .. import random as _random
from ..autograd.function import Function
from ..backend import xp


def dropout_mask(shape, p, dtype):
    """1/(1-p) with probability 1-p, else 0, from chainrule's seeded generator."""
    keep = _random.default_generator().random(shape, dtype=xp.float32) >= p
    return xp.multiply(keep, 0.0 if p == 1 else 1.0 / (1.0 - p), dtype=dtype)


class Dropout(Function):
    """x * mask, mask from ``dropout_mask``: the expected output equals x, so evaluation
    needs no rescaling."""

    __slots__ = ()
    saves_inputs = (1,)

    def forward(self, x, mask):
        self.saved = mask
        return x * mask

    def backward(self, grad):
        """dx = dy * mask: the same mask routes and scales the gradient (none to the mask)."""
        return grad * self.saved, None
