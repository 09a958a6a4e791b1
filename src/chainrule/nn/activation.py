"""Activation layers: thin Modules over ``chainrule.nn.functional``."""
from . import functional as F
from .module import Module


class _InplaceActivation(Module):
    """An activation with PyTorch's ``inplace`` flag, accepted and shown in the repr; the
    output is a new tensor either way (chainrule's activations do not overwrite their input)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_InplaceActivation):
    """max(0, x)."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(_InplaceActivation):
    """x for x > 0, else negative_slope * x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Phi(x), Phi the standard normal CDF (``approximate='tanh'``: its tanh approximation)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(_InplaceActivation):
    """x sigmoid(x)."""

    def forward(self, x):
        return F.silu(x)


class Mish(_InplaceActivation):
    """x tanh(softplus(x))."""

    def forward(self, x):
        return F.mish(x)


class ELU(_InplaceActivation):
    """x for x > 0, else alpha (e^x - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(_InplaceActivation):
    """x limited to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(0, x), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _InplaceActivation.extra_repr(self)


class LogSigmoid(Module):
    """log sigmoid(x)."""

    def forward(self, x):
        return F.logsigmoid(x)


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh x."""

    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """e^x / sum(e^x) along ``dim`` (e.g. ``Softmax(dim=1)`` for (N, C) scores)."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along ``dim``."""

    def forward(self, x):
        return F.log_softmax(x, self.dim)
