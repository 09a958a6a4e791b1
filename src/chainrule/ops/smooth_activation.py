"""Smooth activations (GELU, SiLU, ELU, Softplus, Mish, LogSigmoid): each backward multiplies
the upstream gradient by the local derivative, written next to the forward it differentiates.

``softplus_array`` and ``sigmoid_array`` are computed without overflow for any input, so the
activations built on them are finite wherever PyTorch's are.
"""
import math

from ..autograd.function import Function
from ..backend import xp
from .elementwise import sigmoid_array

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_CUBIC = 0.044715  # the tanh approximation's coefficient (Hendrycks and Gimpel, 2016)
_erf_float = xp.frompyfunc(math.erf, 1, 1)  # NumPy has no erf: math.erf per element, exact to 1 ulp


def erf_array(x):
    """erf(x) element-wise in ``x``'s dtype."""
    return xp.asarray(_erf_float(x), dtype=xp.float64).astype(x.dtype, copy=False)


def softplus_array(x):
    """log(1 + e^x) as max(x, 0) + log1p(e^-|x|): no overflow for large x, full precision for small."""
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


class GELU(Function):
    """x Phi(x), Phi the standard normal CDF; ``approximate='tanh'`` uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    __slots__ = ("approximate",)
    saves_inputs = (0,)

    def forward(self, x, approximate="none"):
        self.approximate = approximate
        if approximate == "tanh":
            t = xp.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
            self.saved = (x, t)
            return 0.5 * x * (1 + t)
        cdf = 0.5 * (1 + erf_array(x * (1 / math.sqrt(2))))
        self.saved = (x, cdf)
        return x * cdf

    def backward(self, grad):
        """Exact: d/dx = Phi(x) + x phi(x), phi = e^(-x^2/2) / sqrt(2 pi). Tanh form:
        0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)."""
        x, value = self.saved
        if self.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
            return (grad * (0.5 * (1 + value) + 0.5 * x * (1 - value * value) * inner),)
        return (grad * (value + x * _INV_SQRT_2PI * xp.exp(-0.5 * x * x)),)


class SiLU(Function):
    """x sigmoid(x) (also called swish)."""

    __slots__ = ()
    saves_inputs = (0,)

    def forward(self, x):
        s = sigmoid_array(x)
        self.saved = (x, s)
        return x * s

    def backward(self, grad):
        """d/dx = s (1 + x (1 - s)), s = sigmoid(x)."""
        x, s = self.saved
        return (grad * (s * (1 + x * (1 - s))),)


class ELU(Function):
    """x for x > 0, else alpha (e^x - 1)."""

    __slots__ = ("alpha",)

    def forward(self, x, alpha=1.0):
        self.alpha = alpha
        positive = x > 0
        exp = xp.exp(xp.minimum(x, 0))  # e^x only where it is used: no overflow for large x
        self.saved = (positive, exp)
        return xp.where(positive, x, alpha * (exp - 1))

    def backward(self, grad):
        """d/dx = 1 for x > 0, else alpha e^x."""
        positive, exp = self.saved
        return (xp.where(positive, grad, grad * (self.alpha * exp)),)


class Softplus(Function):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""

    __slots__ = ("beta",)

    def forward(self, x, beta=1.0, threshold=20.0):
        self.beta = beta
        scaled = x * beta
        linear = scaled > threshold
        self.saved = (scaled, linear)
        return xp.where(linear, x, softplus_array(scaled) / beta)

    def backward(self, grad):
        """d/dx = sigmoid(beta x), and 1 on the linear part."""
        scaled, linear = self.saved
        return (xp.where(linear, grad, grad * sigmoid_array(scaled)),)


class Mish(Function):
    """x tanh(softplus(x)) (Misra, 2019)."""

    __slots__ = ()
    saves_inputs = (0,)

    def forward(self, x):
        t = xp.tanh(softplus_array(x))
        self.saved = (x, t)
        return x * t

    def backward(self, grad):
        """d/dx = t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x)), since softplus' = sigmoid."""
        x, t = self.saved
        return (grad * (t + x * (1 - t * t) * sigmoid_array(x)),)


class LogSigmoid(Function):
    """log sigmoid(x) = -softplus(-x), stable for large |x|."""

    __slots__ = ()
    saves_inputs = (0,)
    name = "logsigmoid"

    def forward(self, x):
        self.saved = x
        return -softplus_array(-x)

    def backward(self, grad):
        """d/dx = 1 - sigmoid(x) = sigmoid(-x)."""
        return (grad * sigmoid_array(-self.saved),)
