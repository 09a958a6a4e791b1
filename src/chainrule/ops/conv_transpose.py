"""Transposed 2-d convolution, composed from ops that exist: the gradient of ``conv2d`` with
respect to its input, written as a forward computation.

conv_transpose2d(x, w) spreads each input pixel over a kernel-sized patch of the output,
``stride`` apart. Equivalently (and so it is computed): insert stride - 1 zeros between the
input's pixels, pad by dilation (k - 1) - padding on each side (plus ``output_padding`` after),
and run an ordinary convolution with stride 1 whose kernel is ``w`` flipped in both spatial
axes with its in- and out-channels swapped (per group). Every step is an op with its own
backward, so the gradients follow from the chain rule. The zeros cost stride^2 times the
work of a direct implementation.
"""
from ..autograd.function import ShapeError
from ..tensor import Tensor
from .conv import conv2d
from .resample import pad
from .windows import ntuple


def _spread(x, stride):
    """(N, C, H, W) with stride - 1 zeros between neighbouring pixels along H and W."""
    (sh, sw), (n, c, h, w) = stride, x.shape
    if sh == sw == 1:
        return x
    grid = pad(x.reshape(n, c, h, 1, w, 1), (0, sw - 1, 0, 0, 0, sh - 1))  # each pixel, then zeros
    grid = grid.reshape(n, c, h * sh, w * sw)
    return pad(grid, (0, 1 - sw, 0, 1 - sh))  # no zeros after the last pixel


def _flipped_transposed(weight, groups):
    """(C_in, C_out/g, kh, kw) -> (C_out, C_in/g, kh, kw), each kernel rotated by 180 degrees."""
    c_in, c_out_group, kh, kw = weight.shape
    grouped = weight.reshape(groups, c_in // groups, c_out_group, kh, kw).permute(0, 2, 1, 3, 4)
    return grouped.reshape(groups * c_out_group, c_in // groups, kh, kw)[:, :, ::-1, ::-1]


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution like ``torch.nn.functional.conv_transpose2d``: input
    (N, C_in, H, W) or (C_in, H, W), weight (C_in, C_out/groups, kh, kw), bias (C_out,) ->
    (N, C_out, Ho, Wo) with Ho = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1."""
    op = "conv_transpose2d"
    input = input if isinstance(input, Tensor) else Tensor(input)
    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    if weight.ndim != 4 or input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected an input (N, C, H, W) or (C, H, W) and a 4-d weight "
                         f"(C_in, C_out/groups, kh, kw), got input of shape {input.shape} and weight of shape "
                         f"{weight.shape}")
    if not isinstance(groups, int) or groups < 1 or weight.shape[0] % groups:
        raise ValueError(f"{op}: groups must be a positive int dividing the weight's {weight.shape[0]} "
                         f"input channels, got {groups!r}")
    unbatched = input.ndim == 3
    x = input.reshape((1,) + input.shape) if unbatched else input
    if x.shape[1] != weight.shape[0]:
        raise ShapeError(f"{op}: input of shape {input.shape} has {x.shape[1]} channels, but weight of shape "
                         f"{weight.shape} expects {weight.shape[0]}")
    stride = ntuple(stride, 2, op, "stride", 1)
    dilation = ntuple(dilation, 2, op, "dilation", 1)
    padding = ntuple(padding, 2, op, "padding", 0)
    output_padding = ntuple(output_padding, 2, op, "output_padding", 0)
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than stride {stride} or "
                         f"dilation {dilation}")
    full = [d * (k - 1) - p for d, k, p in zip(dilation, weight.shape[2:], padding)]
    (fh, fw), (oh, ow) = full, output_padding
    spread = pad(_spread(x, stride), (fw, fw + ow, fh, fh + oh))
    out = conv2d(spread, _flipped_transposed(weight, groups), bias, 1, 0, dilation, groups)
    return out.reshape(out.shape[1:]) if unbatched else out
