"""Reductions over ``dim`` (int, tuple or None for all) with ``keepdim``, as in PyTorch."""
import operator

from ..autograd.function import Function
from ..backend import scalar_like, xp


def normalize_dims(dim, ndim, op):
    """``dim`` (an int, a sequence of ints or None for all) as a sorted tuple of
    non-negative axes. A 0-d tensor accepts dim 0 and -1 as in PyTorch (no axis)."""
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = set()
    for d in dims:
        try:
            d = operator.index(d)
        except TypeError:
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}") from None
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions")
        if ndim:
            out.add(d % ndim)
    return tuple(sorted(out))


def expand_reduced(grad, shape, dims, keepdim):
    """Broadcast a reduced gradient back to the input's ``shape``."""
    if not keepdim and shape:
        grad = xp.expand_dims(grad, dims)
    return xp.broadcast_to(grad, shape)


class Sum(Function):
    """Sum over ``dims``."""

    __slots__ = ("dims", "keepdim", "shape")

    def forward(self, x, dims=(), keepdim=False):
        self.dims, self.keepdim, self.shape = dims, keepdim, x.shape
        return x.sum(axis=dims, keepdims=keepdim)

    def backward(self, grad):
        """d sum = 1 for each element: dy spread back over the summed dims."""
        return (expand_reduced(grad, self.shape, self.dims, self.keepdim),)


class Mean(Function):
    """Mean over ``dims``."""

    __slots__ = ("dims", "keepdim", "shape", "count")

    def forward(self, x, dims=(), keepdim=False):
        self.dims, self.keepdim, self.shape = dims, keepdim, x.shape
        self.count = 1
        for d in dims:
            self.count *= x.shape[d]
        return x.mean(axis=dims, keepdims=keepdim)

    def backward(self, grad):
        """d mean = 1/N for each of the N averaged elements."""
        grad = grad / scalar_like(self.count, grad)
        return (expand_reduced(grad, self.shape, self.dims, self.keepdim),)


class Var(Function):
    """Variance over ``dims`` with ``correction`` (1: unbiased, PyTorch's default)."""

    __slots__ = ("dims", "keepdim", "divisor")

    def forward(self, x, dims=(), correction=1, keepdim=False):
        count = 1
        for d in dims:
            count *= x.shape[d]
        self.dims, self.keepdim = dims, keepdim
        # N - correction <= 0 gives inf/nan, as in PyTorch (a float divisor: no ZeroDivisionError)
        self.divisor = float(max(count - correction, 0))
        centered = x - x.mean(axis=dims, keepdims=True)
        self.saved = centered
        total = (centered * centered).sum(axis=dims, keepdims=keepdim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            return total / scalar_like(self.divisor, total)

    def backward(self, grad):
        """d var/dx = 2 (x - mean) / (N - correction)."""
        centered = self.saved
        if not self.keepdim and centered.ndim:
            grad = xp.expand_dims(grad, self.dims)
        with xp.errstate(divide="ignore", invalid="ignore"):
            scale = scalar_like(2, centered) / scalar_like(self.divisor, centered)
            return (grad * centered * scale,)


class MaxAll(Function):
    """max over all elements; ties share the gradient evenly, as in PyTorch."""

    __slots__ = ()
    saves_inputs = (0,)
    saves_output = True
    name = "max"
    _reduce = staticmethod(xp.max)

    def forward(self, x):
        out = self._reduce(x)
        self.saved = (x, out)
        return out

    def backward(self, grad):
        """Max gate: dy goes to the maximum (split evenly between ties)."""
        x, out = self.saved
        mask = (x == out).astype(grad.dtype)
        return (mask * (grad / mask.sum()),)


class MinAll(MaxAll):
    """min over all elements; ties share the gradient evenly."""

    __slots__ = ()
    name = "min"
    _reduce = staticmethod(xp.min)


class MaxAlongDim(Function):
    """max along ``dim``: the values at ``indices`` (from argmax, keepdim shape).
    The gradient goes to those positions, as PyTorch routes it."""

    __slots__ = ("dim", "keepdim", "shape")
    name = "max"

    def forward(self, x, indices=None, dim=0, keepdim=False):
        self.dim, self.keepdim, self.shape = dim, keepdim, x.shape
        self.saved = indices
        values = xp.take_along_axis(x, indices, axis=dim)
        return values if keepdim else values.squeeze(dim)

    def backward(self, grad):
        """dy goes to the position of the extreme along dim, 0 elsewhere."""
        indices = self.saved
        if not self.keepdim:
            grad = xp.expand_dims(grad, self.dim)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        xp.put_along_axis(out, indices, grad, axis=self.dim)
        return (out,)


class MinAlongDim(MaxAlongDim):
    """min along ``dim``: the same routing, at argmin's indices."""

    __slots__ = ()
    name = "min"


class LogSumExp(Function):
    """log(sum(exp(x))) over ``dims``, computed as m + log(sum(exp(x - m)))."""

    __slots__ = ("dims", "keepdim")
    saves_inputs = (0,)
    saves_output = True

    def forward(self, x, dims=(), keepdim=False):
        self.dims, self.keepdim = dims, keepdim
        m = x.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m
        self.saved = (x, out)
        return out if keepdim else out.squeeze(dims)

    def backward(self, grad):
        """d lse/dx = softmax(x) = exp(x - lse)."""
        x, out = self.saved
        if not self.keepdim:
            grad = xp.expand_dims(grad, self.dims)
        return (grad * xp.exp(x - out),)


class Norm(Function):
    """The vector p-norm over ``dims``: (sum |x|^p)^(1/p); p = inf is max |x|, -inf min |x|,
    0 the count of nonzero elements."""

    __slots__ = ("p", "dims", "keepdim")
    saves_inputs, saves_output = (0,), True

    def forward(self, x, p=2.0, dims=(), keepdim=False):
        self.p, self.dims, self.keepdim = p, dims, keepdim
        magnitude = xp.abs(x)
        if p == 2:
            out = xp.sqrt((x * x).sum(axis=dims, keepdims=True))
        elif p == 1:
            out = magnitude.sum(axis=dims, keepdims=True)
        elif p == float("inf") or p == -float("inf"):
            out = (magnitude.max if p > 0 else magnitude.min)(axis=dims, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(axis=dims, keepdims=True).astype(x.dtype)
        else:
            out = (magnitude ** p).sum(axis=dims, keepdims=True) ** scalar_like(1 / p, x)
        self.saved = (x, out)
        return out if keepdim else out.squeeze(dims)

    def backward(self, grad):
        """d||x||_p/dx = sign(x) |x|^(p-1) / ||x||^(p-1) (x / ||x|| for p = 2); 0 where the
        norm is 0; for p = +-inf dy goes to the extreme |x|, split evenly between ties; 0 for
        p = 0. The subgradients PyTorch picks."""
        x, out = self.saved
        p = self.p
        if not self.keepdim and x.ndim:
            grad = xp.expand_dims(grad, self.dims)
        if p == 0:
            return (xp.zeros(x.shape, dtype=grad.dtype),)
        if p == 1:
            return (grad * xp.sign(x),)
        if p == float("inf") or p == -float("inf"):
            ties = (xp.abs(x) == out).astype(grad.dtype)
            return (grad * xp.sign(x) * ties / ties.sum(axis=self.dims, keepdims=True),)
        with xp.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                local = x / out
            else:
                local = xp.sign(x) * (xp.abs(x) / out) ** scalar_like(p - 1, x)
        return (grad * xp.where(out == 0, 0, local),)


def _exclusive_cumprod(x, axis):
    """Products of the elements before each one along ``axis`` (1 for the first)."""
    out = xp.ones_like(x)
    xp.cumprod(xp.take(x, range(x.shape[axis] - 1), axis=axis), axis=axis,
               out=out[(slice(None),) * axis + (slice(1, None),)])
    return out


class Prod(Function):
    """The product over ``dim`` (one axis), or over all elements when ``dim`` is None."""

    __slots__ = ("dim", "keepdim")
    saves_inputs = (0,)

    def forward(self, x, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim
        self.saved = x
        return x.prod() if dim is None else x.prod(axis=dim, keepdims=keepdim)

    def backward(self, grad):
        """d prod/dx_i = the product of the other elements: the products before and after x_i
        (no division by x_i, so zeros are exact)."""
        x = self.saved
        axis, flat = (0, x.reshape(-1)) if self.dim is None else (self.dim, x)
        before = _exclusive_cumprod(flat, axis)
        after = xp.flip(_exclusive_cumprod(xp.flip(flat, axis), axis), axis)
        if self.dim is not None and not self.keepdim:
            grad = xp.expand_dims(grad, axis)
        return ((grad * before * after).reshape(x.shape),)


class Cumsum(Function):
    """Running sums along ``dim``."""

    __slots__ = ("dim",)

    def forward(self, x, dim=0):
        self.dim = dim
        return xp.cumsum(x, axis=dim)

    def backward(self, grad):
        """x_i enters every sum from i on: dx_i = the sum of dy_j for j >= i (a reversed cumsum)."""
        return (xp.flip(xp.cumsum(xp.flip(grad, self.dim), axis=self.dim), self.dim),)
