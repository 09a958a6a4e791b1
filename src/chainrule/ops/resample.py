"""Padding (``pad``) and nearest-neighbour resizing (``interpolate``), as in ``torch.nn.functional``.

Constant padding is one op (``ConstantPad``). Reflect, replicate and circular padding and
nearest interpolation only copy input elements to new places, so each is an index: one
integer array per resized axis, gathered by ``GetItem`` (whose backward adds the gradient of
every copy back to its source element).
"""
import math

from ..autograd.function import Function, ShapeError
from ..backend import xp
from ..tensor import Tensor
from .shape import GetItem

PAD_MODES = ("constant", "reflect", "replicate", "circular")
INTERPOLATE_MODES = ("nearest", "nearest-exact")


class ConstantPad(Function):
    """x with ``pads[i] = (before, after)`` elements of ``value`` added on axis i; a negative
    count removes that many elements instead (as PyTorch's constant mode)."""

    __slots__ = ("kept", "placed", "shape")

    def forward(self, x, pads=(), value=0.0):
        self.shape = x.shape
        self.kept = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pads, x.shape))
        kept = x[self.kept]
        self.placed = tuple(slice(max(b, 0), max(b, 0) + m) for (b, _), m in zip(pads, kept.shape))
        out = xp.full(tuple(max(b, 0) + m + max(a, 0) for (b, a), m in zip(pads, kept.shape)), value,
                      dtype=x.dtype)
        out[self.placed] = kept
        return out

    def backward(self, grad):
        """dx = the block of dy where x was placed (zeros where x was cut off)."""
        inner = grad[self.placed]
        if inner.shape == self.shape:
            return (inner,)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        out[self.kept] = inner
        return (out,)


def _source_positions(mode, before, after, size):
    """For one axis: the input position each output position copies."""
    positions = xp.arange(-before, size + after)
    if mode == "replicate":
        return xp.clip(positions, 0, size - 1)
    if mode == "circular":
        return positions % size
    period = 2 * (size - 1)  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
    folded = xp.abs(positions) % period if period else xp.zeros_like(positions)
    return xp.where(folded >= size, period - folded, folded)


def _gather(input, positions):
    """``input`` with its last len(positions) axes re-indexed by the integer arrays ``positions``."""
    leading = (slice(None),) * (input.ndim - len(positions))
    return GetItem.apply(input, index=leading + xp.ix_(*positions))


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)/2 axes: ``pad = (left, right)`` for the last axis, then
    ``(top, bottom)`` for the one before, and so on. ``mode`` is 'constant' (with ``value``,
    default 0; negative sizes crop), 'reflect' (mirror, edge not repeated), 'replicate' (edge
    repeated) or 'circular' (wrap around)."""
    input = input if isinstance(input, Tensor) else Tensor(input)
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) > 2 * input.ndim or not all(isinstance(p, int) for p in pad):
        raise ValueError(f"pad: expected an even number of integers, at most 2 per dimension of the input "
                         f"of shape {input.shape}, got {pad}")
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(map(repr, PAD_MODES))}, got {mode!r}")
    padded = len(pad) // 2
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(padded)][::-1]  # first padded axis first
    sizes = input.shape[input.ndim - padded:]
    if any(n + b + a < 0 for n, (b, a) in zip(sizes, pairs)):
        raise ShapeError(f"pad: padding {pad} would make a negative size of the input of shape {input.shape}")
    if mode == "constant":
        pads = ((0, 0),) * (input.ndim - padded) + tuple(pairs)
        return ConstantPad.apply(input, pads=pads, value=0.0 if value is None else value)
    if value is not None:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    for n, (b, a) in zip(sizes, pairs):
        limit = n if mode == "circular" else n - 1 if mode == "reflect" else math.inf
        if min(b, a) < 0 or max(b, a) > limit or n == 0:
            raise ShapeError(f"pad: {mode} padding {pad} is too large (or negative) for the input of "
                             f"shape {input.shape}: each size must be at most {limit} there")
    return _gather(input, [_source_positions(mode, b, a, n) for n, (b, a) in zip(sizes, pairs)])


def _nearest_positions(mode, size, out_size, scale_factor):
    """PyTorch's nearest index (float32 arithmetic, as its kernel): floor(i * scale), or
    floor((i + 0.5) * scale) for 'nearest-exact', capped at size - 1."""
    if mode == "nearest" and out_size in (size, 2 * size):
        return xp.arange(out_size) * size // out_size
    scale = xp.float32(1.0 / scale_factor if scale_factor else size / out_size)
    offset = xp.float32(0.5 if mode == "nearest-exact" else 0.0)
    positions = xp.floor((xp.arange(out_size, dtype=xp.float32) + offset) * scale).astype(xp.int64)
    return xp.minimum(positions, size - 1)


def _per_axis(value, count, name):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    if len(values) != count:
        raise ValueError(f"interpolate: {name} must have {count} values for {count} spatial dimensions, "
                         f"got {value!r}")
    return values


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of ``input`` (N, C, *spatial), 1 to 3 of them, to ``size`` or by
    ``scale_factor`` (exactly one of the two), with ``mode`` 'nearest' (PyTorch's: source index
    floor(i * in/out)) or 'nearest-exact' (floor((i + 0.5) * in/out))."""
    input = input if isinstance(input, Tensor) else Tensor(input)
    if mode not in INTERPOLATE_MODES:
        raise ValueError(f"interpolate: mode {mode!r} is not supported; chainrule has "
                         f"{', '.join(map(repr, INTERPOLATE_MODES))}")
    if align_corners is not None or antialias:
        raise ValueError(f"interpolate: align_corners and antialias only apply to interpolating modes, "
                         f"not {mode!r}")
    spatial = input.ndim - 2
    if not 1 <= spatial <= 3:
        raise ShapeError(f"interpolate: expected an input (N, C, *spatial) with 1 to 3 spatial dims, "
                         f"got shape {input.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    sizes = input.shape[2:]
    if size is not None:
        out_sizes, scales = _per_axis(size, spatial, "size"), (None,) * spatial
    else:
        scales = tuple(float(s) for s in _per_axis(scale_factor, spatial, "scale_factor"))
        out_sizes = tuple(int(math.floor(n * s)) for n, s in zip(sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * spatial
    if any(not isinstance(n, int) or n < 1 for n in out_sizes):
        raise ValueError(f"interpolate: output sizes must be positive integers, got {out_sizes} for an "
                         f"input of shape {input.shape}")
    return _gather(input, [_nearest_positions(mode, n, m, s) for n, m, s in zip(sizes, out_sizes, scales)])
