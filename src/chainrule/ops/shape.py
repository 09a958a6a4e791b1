"""Shape ops: they move values around, so backward moves the gradient back."""
from ..autograd.function import Function, ShapeError
from ..backend import xp


class Reshape(Function):
    """x with a new shape (also view, flatten, squeeze, unsqueeze)."""

    __slots__ = ("in_shape",)

    def forward(self, x, shape=()):
        self.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {x.shape} into {shape}") from None

    def backward(self, grad):
        """dx = dy reshaped back to the input's shape."""
        return (grad.reshape(self.in_shape),)


class Permute(Function):
    """x with its axes reordered (also transpose and .T)."""

    __slots__ = ("dims",)

    def forward(self, x, dims=()):
        self.dims = dims
        return x.transpose(dims)

    def backward(self, grad):
        """dx = dy permuted back by the inverse permutation."""
        return (grad.transpose(xp.argsort(self.dims)),)


class Expand(Function):
    """x broadcast to a larger shape (a view); the engine sums the gradient back."""

    __slots__ = ()

    def forward(self, x, shape=()):
        try:
            return xp.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(f"expand: cannot expand a tensor of shape {x.shape} to {shape}") from None

    def backward(self, grad):
        """dx = dy; the engine sums it over the expanded axes."""
        return (grad,)


def _shapes(arrays):
    return ", ".join(str(xp.shape(x)) for x in arrays)


class Cat(Function):
    """Tensors joined along an existing dim."""

    __slots__ = ("dim",)

    def forward(self, *xs, dim=0):
        self.dim = dim
        try:
            out = xp.concatenate(xs, axis=dim)
        except ValueError:
            raise ShapeError(
                f"cat: cannot join shapes {_shapes(xs)} along dim {dim} (the other dims must match)"
            ) from None
        self.saved = xp.cumsum([x.shape[dim] for x in xs])[:-1]  # where to split the gradient
        return out

    def backward(self, grad):
        """dx_i = the slice of dy that input i filled along dim."""
        return tuple(xp.split(grad, self.saved, axis=self.dim))


class Stack(Function):
    """Tensors of one shape joined along a new dim."""

    __slots__ = ("dim",)

    def forward(self, *xs, dim=0):
        self.dim = dim
        try:
            return xp.stack(xs, axis=dim)
        except ValueError:
            raise ShapeError(f"stack: expects tensors of one shape, got {_shapes(xs)}") from None

    def backward(self, grad):
        """dx_i = dy's slice i along the stacked dim."""
        return tuple(xp.moveaxis(grad, self.dim, 0))


def is_advanced_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, xp.ndarray)) for p in parts)


class GetItem(Function):
    """x[index]: basic slicing, or integer/boolean array indexing."""

    __slots__ = ("index", "shape")

    def forward(self, x, index=()):
        self.index, self.shape = index, x.shape
        try:
            return x[index]
        except IndexError as exc:
            raise IndexError(f"getitem: {exc} (tensor shape {x.shape})") from None

    def backward(self, grad):
        """dx = zeros with dy placed at the indexed positions (repeated indices add up)."""
        out = xp.zeros(self.shape, dtype=grad.dtype)
        if is_advanced_index(self.index):
            xp.add.at(out, self.index, grad)  # repeated indices add up (fan-out adds)
        else:
            out[self.index] = grad
        return (out,)


class Repeat(Function):
    """x tiled ``repeats`` times along each dim (``torch.Tensor.repeat``, NumPy's ``tile``);
    ``repeats`` has at least x's ndim entries, extra ones add leading dims."""

    __slots__ = ("in_shape", "padded", "repeats")

    def forward(self, x, repeats=()):
        if len(repeats) < x.ndim:
            raise ShapeError(f"repeat: {len(repeats)} repeats {repeats} for a tensor with {x.ndim} "
                             f"dimensions; give at least one per dimension")
        if any(r < 0 for r in repeats):
            raise ValueError(f"repeat: repeats must be non-negative, got {repeats}")
        self.in_shape, self.repeats = x.shape, repeats
        self.padded = (1,) * (len(repeats) - x.ndim) + x.shape
        return xp.tile(x.reshape(self.padded), repeats)

    def backward(self, grad):
        """Each input element appears once per tile: dx = dy summed over the tiles."""
        tiled = [size for pair in zip(self.repeats, self.padded) for size in pair]  # (r0, n0, r1, n1, ...)
        summed = grad.reshape(tiled).sum(axis=tuple(range(0, len(tiled), 2)))
        return (summed.reshape(self.in_shape),)
