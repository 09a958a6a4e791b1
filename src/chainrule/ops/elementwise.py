"""Element-wise unary functions: each backward multiplies by the local derivative."""
from ..autograd.function import Function
from ..backend import quiet, xp


class Exp(Function):
    """e^x."""

    __slots__ = ()
    saves_output = True

    @quiet  # e^1000 = inf, ln 0 = -inf, sqrt(-1) = NaN: no NumPy warning, as in PyTorch
    def forward(self, x):
        out = xp.exp(x)
        self.saved = out
        return out

    def backward(self, grad):
        """d e^x = e^x."""
        return (grad * self.saved,)


class Log(Function):
    """ln x."""

    __slots__ = ()
    saves_inputs = (0,)

    @quiet
    def forward(self, x):
        self.saved = x
        return xp.log(x)

    def backward(self, grad):
        """d ln x = 1/x."""
        return (grad / self.saved,)


class Sqrt(Function):
    """sqrt(x)."""

    __slots__ = ()
    saves_output = True

    @quiet
    def forward(self, x):
        out = xp.sqrt(x)
        self.saved = out
        return out

    def backward(self, grad):
        """d sqrt(x) = 1 / (2 sqrt(x))."""
        return (grad / (2 * self.saved),)


class Abs(Function):
    """|x|."""

    __slots__ = ()
    saves_inputs = (0,)

    def forward(self, x):
        self.saved = x
        return xp.abs(x)

    def backward(self, grad):
        """d|x| = sign(x), 0 at 0."""
        return (grad * xp.sign(self.saved),)


class Sin(Function):
    """sin x."""

    __slots__ = ()
    saves_inputs = (0,)

    def forward(self, x):
        self.saved = x
        return xp.sin(x)

    def backward(self, grad):
        """d sin x = cos x."""
        return (grad * xp.cos(self.saved),)


class Cos(Function):
    """cos x."""

    __slots__ = ()
    saves_inputs = (0,)

    def forward(self, x):
        self.saved = x
        return xp.cos(x)

    def backward(self, grad):
        """d cos x = -sin x."""
        return (-grad * xp.sin(self.saved),)


class Tanh(Function):
    """tanh x."""

    __slots__ = ()
    saves_output = True

    def forward(self, x):
        out = xp.tanh(x)
        self.saved = out
        return out

    def backward(self, grad):
        """d tanh x = 1 - t^2, t = tanh x."""
        t = self.saved
        return (grad * (1 - t * t),)


@quiet  # the overflow of e^-x below; a decorator costs a tenth of a ``with errstate`` block
def sigmoid_array(x):
    """1 / (1 + e^-x) in four NumPy calls. For large negative x, 1 + e^-x rounds to e^-x, so
    the result keeps full relative precision; where e^-x overflows (x below about -709 in
    float64, -88 in float32) it is 0 rather than a subnormal number, as in PyTorch."""
    out = xp.exp(xp.negative(x))
    out += 1
    return xp.reciprocal(out)


class Sigmoid(Function):
    """s = 1 / (1 + e^-x)."""

    __slots__ = ()
    saves_output = True

    def forward(self, x):
        out = sigmoid_array(x)
        self.saved = out
        return out

    def backward(self, grad):
        """d sigmoid(x) = s (1 - s), s = sigmoid(x)."""
        s = self.saved
        return (grad * s * (1 - s),)


class Cast(Function):
    """x converted to another dtype (also ``clone`` when the dtype is the same)."""

    __slots__ = ()
    sets_dtype = True

    def forward(self, x, dtype):
        return xp.array(x, dtype=dtype)

    def backward(self, grad):
        """The identity; the engine casts the gradient back to the input's dtype."""
        return (grad,)


class Log1p(Function):
    """ln(1 + x), accurate for small x."""

    __slots__ = ()
    saves_inputs = (0,)

    @quiet
    def forward(self, x):
        self.saved = x
        return xp.log1p(x)

    def backward(self, grad):
        """d ln(1 + x) = 1 / (1 + x)."""
        return (grad / (1 + self.saved),)


class Expm1(Function):
    """e^x - 1, accurate for small x."""

    __slots__ = ()
    saves_output = True

    @quiet
    def forward(self, x):
        out = xp.expm1(x)
        self.saved = out
        return out

    def backward(self, grad):
        """d (e^x - 1) = e^x = out + 1."""
        return (grad * (self.saved + 1),)


class _Step(Function):
    """A piecewise constant function of x."""

    __slots__ = ()

    def backward(self, grad):
        """A step function: derivative 0 almost everywhere (PyTorch returns zeros too)."""
        return (xp.zeros_like(grad),)


class Round(_Step):
    """x rounded to ``decimals`` places, halves to even (as PyTorch and NumPy do)."""

    __slots__ = ()

    def forward(self, x, decimals=0):
        return xp.round(x, decimals)


class Sign(_Step):
    """-1, 0 or 1 by the sign of x."""

    __slots__ = ()

    def forward(self, x):
        return xp.sign(x)


class Floor(_Step):
    """The largest integer <= x."""

    __slots__ = ()

    def forward(self, x):
        return xp.floor(x)


class Ceil(_Step):
    """The smallest integer >= x."""

    __slots__ = ()

    def forward(self, x):
        return xp.ceil(x)
