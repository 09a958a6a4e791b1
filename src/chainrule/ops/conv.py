"""Convolution (cross-correlation, as in every framework) through im2col: one matrix product
per pass and group (docs/math.md, section 4; a small weight gradient on several threads is a
sum of products, ``k_chunked_matmul``).

The user sees NCHW; inside, the op works in the (C, H, W, N) memory layout of
``windows.batch_inner``. The padded input is unfolded into the patch matrix ``cols`` of
shape (C*kh*kw, Ho*Wo*N), and ``W (C_out, C*kh*kw) @ cols`` is the output as
(C_out, Ho*Wo*N), returned as an NCHW *view* of that memory: ReLU, pooling and the next
convolution read it without a copy, and the upstream gradient usually arrives in it too.
"""
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function, ShapeError, check_input_dtype
from ..backend import xp
from ..settings import get_num_threads
from ..tensor import Tensor
from .windows import dilated, fold, ntuple, pad, unpad, window_slices, windows_overlap


def im2col(x, kernel, stride, dilation, out_hw):
    """The (C*kh*kw, Ho*Wo*N) patch matrix of a padded (N, C, H, W) input: row (c, i, j)
    holds channel c at kernel offset (i, j) of every window. One copy, through a strided
    view; fastest when ``x`` is stored as (C, H, W, N)."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    n, c = x.shape[:2]
    s_n, s_c, s_h, s_w = x.strides
    patches = as_strided(
        x, (c, kh, kw, ho, wo, n), (s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w, s_n), writeable=False,
    )
    return patches.reshape(c * kh * kw, ho * wo * n)


WIDE_PATCHES = 64  # patch rows C/groups*kh*kw from which the weight gradient is computed as (cols @ dy^T)^T
ONE_THREAD_WORK = (1 << 19) - 1  # M*N*K up to which OpenBLAS runs a product on one thread (twice its SMP threshold)
SMALL_OUTPUT = 512  # M*N up to which a long product is run in chunks (each then at least 1,023 long)


def grouped_matmul(a, b):
    """``a @ b`` for stacks of one matrix per group: one BLAS product each (a plain 2-d
    product for a single group, which NumPy runs faster than a stack of one)."""
    if a.shape[0] == 1:
        return (a[0] @ b[0])[None]
    return a @ b


def weight_gradient(dy, cols):
    """dy (G, C_out/G, L) @ cols^T (G, L, R) -> (G, C_out/G, R), in the order OpenBLAS runs
    fastest: (cols @ dy^T)^T for R >= WIDE_PATCHES (LeNet's second layer, R = 150: 300 us
    instead of 335 on one thread, 175 instead of 280 on two), else dy @ cols^T over chunks
    of L (LeNet's first layer, R = 25)."""
    if cols.shape[1] >= WIDE_PATCHES:
        return grouped_matmul(cols, dy.transpose(0, 2, 1)).transpose(0, 2, 1)
    return k_chunked_matmul(dy, cols.transpose(0, 2, 1))


def k_chunked_matmul(a, b):
    """``a @ b`` for (G, M, K) @ (G, K, N), summed over chunks of K small enough for OpenBLAS
    to run each on one thread, when M*N <= SMALL_OUTPUT (else one product). For a small
    output and a long K its two threads share the output and are slower than one (LeNet's
    first weight gradient, (6 x 50,176) @ (50,176 x 25): 495 us on two threads, 414 on one,
    424 in chunks). One product when ``get_num_threads()`` is 1 (BLAS's count too, after
    ``set_num_threads``), where the chunks' calls cost 10 us; the bits depend on the thread
    count only through that choice."""
    g, m, k = a.shape
    n = b.shape[2]
    chunk = max(1, ONE_THREAD_WORK // (m * n))
    count = k // chunk
    if count < 2 or m * n > SMALL_OUTPUT or get_num_threads() == 1:
        return grouped_matmul(a, b)
    split = count * chunk
    chunks = xp.matmul(a[:, :, :split].reshape(g, m, count, chunk).transpose(0, 2, 1, 3),
                       b[:, :split].reshape(g, count, chunk, n))  # (G, count, M, N)
    out = chunks.sum(axis=1)
    if split < k:
        out += grouped_matmul(a[:, :, split:], b[:, split:])
    return out


class Conv2d(Function):
    """y = x * w (+ b): 2-d cross-correlation of an NCHW input with w (C_out, C/groups, kh, kw).

    Fused with the bias (the reference ``conv2d_composed`` adds it as a separate op)."""

    __slots__ = ("stride", "pads", "dilation", "groups", "in_shape", "padded_shape")
    saves_inputs = (1,)
    fresh_grads = True  # backward returns new products, sums and folds (or views of them) only

    def forward(self, x, weight, bias=None, stride=(1, 1), pads=((0, 0), (0, 0)),
                dilation=(1, 1), groups=1):
        n, c_out, kernel = x.shape[0], weight.shape[0], weight.shape[2:]
        padded = pad(x, pads)
        out_hw = tuple(
            (size - extent) // s + 1
            for size, extent, s in zip(padded.shape[2:], dilated(kernel, dilation), stride)
        )
        cols = im2col(padded, kernel, stride, dilation, out_hw).reshape(groups, -1, out_hw[0] * out_hw[1] * n)
        out = grouped_matmul(weight.reshape(groups, c_out // groups, -1), cols)  # (groups, C_out/groups, Ho*Wo*N)
        if bias is not None:
            out += bias.reshape(groups, -1, 1)
        self.stride, self.pads, self.dilation, self.groups = stride, pads, dilation, groups
        self.in_shape, self.padded_shape = x.shape, padded.shape
        self.saved = (cols, weight)
        return out.reshape(c_out, *out_hw, n).transpose(3, 0, 1, 2)  # NCHW view of (C, H, W, N)

    def backward(self, grad):
        """db = dy summed over n, h, w.  dw = dy @ cols^T: the cross-correlation of x with dy.
        dx = col2im(w^T @ dy): the full convolution of dy with the kernel rotated by 180
        degrees, folded back with additions where windows overlap."""
        cols, weight = self.saved
        groups, c_out = self.groups, weight.shape[0]
        n, c, h, w = self.in_shape
        out_hw = grad.shape[2:]
        dy = grad.transpose(1, 2, 3, 0).reshape(groups, c_out // groups, -1)  # free in (C, H, W, N)
        dx = dw = db = None
        if self.needs_input_grad[1]:
            dw = weight_gradient(dy, cols).reshape(weight.shape)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            db = (dy @ xp.ones(dy.shape[2], dy.dtype)).reshape(c_out)  # BLAS: 15 us, not sum's 38, for LeNet's first layer
        if self.needs_input_grad[0]:
            kernel = weight.shape[2:]
            dcols = grouped_matmul(weight.reshape(groups, c_out // groups, -1).transpose(0, 2, 1), dy)
            dcols = dcols.reshape(c, kernel[0] * kernel[1], *out_hw, n)
            slices = window_slices(kernel, self.stride, self.dilation, out_hw)
            parts = (dcols[:, k].transpose(3, 0, 1, 2) for k in range(len(slices)))
            overlap = windows_overlap(kernel, self.stride, self.dilation)
            dx = unpad(fold(parts, self.padded_shape, slices, dcols.dtype, overlap), self.pads, (h, w))
        return dx, dw, db


def conv_padding(padding, kernel, stride, dilation, op):
    """((before, after), ...) per spatial axis from an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return tuple((0, 0) for _ in kernel)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride})")
        totals = [extent - 1 for extent in dilated(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)  # the odd pixel goes after, as in PyTorch
    return tuple((p, p) for p in ntuple(padding, len(kernel), op, "padding", 0))


def _check_shapes(op, x, weight, bias, pads, dilation, groups):
    """Clear errors for the configurations no convolution can compute."""
    c, (c_out, c_group) = x.shape[1], weight.shape[:2]
    if c_out % groups or c % groups:
        raise ShapeError(
            f"{op}: in_channels {c} (input of shape {x.shape}) and out_channels {c_out} (weight of "
            f"shape {weight.shape}) must both be divisible by groups={groups}"
        )
    if c != c_group * groups:
        raise ShapeError(
            f"{op}: input of shape {x.shape} has {c} channels, but weight of shape {weight.shape} "
            f"with groups={groups} expects {c_group * groups}"
        )
    if bias is not None and bias.shape != (c_out,):
        raise ShapeError(f"{op}: bias of shape {bias.shape} does not match out_channels; expected ({c_out},)")
    extent = dilated(weight.shape[2:], dilation)
    padded = tuple(size + before + after for size, (before, after) in zip(x.shape[2:], pads))
    if any(p < e for p, e in zip(padded, extent)):
        shown = tuple(before for before, _ in pads)
        raise ShapeError(
            f"{op}: input of shape {x.shape} with padding {shown} is smaller than the dilated kernel {extent}"
        )
    check_input_dtype(op, x, weight, bias)


def convolution(op, nd, input, weight, bias, stride, padding, dilation, groups):
    """conv1d/conv2d: normalise PyTorch's arguments, check shapes, run the 2-d op.

    A 1-d convolution is the 2-d one on an input of height 1; an unbatched input
    (no N axis) gets a batch of one."""
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    input, weight = _as_tensor(input), _as_tensor(weight)
    bias = None if bias is None else _as_tensor(bias)
    if weight.ndim != nd + 2 or input.ndim not in (nd + 1, nd + 2):
        layout = "(N, C, L) or (C, L)" if nd == 1 else "(N, C, H, W) or (C, H, W)"
        raise ShapeError(
            f"{op}: expected an input {layout} and a {nd + 2}-d weight (C_out, C/groups, *kernel), "
            f"got input of shape {input.shape} and weight of shape {weight.shape}"
        )
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.reshape((1,) + input.shape)
    stride = ntuple(stride, nd, op, "stride", 1)
    dilation = ntuple(dilation, nd, op, "dilation", 1)
    pads = conv_padding(padding, weight.shape[2:], stride, dilation, op)
    _check_shapes(op, input, weight, bias, pads, dilation, groups)
    if nd == 1:
        input = input.reshape(input.shape[:2] + (1,) + input.shape[2:])
        weight = weight.reshape(weight.shape[:2] + (1,) + weight.shape[2:])
        stride, pads, dilation = (1,) + stride, ((0, 0),) + pads, (1,) + dilation
    args = (input, weight) if bias is None else (input, weight, bias)
    out = Conv2d.apply(*args, stride=stride, pads=pads, dilation=dilation, groups=groups)
    if nd == 1:
        out = out.reshape(out.shape[:2] + out.shape[3:])
    return out.reshape(out.shape[1:]) if unbatched else out


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution like ``torch.nn.functional.conv2d``: input (N, C, H, W) or (C, H, W),
    weight (C_out, C/groups, kh, kw), bias (C_out,) or None -> (N, C_out, Ho, Wo).
    stride, padding and dilation take an int or a pair; padding also 'valid' or 'same'."""
    return convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution like ``torch.nn.functional.conv1d``: input (N, C, L) or (C, L),
    weight (C_out, C/groups, k), bias (C_out,) or None -> (N, C_out, Lo)."""
    return convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d_composed(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """The reference for the fused bias: convolution without bias, then a broadcast add."""
    out = conv2d(input, weight, None, stride, padding, dilation, groups)
    return out if bias is None else out + _as_tensor(bias).reshape(1, -1, 1, 1)
