"""Convolution layers ``Conv1d`` and ``Conv2d``: weight (C_out, C_in/groups, *kernel), bias (C_out,)."""
import math

import numpy as np

from ..autograd.function import check_input_dtype

from ..ops.conv import conv_padding
from ..ops.windows import ntuple
from . import functional as F
from . import init
from .module import Module, Parameter, layer_dtype


class _ConvNd(Module):
    """What Conv1d and Conv2d share: arguments, parameters and PyTorch's initialisation."""

    nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", *, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels {in_channels} and out_channels {out_channels} must both be "
                f"divisible by groups {groups}"
            )
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = ntuple(kernel_size, self.nd, name, "kernel_size", 1)
        self.stride = ntuple(stride, self.nd, name, "stride", 1)
        self.dilation = ntuple(dilation, self.nd, name, "dilation", 1)
        conv_padding(padding, self.kernel_size, self.stride, self.dilation, name)  # validates
        self.padding = padding if isinstance(padding, str) else ntuple(padding, self.nd, name, "padding", 0)
        dtype = layer_dtype(name, device, dtype)
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: weight ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
        1/sqrt(fan_in)) with fan_in = C_in/groups * prod(kernel); bias from the same range."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            text += f", dilation={self.dilation}"
        if getattr(self, "output_padding", (0,) * self.nd) != (0,) * self.nd:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvNd):
    """2-d convolution (cross-correlation) of (N, C_in, H, W) into (N, C_out, Ho, Wo)."""

    def forward(self, x):
        check_input_dtype("conv2d", x, self.weight)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-d convolution (cross-correlation) of (N, C_in, L) into (N, C_out, Lo)."""

    nd = 1

    def forward(self, x):
        check_input_dtype("conv1d", x, self.weight)
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-d convolution of (N, C_in, H, W) into (N, C_out, Ho, Wo), Ho = (H - 1) stride
    - 2 padding + dilation (kh - 1) + output_padding + 1 (the inverse shape map of Conv2d).
    ``weight`` is (C_in, C_out/groups, kh, kw), initialised as PyTorch's (fan_in from dim 1)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", *, device=None, dtype=None):
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"ConvTranspose2d: in_channels {in_channels} and out_channels {out_channels} must "
                             f"both be divisible by groups {groups}")
        # the parent builds a (C_out, C_in/groups, k) weight: build it for the swapped channels
        super().__init__(out_channels, in_channels, kernel_size, stride, 0, dilation, groups, False, padding_mode,
                         device=device, dtype=dtype)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.padding = ntuple(padding, 2, "ConvTranspose2d", "padding", 0)
        self.output_padding = ntuple(output_padding, 2, "ConvTranspose2d", "output_padding", 0)
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=self.weight.dtype))
            self.reset_parameters()

    def forward(self, x):
        check_input_dtype("conv_transpose2d", x, self.weight)
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)
