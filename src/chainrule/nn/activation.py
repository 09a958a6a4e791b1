"""Activation layers: thin Modules over ``chainrule.nn.functional``."""
from . import functional as F
from .module import Module


class ReLU(Module):
    """max(0, x)."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


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
