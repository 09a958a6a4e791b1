"""Gather and scatter along one dim with an index tensor, as ``torch.gather``/``torch.scatter``."""
from ..autograd.function import Function, ShapeError
from ..backend import xp


def along_dim(x_shape, index, dim, op):
    """The full NumPy index that picks ``x[..., index[i, j, k], ...]`` (``index`` at ``dim``,
    the position itself elsewhere), after PyTorch's checks: the same number of dims, integer
    values within ``x``'s size at ``dim``, no larger than ``x`` at the other dims."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != len(x_shape):
        raise ShapeError(f"{op}: index of shape {index.shape} must have as many dims as the "
                         f"tensor of shape {x_shape}")
    if any(n > m for d, (n, m) in enumerate(zip(index.shape, x_shape)) if d != dim):
        raise ShapeError(f"{op}: index of shape {index.shape} is larger than the tensor of shape "
                         f"{x_shape} at a dim other than {dim}")
    if index.size and (index.min() < 0 or index.max() >= x_shape[dim]):
        bad = index.min() if index.min() < 0 else index.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {dim} with size {x_shape[dim]}")
    positions = list(xp.indices(index.shape, sparse=True))
    positions[dim] = index
    return tuple(positions)


class Gather(Function):
    """out[i][j][k] = x[index[i][j][k]][j][k] (for dim 0); out has index's shape.
    Also the values of sort and topk (index from argsort)."""

    __slots__ = ("shape", "positions")

    def forward(self, x, index=None, dim=0):
        self.shape = x.shape
        self.positions = along_dim(x.shape, index, dim, self.op_name())
        return x[self.positions]

    def backward(self, grad):
        """dx = zeros with dy added at the gathered positions (repeated indices add up)."""
        out = xp.zeros(self.shape, dtype=grad.dtype)
        xp.add.at(out, self.positions, grad)
        return (out,)


class Scatter(Function):
    """out = x, except out[index[i][j][k]][j][k] = src[i][j][k] (for dim 0); ``src`` a tensor
    at least as large as index, or a number. Out of place, as ``torch.scatter``."""

    __slots__ = ("positions", "region")

    def forward(self, x, src, index=None, dim=0):
        self.positions = along_dim(x.shape, index, dim, self.op_name())
        out = x.astype(xp.result_type(x, src), copy=True)
        if xp.ndim(src):
            if src.ndim != index.ndim or any(n > m for n, m in zip(index.shape, src.shape)):
                raise ShapeError(f"scatter: src of shape {src.shape} must have index's dims and be at "
                                 f"least as large as index of shape {index.shape}")
            self.region = tuple(slice(0, n) for n in index.shape)
            out[self.positions] = src[self.region]
        else:
            self.region = None
            out[self.positions] = src
        self.saved = xp.shape(src)
        return out

    def backward(self, grad):
        """dx = dy with the overwritten positions zeroed; dsrc = dy gathered at the positions
        each src element was written to (PyTorch's rule; duplicate indices keep one write)."""
        need_x, need_src = self.needs_input_grad
        gx = gsrc = None
        if need_x:
            gx = grad.copy()
            gx[self.positions] = 0
        if need_src:
            gsrc = xp.zeros(self.saved, dtype=grad.dtype)
            gsrc[self.region] = grad[self.positions]
        return gx, gsrc
