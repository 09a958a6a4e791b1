"""softmax and log_softmax along one dim, numerically stable (shifted by the max)."""
from ..autograd.function import Function
from ..backend import xp


def log_softmax_array(x, dim):
    """z - max(z) - log(sum(exp(z - max(z)))) (docs/math.md, section 4)."""
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))


def softmax_array(x, dim):
    e = xp.exp(x - x.max(axis=dim, keepdims=True))
    e /= e.sum(axis=dim, keepdims=True)
    return e


class Softmax(Function):
    """y = e^x / sum(e^x) along ``dim``."""

    __slots__ = ("dim",)
    saves_output = True

    def forward(self, x, dim=-1):
        self.dim = dim
        out = softmax_array(x, dim)
        self.saved = out
        return out

    def backward(self, grad):
        """dx = y (.) (dy - sum(dy y)), y = softmax(x)."""
        y = self.saved
        return (y * (grad - (grad * y).sum(axis=self.dim, keepdims=True)),)


class LogSoftmax(Function):
    """y = x - logsumexp(x) along ``dim``."""

    __slots__ = ("dim",)
    saves_output = True
    name = "log_softmax"

    def forward(self, x, dim=-1):
        self.dim = dim
        out = log_softmax_array(x, dim)
        self.saved = out
        return out

    def backward(self, grad):
        """dx = dy - softmax(x) sum(dy), softmax(x) = exp(y)."""
        y = self.saved
        return (grad - xp.exp(y) * grad.sum(axis=self.dim, keepdims=True),)
