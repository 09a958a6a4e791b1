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
    """1 / (1 + e^-x) in four NumPy calls. For large negative x, 1 + e^-x rounds to e^-x, so
    the result keeps full relative precision; where e^-x overflows (x below about -709 in
    float64, -88 in float32) it is 0 rather than a subnormal number, as in PyTorch."""
    with xp.errstate(over="ignore"):
        out = xp.exp(xp.negative(x))
    out += 1
    return xp.reciprocal(out)


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
    sets_dtype = True

    def forward(self, x, dtype):
        return xp.array(x, dtype=dtype)

    def backward(self, grad):
        return (grad,)  # identity; the engine casts back to the input's dtype
