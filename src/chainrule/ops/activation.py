"""Piecewise-linear activations: the gradient is routed or scaled by a mask."""
import math
import numbers

from ..autograd.function import Function
from ..backend import xp, zeros_along_innermost


def check_finite_scalar(op, name, value):
    """Clear error for a non-number, NaN or infinite scalar argument where it makes no sense."""
    if value is None:
        return
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a Python number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{op}: {name} must be a finite number, got {value!r}")


class ReLU(Function):
    """max(0, x)."""

    __slots__ = ()

    def forward(self, x):
        self.saved = x > 0
        return xp.maximum(x, zeros_along_innermost(x))

    def backward(self, grad):
        """dx = dy where x > 0, else 0 (the relu gate)."""
        return (grad * self.saved,)


class LeakyReLU(Function):
    """x where x > 0, else slope * x."""

    __slots__ = ("slope",)
    name = "leaky_relu"

    def forward(self, x, negative_slope=0.01):
        mask = x > 0
        self.saved = mask
        self.slope = negative_slope
        return xp.where(mask, x, x * negative_slope)

    def backward(self, grad):
        """dx = dy where x > 0, else slope * dy."""
        return (xp.where(self.saved, grad, grad * self.slope),)


class Clamp(Function):
    """x limited to [min, max] (either bound may be None)."""

    __slots__ = ()

    def forward(self, x, min=None, max=None):
        inside = xp.ones(x.shape, dtype=bool)
        if min is not None:
            inside &= x >= min
        if max is not None:
            inside &= x <= max
        self.saved = inside
        return xp.clip(x, min, max)

    def backward(self, grad):
        """dx = dy inside [min, max], 0 where clipped."""
        return (grad * self.saved,)


class Hardtanh(Function):
    """x limited to [min_val, max_val]; unlike Clamp, no gradient at the bounds themselves (as PyTorch)."""

    __slots__ = ()

    def forward(self, x, min_val=-1.0, max_val=1.0):
        self.saved = (x > min_val) & (x < max_val)
        return xp.clip(x, min_val, max_val)

    def backward(self, grad):
        """dx = dy strictly inside (min_val, max_val), else 0."""
        return (grad * self.saved,)
