"""Element-wise unary functions: each backward multiplies by the local derivative."""
from ..autograd.function import Function
from ..backend import xp


class Exp(Function):
    """e^x."""

    __slots__ = ()

    def forward(self, x):
        out = xp.exp(x)
        self.saved = out
        return out

    def backward(self, grad):
        return (grad * self.saved,)  # d e^x = e^x


class Log(Function):
    """ln x."""

    __slots__ = ()

    def forward(self, x):
        self.saved = x
        return xp.log(x)

    def backward(self, grad):
        return (grad / self.saved,)  # d ln x = 1/x


class Sqrt(Function):
    """sqrt(x)."""

    __slots__ = ()

    def forward(self, x):
        out = xp.sqrt(x)
        self.saved = out
        return out

    def backward(self, grad):
        return (grad / (2 * self.saved),)  # d sqrt(x) = 1 / (2 sqrt(x))


class Abs(Function):
    """|x|."""

    __slots__ = ()

    def forward(self, x):
        self.saved = x
        return xp.abs(x)

    def backward(self, grad):
        return (grad * xp.sign(self.saved),)  # d|x| = sign(x), 0 at 0


class Sin(Function):
    """sin x."""

    __slots__ = ()

    def forward(self, x):
        self.saved = x
        return xp.sin(x)

    def backward(self, grad):
        return (grad * xp.cos(self.saved),)  # d sin = cos


class Cos(Function):
    """cos x."""

    __slots__ = ()

    def forward(self, x):
        self.saved = x
        return xp.cos(x)

    def backward(self, grad):
        return (-grad * xp.sin(self.saved),)  # d cos = -sin


class Tanh(Function):
    """tanh x."""

    __slots__ = ()

    def forward(self, x):
        out = xp.tanh(x)
        self.saved = out
        return out

    def backward(self, grad):
        t = self.saved
        return (grad * (1 - t * t),)  # d tanh = 1 - t^2


def sigmoid_array(x):
    """1 / (1 + e^-x), as e^x / (1 + e^x) for x < 0: never overflows, and keeps full
    relative precision for large negative x (where 1 + tanh(x/2) would cancel to 0)."""
    e = xp.exp(-xp.abs(x))
    out = xp.where(x >= 0, 1, e)
    out /= 1 + e
    return out


class Sigmoid(Function):
    """s = 1 / (1 + e^-x)."""

    __slots__ = ()

    def forward(self, x):
        out = sigmoid_array(x)
        self.saved = out
        return out

    def backward(self, grad):
        s = self.saved
        return (grad * s * (1 - s),)  # d sigmoid = s (1 - s)


class Cast(Function):
    """x converted to another dtype (also ``clone`` when the dtype is the same)."""

    __slots__ = ()

    def forward(self, x, dtype):
        return xp.array(x, dtype=dtype)

    def backward(self, grad):
        return (grad,)  # identity; the engine casts back to the input's dtype
