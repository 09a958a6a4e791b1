"""Gates that route the gradient: maximum, minimum, where."""
from ..autograd.function import Function
from ..backend import xp


class Maximum(Function):
    """Element-wise max(x, y); ties split the gradient in half, as PyTorch does."""

    __slots__ = ()
    saves_inputs = (0, 1)
    _pick = staticmethod(xp.maximum)
    _wins = staticmethod(xp.greater)

    def forward(self, x, y):
        self.saved = (x, y)
        return self._pick(x, y)

    def backward(self, grad):
        """Max gate: dy to the larger input, 0 to the other (1/2 each on a tie)."""
        x, y = self.saved
        tie, half = x == y, grad.dtype.type(0.5)  # half in grad's dtype: no float64 upcast
        need_x, need_y = self.needs_input_grad
        gx = grad * xp.where(tie, half, self._wins(x, y)) if need_x else None
        gy = grad * xp.where(tie, half, self._wins(y, x)) if need_y else None
        return gx, gy


class Minimum(Maximum):
    """Element-wise min(x, y)."""

    __slots__ = ()
    _pick = staticmethod(xp.minimum)
    _wins = staticmethod(xp.less)


class Where(Function):
    """x where cond else y."""

    __slots__ = ()
    saves_inputs = (0,)

    def forward(self, cond, x, y):
        cond = xp.asarray(cond, dtype=bool)
        self.saved = cond
        return xp.where(cond, x, y)

    def backward(self, grad):
        """dy routed: to x where cond holds, to y elsewhere (none to cond)."""
        cond = self.saved
        _, need_x, need_y = self.needs_input_grad
        zero = xp.zeros((), dtype=grad.dtype)
        gx = xp.where(cond, grad, zero) if need_x else None
        gy = xp.where(cond, zero, grad) if need_y else None
        return None, gx, gy
