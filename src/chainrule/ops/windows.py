"""Sliding-window geometry and memory layout shared by convolution and pooling.

A window op reads, for every kernel offset (i, j), one strided slice of the padded input
whose shape is the output's spatial shape (``window_slices``). Forward combines those
slices (a matrix product for convolution, a max or a sum for pooling); backward adds each
offset's gradient back into its slice (``fold``, i.e. col2im: overlapping windows add up).

Layout: the arrays these ops create are NCHW to the user but (C, H, W, N) in memory
(``batch_inner``): channel-major, so a convolution is one matrix product whose result is
already in that layout, and batch-innermost, so every window slice is made of long
contiguous runs (Wo*N values) instead of rows of a few pixels. Element-wise NumPy ops keep
the layout of their inputs, so it flows through ReLU, pooling and batch norm unchanged.
"""
import numpy as np

from ..backend import xp


def ntuple(value, n, op, name, minimum):
    """A tuple of ``n`` ints from an int or a sequence of ``n`` ints, each at least ``minimum``."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values
    ):
        kind = "an int" if n == 1 else f"an int or {n} ints"
        raise ValueError(f"{op}: {name} must be {kind}, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def dilated(kernel, dilation):
    """The extent of a dilated kernel along each axis: d * (k - 1) + 1."""
    return tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))


def windows_overlap(kernel, stride, dilation):
    """False when no input position can lie in two windows (stride >= kernel extent), so
    folding may assign instead of add."""
    return any(s < extent for s, extent in zip(stride, dilated(kernel, dilation)))


def batch_inner(shape, dtype, fill=None):
    """A new (N, C, H, W) array stored as (C, H, W, N); other ranks are plain C order.
    ``fill=None`` leaves it uninitialised."""
    if len(shape) != 4:
        return xp.empty(shape, dtype) if fill is None else xp.full(shape, fill, dtype)
    n, c, h, w = shape
    memory = (c, h, w, n)
    out = xp.empty(memory, dtype) if fill is None else xp.full(memory, fill, dtype)
    return out.transpose(3, 0, 1, 2)


def like_layout(a, reference):
    """``a``, copied into ``reference``'s memory layout when the two differ: element-wise
    ops on operands of different layouts walk one of them against its memory order."""
    if a.strides == reference.strides or a.ndim != 4:
        return a
    out = xp.empty_like(reference, dtype=a.dtype)  # empty_like keeps the reference's layout
    out[...] = a
    return out


def window_slices(kernel, stride, dilation, out_hw):
    """One index per kernel offset (i, j), in row-major order: the positions of the padded
    input that offset (i, j) meets in every window; ``x[index]`` has shape ``(..., Ho, Wo)``."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    cols = [slice(j * dw, j * dw + sw * (wo - 1) + 1, sw) for j in range(kw)]
    return [
        (Ellipsis, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), col)
        for i in range(kh)
        for col in cols
    ]


def pad(x, pads, value=0):
    """``x`` with ``((top, bottom), (left, right))`` padding on its last two axes, in the
    ``batch_inner`` layout (``x`` itself when all are 0)."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    h, w = x.shape[-2:]
    out = batch_inner(x.shape[:-2] + (top + h + bottom, left + w + right), x.dtype, value)
    out[..., top:top + h, left:left + w] = x
    return out


def unpad(x, pads, hw):
    """The inverse of ``pad``: the ``hw`` block of ``x`` (a view)."""
    (top, _), (left, _) = pads
    return x[..., top:top + hw[0], left:left + hw[1]]


def fold(parts, padded_shape, slices, dtype, overlap=True):
    """col2im: put each offset's gradient back where it was read from, into a new
    ``batch_inner`` array. ``parts`` yields one array per entry of ``slices``; where windows
    overlap the contributions add up (fan-out adds), otherwise they are assigned."""
    out = batch_inner(padded_shape, dtype, 0)
    for part, index in zip(parts, slices):
        if overlap:
            out[index] += part
        else:
            out[index] = part
    return out
