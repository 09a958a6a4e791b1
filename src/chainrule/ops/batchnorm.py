"""Batch normalization over every axis but the channel axis 1 (docs/math.md, section 4)."""
import math

from ..autograd.function import Function, ShapeError
from ..backend import xp
from ..tensor import Tensor


class BatchNorm(Function):
    """y = gamma * x_hat + beta with x_hat = (x - mean) / sqrt(var + eps) per channel: the
    batch's statistics when training (updating the running ones in place), else the running ones."""

    __slots__ = ("training",)
    saves_inputs = (1,)

    def reduce(self, count, *sums):
        """The values per channel and per-channel sums over the whole batch: this
        process's own (``chainrule.distributed``'s SyncBatchNorm adds every process's)."""
        return (count, *sums)

    def forward(self, x, weight, bias, running_mean=None, running_var=None, training=False,
                momentum=0.1, eps=1e-5):
        axes = (0,) + tuple(range(2, x.ndim))
        channel = (1, -1) + (1,) * (x.ndim - 2)
        # In-place steps on two buffers (x_hat, out): each new large array costs page faults.
        if training:  # sum / n: what mean() computes
            n, total = self.reduce(x.size // x.shape[1], x.sum(axis=axes))
            mean = total / n
            x_hat = x - mean.reshape(channel)
            out = xp.square(x_hat)
            var = self.reduce(n, out.sum(axis=axes))[1] / n  # biased: the one that normalizes
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
                running_var *= 1 - momentum
                running_var += (momentum * n / (n - 1)) * var  # unbiased, as in PyTorch
        else:
            x_hat = x - running_mean.astype(x.dtype, copy=False).reshape(channel)
            out = xp.empty_like(x_hat)
            var = running_var.astype(x.dtype, copy=False)
        inv_std = 1 / xp.sqrt(var + eps)
        x_hat *= inv_std.reshape(channel)
        self.saved = (x_hat, inv_std, weight)
        self.training = training
        xp.multiply(x_hat, weight.reshape(channel), out=out)
        out += bias.reshape(channel)
        return out

    def backward(self, grad):
        """dgamma = sum(dy * x_hat), dbeta = sum(dy) over all axes but 1; in training
        dx = (1/N) * gamma/sqrt(var + eps) * (N*dy - sum(dy) - x_hat * sum(dy * x_hat)),
        N = values per channel (the sums and N over every process with SyncBatchNorm, whose
        dgamma and dbeta stay this process's); in eval dx = dy * gamma/sqrt(var + eps)."""
        x_hat, inv_std, gamma = self.saved
        axes = (0,) + tuple(range(2, grad.ndim))
        channel = (1, -1) + (1,) * (grad.ndim - 2)
        dbeta = grad.sum(axis=axes)
        work = grad * x_hat
        dgamma = work.sum(axis=axes)
        if not self.needs_input_grad[0]:
            dx = None
        elif self.training:
            n, sum_dy, sum_dy_x_hat = self.reduce(grad.size // grad.shape[1], dbeta, dgamma)
            xp.multiply(x_hat, sum_dy_x_hat.reshape(channel), out=work)  # x_hat * sum(dy * x_hat)
            dx = n * grad
            dx -= sum_dy.reshape(channel)
            dx -= work
            dx *= (gamma * inv_std / n).reshape(channel)
        else:
            dx = grad * (gamma * inv_std).reshape(channel)
        return dx, dgamma, dbeta


def _array(x):
    return x._data if isinstance(x, Tensor) else x


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization like ``torch.nn.functional.batch_norm``: input (N, C, *) with
    per-channel (C,) statistics and affine parameters (None: gamma 1, beta 0). In training
    the batch statistics normalize and ``running_mean``/``running_var`` (arrays or Tensors,
    or None) are updated in place with ``momentum``; in eval they normalize."""
    arrays = checked_inputs(input, running_mean, running_var, weight, bias, training)
    return BatchNorm.apply(input, *arrays[2:], running_mean=arrays[0], running_var=arrays[1],
                           training=training, momentum=momentum, eps=eps)


def checked_inputs(input, running_mean, running_var, weight, bias, training):
    """``batch_norm``'s arguments checked, as (running_mean, running_var, weight, bias)
    arrays, the missing affine ones made (gamma 1, beta 0)."""
    shape = input.shape
    if len(shape) < 2:
        raise ShapeError(f"batch_norm: expected an input (N, C, *) of at least 2 dims, got shape {shape}")
    c = shape[1]
    running_mean, running_var = _array(running_mean), _array(running_var)
    for name, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != (c,):
            raise ShapeError(
                f"batch_norm: {name} of shape {tuple(value.shape)} does not match the {c} channels "
                f"of the input of shape {shape}"
            )
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if running_mean is None and not training:
        raise ValueError("batch_norm: running_mean and running_var must be given in evaluation mode (training=False)")
    if training and math.prod(shape) // c <= 1:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, got input of shape {shape}"
        )
    dtype = input.dtype
    weight = xp.ones(c, dtype=dtype) if weight is None else weight
    bias = xp.zeros(c, dtype=dtype) if bias is None else bias
    return running_mean, running_var, weight, bias
