"""Max and average pooling over sliding windows, and adaptive average pooling.

Pooling never unfolds the input: forward combines the kernel's k*k strided slices of the
padded input (``windows.window_slices``) with k*k element-wise ops, and backward folds the
gradient back into the same slices, adding where windows overlap.
"""
import functools

from ..autograd.function import Function, ShapeError
from ..backend import xp, zeros_along_innermost
from ..tensor import Tensor
from .activation import ReLU
from .windows import (batch_inner, dilated, fold, like_layout, ntuple, pad, unpad, window_slices,
                      windows_overlap)


class PoolGeometry:
    """PyTorch's pooling arithmetic for one call: the output size and the padding that covers
    every window, including the partial last window that ``ceil_mode`` adds."""

    __slots__ = ("kernel", "stride", "dilation", "padding", "out_hw", "pads", "slices", "tiles")

    def __init__(self, op, shape, kernel_size, stride, padding, dilation, ceil_mode):
        if len(shape) not in (3, 4):
            raise ShapeError(f"{op}: expected an input (N, C, H, W) or (C, H, W), got shape {shape}")
        self.kernel = kernel = ntuple(kernel_size, 2, op, "kernel_size", 1)
        stride = kernel if stride is None or stride == () or stride == [] else stride
        self.stride = ntuple(stride, 2, op, "stride", 1)
        self.padding = ntuple(padding, 2, op, "padding", 0)
        self.dilation = ntuple(dilation, 2, op, "dilation", 1)
        if any(p > k // 2 for p, k in zip(self.padding, kernel)):
            raise ValueError(f"{op}: padding {self.padding} must be at most half of kernel_size {kernel}")
        extents = dilated(kernel, self.dilation)
        out_hw, pads = [], []
        for size, extent, s, p in zip(shape[-2:], extents, self.stride, self.padding):
            out = (size + 2 * p - extent + (s - 1 if ceil_mode else 0)) // s + 1
            if ceil_mode and (out - 1) * s >= size + p:
                out -= 1  # the last window must start inside the input or the left padding
            out_hw.append(out)
            pads.append((p, max(p, (out - 1) * s + extent - size - p)))
        if min(out_hw) < 1:
            raise ShapeError(
                f"{op}: input of shape {tuple(shape)} with padding {self.padding} is smaller than "
                f"the dilated kernel {extents}"
            )
        self.out_hw, self.pads = tuple(out_hw), tuple(pads)
        self.slices = window_slices(kernel, self.stride, self.dilation, self.out_hw)
        # the windows cover every padded position exactly once (LeNet's 2x2, stride 2)
        self.tiles = self.dilation == (1, 1) and self.stride == kernel and all(
            o * k == size + before + after
            for o, k, size, (before, after) in zip(self.out_hw, kernel, shape[-2:], self.pads))

    def __repr__(self):
        return (f"PoolGeometry(kernel={self.kernel}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, out={self.out_hw})")


def _cacheable(value):
    """None, an int or a tuple of ints, exactly: the arguments a geometry may be cached
    under (a bool equals an int as a key, but is an error as an argument)."""
    return value is None or type(value) is int or (
        type(value) is tuple and all(type(v) is int for v in value))


@functools.lru_cache(maxsize=128)
def _cached_geometry(*args):
    return PoolGeometry(*args)


def pool_geometry(op, shape, kernel_size, stride, padding, dilation, ceil_mode):
    """``PoolGeometry(...)``, computed once per distinct call: a layer called on batches of
    one shape reuses it (its arithmetic costs more than a small pooling itself)."""
    args = (op, tuple(shape), kernel_size, stride, padding, dilation, ceil_mode)
    if all(_cacheable(a) for a in args[2:6]) and type(ceil_mode) is bool:
        return _cached_geometry(*args)
    return PoolGeometry(*args)


def window_max(padded, slices):
    """The maximum of every window: an element-wise maximum over the k*k offset slices
    (NaN propagates, as in PyTorch)."""
    if len(slices) == 1:
        return padded[slices[0]].copy(order="K")
    out = xp.maximum(padded[slices[0]], padded[slices[1]])
    for index in slices[2:]:
        xp.maximum(out, padded[index], out=out)
    return out


def first_max_masks(padded, out, slices):
    """For each offset k in row-major order, the windows whose FIRST maximum sits at k:
    where a window holds its maximum twice, the earlier offset wins, as in PyTorch (a NaN
    window routes to its first NaN)."""
    nan = xp.isnan(out)
    nan = nan if nan.any() else None
    free = None
    for k, index in enumerate(slices):
        window = padded[index]
        hit = window == out
        if nan is not None:
            hit |= nan & xp.isnan(window)
        if free is None:
            free = ~hit
        else:
            hit &= free
            if k < len(slices) - 1:
                free ^= hit  # hit lies inside free: clears exactly the windows routed here
        yield hit


def route_to_first_max(grad, padded, out, geometry):
    """dx of max pooling, shaped like ``padded`` (unpad it): each window's gradient
    ``grad`` (N, C, Ho, Wo) goes to the position of its first maximum, 0 elsewhere; positions
    shared by overlapping windows add up."""
    grad = like_layout(grad, out)
    masks = first_max_masks(padded, out, geometry.slices)
    if windows_overlap(geometry.kernel, geometry.stride, geometry.dilation):
        dx = fold((grad * hit for hit in masks), padded.shape, geometry.slices, grad.dtype)
    else:  # disjoint windows: each offset's share is multiplied straight into its slice
        dx = batch_inner(padded.shape, grad.dtype, None if geometry.tiles else 0)
        for hit, index in zip(masks, geometry.slices):
            xp.multiply(grad, hit, out=dx[index])
    return dx


class MaxPool2d(Function):
    """The maximum of each (dilated) window over the last two axes."""

    __slots__ = ("geometry", "in_hw")
    saves_inputs = (0,)
    saves_output = True

    def forward(self, x, geometry=None):
        padded = pad(x, geometry.pads, -xp.inf)
        out = window_max(padded, geometry.slices)
        self.geometry, self.in_hw = geometry, x.shape[-2:]
        self.saved = (padded, out)
        return out

    def backward(self, grad):
        """dx: each window's gradient goes to the position of its first maximum, 0 elsewhere;
        positions shared by overlapping windows add up."""
        (padded, out), geometry = self.saved, self.geometry
        dx = route_to_first_max(grad, padded, out, geometry)
        return (unpad(dx, geometry.pads, self.in_hw),)


class ReLUMaxPool2d(Function):
    """max_pool2d(relu(x)), computed as relu(max_pool2d(x)): ReLU is monotone, so the two
    agree, and ReLU then runs on the pooled output only. Fused; the reference is
    ``relu_max_pool2d_composed``."""

    __slots__ = ("geometry", "in_hw")
    saves_inputs = (0,)
    saves_output = True

    def forward(self, x, geometry=None):
        out = MaxPool2d.forward(self, x, geometry)  # saves (padded, out): out is rectified in place
        xp.maximum(out, zeros_along_innermost(out), out=out)
        return out

    def backward(self, grad):
        """dx: as max pooling's, with each window's gradient gated by its maximum > 0 (ReLU's
        rule at the window's maximum). Where the maximum is > 0, x's first maximum is
        relu(x)'s; where it is <= 0 (or NaN) the composed ops send 0 everywhere too: pooling
        routes to a zero (or NaN) of relu(x), whose ReLU gate is closed."""
        (padded, out), geometry = self.saved, self.geometry
        # routed by the rectified maximum: x's where it is > 0; the gate zeroes the other windows
        gated = like_layout(grad, out) * (out > 0)
        dx = route_to_first_max(gated, padded, out, geometry)
        return (unpad(dx, geometry.pads, self.in_hw),)


def _flat_indices(padded, out, geometry, in_w):
    """PyTorch's return_indices: the first maximum as a flat index into each unpadded H*W plane."""
    first = xp.zeros(out.shape, dtype=xp.int64)
    for k, hit in enumerate(first_max_masks(padded, out, geometry.slices)):
        xp.copyto(first, k, where=hit)
    (_, kw), (sh, sw), (ph, pw), (dh, dw) = (
        geometry.kernel, geometry.stride, geometry.padding, geometry.dilation)
    ho, wo = geometry.out_hw
    rows = (xp.arange(ho) * sh - ph)[:, None] + (first // kw) * dh
    cols = xp.arange(wo) * sw - pw + (first % kw) * dw
    return rows * in_w + cols


class AvgPool2d(Function):
    """The mean of each window over the last two axes: window sum / divisor."""

    __slots__ = ("geometry", "in_hw", "padded_shape")

    def forward(self, x, geometry=None, divisor=None):
        padded = pad(x, geometry.pads, 0)
        slices = geometry.slices
        total = padded[slices[0]] + padded[slices[1]] if len(slices) > 1 else padded[slices[0]].copy(order="K")
        for index in slices[2:]:
            total += padded[index]
        total /= divisor
        self.geometry, self.in_hw, self.padded_shape = geometry, x.shape[-2:], padded.shape
        self.saved = divisor
        return total

    def backward(self, grad):
        """dx: each window's gradient spread evenly over it (dy / divisor at every position);
        positions shared by overlapping windows add up."""
        geometry = self.geometry
        share = grad / self.saved
        overlap = windows_overlap(geometry.kernel, geometry.stride, geometry.dilation)
        dx = fold((share for _ in geometry.slices), self.padded_shape, geometry.slices, grad.dtype, overlap)
        return (unpad(dx, geometry.pads, self.in_hw),)


def _avg_divisor(geometry, in_hw, count_include_pad, dtype):
    """(Ho, Wo) divisors as PyTorch computes them: the window clipped to the padded input
    (count_include_pad) or to the input itself."""
    factors = []
    for size, k, s, p, out in zip(in_hw, geometry.kernel, geometry.stride, geometry.padding, geometry.out_hw):
        start = xp.arange(out) * s - p
        end = xp.minimum(start + k, size + p)
        factors.append(end - start if count_include_pad else xp.minimum(end, size) - xp.maximum(start, 0))
    return xp.multiply.outer(*factors).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """y = P_h x P_w^T: row i of P averages the positions [floor(i*H/h), ceil((i+1)*H/h))."""

    __slots__ = ()

    def forward(self, x, output_size=(1, 1)):
        p_h, p_w = (_averaging_matrix(n, out, x.dtype) for n, out in zip(x.shape[-2:], output_size))
        self.saved = (p_h, p_w)
        return p_h @ x @ p_w.T

    def backward(self, grad):
        """dx = P_h^T dy P_w: each output's gradient spread evenly over its window."""
        p_h, p_w = self.saved
        return (p_h.T @ grad @ p_w,)


def _averaging_matrix(size, out, dtype):
    i = xp.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    inside = (xp.arange(size) >= start[:, None]) & (xp.arange(size) < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _data_shape(x):
    return x.shape if isinstance(x, Tensor) else xp.shape(x)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max pooling like ``torch.nn.functional.max_pool2d``: (N, C, H, W) or (C, H, W) in,
    (..., Ho, Wo) out; padding counts as -inf. With ``return_indices`` also the int64 flat
    index of each maximum in its H*W plane (ties: the first in row-major window order)."""
    shape = _data_shape(input)
    geometry = pool_geometry("max_pool2d", shape, kernel_size, stride, padding, dilation, ceil_mode)
    out = MaxPool2d.apply(input, geometry=geometry)
    if not return_indices:
        return out
    data = input._data if isinstance(input, Tensor) else xp.asarray(input)
    indices = _flat_indices(pad(data, geometry.pads, -xp.inf), out._data, geometry, shape[-1])
    return out, Tensor._make(indices, False, None)


def relu_max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """``max_pool2d(relu(input), ...)`` as one op (``ReLUMaxPool2d``): the same values and
    gradients, without the full-size ReLU output and mask."""
    geometry = pool_geometry("max_pool2d", _data_shape(input), kernel_size, stride, padding, dilation, ceil_mode)
    return ReLUMaxPool2d.apply(input, geometry=geometry)


def relu_max_pool2d_composed(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The reference for the fused op: ReLU, then max pooling."""
    return max_pool2d(ReLU.apply(input), kernel_size, stride, padding, dilation, ceil_mode)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Average pooling like ``torch.nn.functional.avg_pool2d``: (N, C, H, W) or (C, H, W) in,
    (..., Ho, Wo) out; zero padding, counted in the divisor unless ``count_include_pad=False``."""
    shape = _data_shape(input)
    geometry = pool_geometry("avg_pool2d", shape, kernel_size, stride, padding, 1, ceil_mode)
    dtype = input.dtype if isinstance(input, Tensor) else xp.asarray(input).dtype
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must be non-zero")
        divisor = xp.asarray(divisor_override, dtype=dtype)
    else:
        divisor = _avg_divisor(geometry, shape[-2:], count_include_pad, dtype)
    return AvgPool2d.apply(input, geometry=geometry, divisor=divisor)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling like ``torch.nn.functional.adaptive_avg_pool2d``: any
    (h, w) output (an int, a pair, None keeps that input size) from (N, C, H, W) or (C, H, W)."""
    shape = _data_shape(input)
    if len(shape) not in (3, 4):
        raise ShapeError(f"adaptive_avg_pool2d: expected an input (N, C, H, W) or (C, H, W), got shape {shape}")
    sizes = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    sizes = tuple(n if s is None else s for s, n in zip(sizes, shape[-2:]))
    sizes = ntuple(sizes, 2, "adaptive_avg_pool2d", "output_size", 1)
    return AdaptiveAvgPool2d.apply(input, output_size=sizes)
