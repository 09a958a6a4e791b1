"""Fully connected layers: ``Linear`` (y = x W^T + b) and ``Identity``."""
import math

import numpy as np

from ..autograd.function import check_input_dtype
from ..tensor import Tensor

from . import functional as F
from . import init
from .module import Module, Parameter, layer_dtype


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); ignores constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """y = x W^T + b for input (*, in_features) and output (*, out_features).

    ``weight`` has shape (out_features, in_features) and ``bias`` (out_features,), as in
    PyTorch, and both are drawn like PyTorch's: weight by kaiming_uniform_(a=sqrt(5)),
    i.e. U(-1/sqrt(in_features), 1/sqrt(in_features)), bias from the same range.
    """

    def __init__(self, in_features, out_features, bias=True, *, device=None, dtype=None):
        super().__init__()
        dtype = layer_dtype("Linear", device, dtype)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        # Read from _parameters: self.weight fails the normal lookup first, 10x slower. A
        # ``bias=False`` layer's None bias is a plain attribute.
        params = self._parameters
        weight = params["weight"] if "weight" in params else self.weight
        bias = params["bias"] if "bias" in params else self.bias
        if not (isinstance(x, Tensor) and x._data.dtype is weight._data.dtype):  # the same dtype object
            check_input_dtype("linear", x, weight)
        return F.linear(x, weight, bias)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
