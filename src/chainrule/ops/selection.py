"""Gates that route the gradient: maximum, minimum, where."""
from ..autograd.function import Function
from ..backend import xp


class Maximum(Function):
    """Element-wise max(x, y); ties split the gradient in half, as PyTorch does."""

    __slots__ = ()
    _pick = staticmethod(xp.maximum)

    def forward(self, x, y):
        out = self._pick(x, y)
        self.saved = (x, y, out)
        return out

    def backward(self, grad):
        x, y, out = self.saved  # max gate: 1 to the larger input, 0 to the other
        x_wins = (x == out).astype(grad.dtype)
        y_wins = (y == out).astype(grad.dtype)
        share = x_wins + y_wins  # 2 on a tie
        need_x, need_y = self.needs_input_grad
        return (grad * x_wins / share if need_x else None), (grad * y_wins / share if need_y else None)


class Minimum(Maximum):
    """Element-wise min(x, y)."""

    __slots__ = ()
    _pick = staticmethod(xp.minimum)


class Where(Function):
    """x where cond else y."""

    __slots__ = ()

    def forward(self, cond, x, y):
        cond = xp.asarray(cond, dtype=bool)
        self.saved = cond
        return xp.where(cond, x, y)

    def backward(self, grad):
        cond = self.saved  # routed: x gets the gradient where cond holds, y elsewhere
        _, need_x, need_y = self.needs_input_grad
        zero = xp.zeros((), dtype=grad.dtype)
        gx = xp.where(cond, grad, zero) if need_x else None
        gy = xp.where(cond, zero, grad) if need_y else None
        return None, gx, gy
