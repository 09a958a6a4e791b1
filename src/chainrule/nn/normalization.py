"""``LayerNorm`` and ``GroupNorm``: per-item normalization with a learned scale and shift
(weight ones, bias zeros at the start, as in PyTorch); the same in training and evaluation."""
import numpy as np

from ..autograd.function import check_input_dtype

from . import functional as F
from .module import Module, Parameter, layer_dtype


class LayerNorm(Module):
    """Normalizes (*, *normalized_shape) over the last len(normalized_shape) axes; with
    ``elementwise_affine``, weight (and bias unless ``bias=False``) of shape normalized_shape."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, *, device=None,
                 dtype=None):
        super().__init__()
        dtype = layer_dtype("LayerNorm", device, dtype)
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = tuple(int(n) for n in shape), eps, elementwise_affine
        affine = elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if affine and bias else None

    def forward(self, x):
        check_input_dtype("layer_norm", x, self.weight, self.bias)
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalizes (N, C, *) over each of ``num_groups`` groups of C/num_groups channels; with
    ``affine``, a weight and bias (C,) per channel."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, *, device=None, dtype=None, bias=True):
        super().__init__()
        dtype = layer_dtype("GroupNorm", device, dtype)
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} must be divisible by num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = int(num_groups), int(num_channels), eps, affine
        self.weight = Parameter(np.ones(self.num_channels, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_channels, dtype=dtype)) if affine and bias else None

    def forward(self, x):
        check_input_dtype("group_norm", x, self.weight, self.bias)
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"
