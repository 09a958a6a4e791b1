"""``BatchNorm1d`` and ``BatchNorm2d``: per-channel normalization with learned scale and shift.

State-dict keys as in PyTorch: ``weight``, ``bias``, ``running_mean``, ``running_var``,
``num_batches_tracked``.
"""
import numpy as np

from ..autograd.function import ShapeError, check_input_dtype
from . import functional as F
from .module import Module, Parameter, layer_dtype


class _BatchNorm(Module):
    """Training normalizes with the batch's statistics and updates the running ones (an
    exponential average with ``momentum``, or the cumulative average when it is None);
    eval normalizes with the running ones. ``affine`` learns gamma (and beta unless
    ``bias=False``); ``track_running_stats=False`` always uses the batch's statistics."""

    ranks = ()
    batch_norm = staticmethod(F.batch_norm)  # SyncBatchNorm's computes statistics over every process

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 *, device=None, dtype=None, bias=True):
        super().__init__()
        dtype = layer_dtype(type(self).__name__, device, dtype)
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(self.num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype=dtype)) if affine and bias else None
        tracked = track_running_stats  # without running stats the buffers are None, as in PyTorch
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype) if tracked else None)
        self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype) if tracked else None)
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64) if tracked else None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.fill(0)
            self.running_var.fill(1)
            self.num_batches_tracked.fill(0)

    def forward(self, x):
        if x.ndim not in self.ranks:
            raise ShapeError(f"{type(self).__name__}: expected a {self.layout} input, got shape {x.shape}")
        check_input_dtype("batch_norm", x, self.weight, self.running_mean)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:  # the cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked)
        return self.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or self.running_mean is None, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) over N (and L) per channel C."""

    ranks, layout = (2, 3), "2-d (N, C) or 3-d (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) over N, H and W per channel C."""

    ranks, layout = (4,), "4-d (N, C, H, W)"
