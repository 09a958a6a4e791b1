"""``chainrule.nn.functional``: stateless layers, activations and losses, as in
``torch.nn.functional``. Each function checks its arguments and applies op classes from
``chainrule.ops`` (the losses' math is in ``chainrule/ops/loss.py``).

Shapes: N is the batch size, C the number of classes. Losses return a 0-d Tensor for
``reduction='mean'`` (the default) or ``'sum'``, and one value per item for ``'none'``.
"""
import numpy as np

from .. import ops as _ops
from ..ops import dropout as _dropout
from ..ops import loss as _loss
from ..ops.linear import Linear as _Linear
from ..tensor import Tensor

relu = _ops.relu
leaky_relu = _ops.leaky_relu
sigmoid = _ops.sigmoid
tanh = _ops.tanh


def linear(input, weight, bias=None):
    """y = input W^T + b; input (*, in), weight (out, in), bias (out,) or None -> (*, out)."""
    if bias is None:
        return _Linear.apply(input, weight)
    return _Linear.apply(input, weight, bias)


def softmax(input, dim):
    """e^x / sum(e^x) along ``dim`` (required, as PyTorch recommends)."""
    return _ops.softmax(input, dim)


def log_softmax(input, dim):
    """x - logsumexp(x) along ``dim`` (required)."""
    return _ops.log_softmax(input, dim)


def dropout(input, p=0.5, training=True):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale
    the rest by 1/(1-p); otherwise return ``input`` itself. Seeded by ``manual_seed``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    mask = _dropout.dropout_mask(_array(input).shape, p, _array(input).dtype)
    return _dropout.Dropout.apply(input, mask)


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding: shape (*, num_classes), 1 at each index; no gradient.

    ``num_classes=-1`` uses max(tensor) + 1.
    """
    indices = _array(tensor)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected class indices of an integer dtype, got {indices.dtype}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise IndexError(
            f"one_hot: class values must be in [0, {num_classes}), got values in "
            f"[{indices.min()}, {indices.max()}]"
        )
    out = np.zeros(indices.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, indices[..., None].astype(np.intp), 1, axis=-1)
    return Tensor._make(out, False, None)


def _check_reduction(fn, reduction):
    if reduction not in _loss.REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def cross_entropy(input, target, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of scores ``input`` (N, C) with class indices ``target`` (N,).

    One fused, stable op: log-softmax is computed as z - max(z) - log(sum(exp(z - max(z))))
    and backward is (softmax(z) - q) / N for the mean, q the (smoothed) one-hot target.
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    return _loss.CrossEntropy.apply(
        input, _array(target), reduction=reduction,
        label_smoothing=label_smoothing,
    )


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C) at ``target`` (N,)."""
    _check_reduction("nll_loss", reduction)
    return _loss.NLLLoss.apply(input, _array(target), reduction=reduction)


def _float_target(input, target):
    """A target as an array (or Tensor, kept when it requires grad) in the input's dtype."""
    if isinstance(target, Tensor) and target.requires_grad:
        return target
    return _array(target).astype(_array(input).dtype, copy=False)


def mse_loss(input, target, reduction="mean"):
    """(input - target)^2 averaged over every element (``'mean'``), summed, or per element."""
    _check_reduction("mse_loss", reduction)
    return _loss.MSELoss.apply(input, _float_target(input, target), reduction=reduction)


def quadratic_cost(output, target):
    """The quadratic cost of docs/math.md (section 2): C = 1/(2N) sum_x ||y(x) - a(x)||^2 over a batch of N.

    ``output`` is (N, C); ``target`` is one-hot (N, C) or class indices (N,), which are
    one-hot encoded. Its gradient is (a - y)/N per example, as in the doc's SGD update,
    so ``lr`` means the doc's eta. Relation: quadratic_cost = mse_loss(reduction='sum')
    / (2N) = mse_loss(reduction='mean') * C / 2.
    """
    out = _array(output)
    if out.ndim != 2:
        raise ValueError(f"quadratic_cost: output must have shape (N, C), got {out.shape}")
    labels = _array(target)
    if labels.ndim == 1 and labels.dtype.kind in "iu":
        if labels.shape != out.shape[:1]:
            raise ValueError(
                f"quadratic_cost: target of shape {labels.shape} does not match output of "
                f"shape {out.shape} (expected ({out.shape[0]},) class indices or one-hot {out.shape})"
            )
        target = one_hot(labels, out.shape[1])
    return mse_loss(output, target, reduction="sum") * (0.5 / out.shape[0])


def binary_cross_entropy(input, target, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities ``input`` and targets in [0, 1]."""
    _check_reduction("binary_cross_entropy", reduction)
    probs = _array(input)
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise ValueError(
            f"binary_cross_entropy: input values must be probabilities in [0, 1], got values "
            f"in [{probs.min()}, {probs.max()}]; for raw scores use binary_cross_entropy_with_logits"
        )
    return _loss.BinaryCrossEntropy.apply(input, _float_target(input, target), reduction=reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the scores."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    return _loss.BinaryCrossEntropyWithLogits.apply(
        input, _float_target(input, target), reduction=reduction
    )


def multi_margin_loss(input, target, p=1, margin=1.0, reduction="mean"):
    """Multiclass hinge loss of scores (N, C) and classes (N,):
    sum_{i != y} max(0, margin - x_y + x_i)^p / C per example; p is 1 or 2."""
    _check_reduction("multi_margin_loss", reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    return _loss.MultiMargin.apply(
        input, _array(target), reduction=reduction, p=p, margin=margin
    )


__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout",
    "leaky_relu", "linear", "log_softmax", "mse_loss", "multi_margin_loss", "nll_loss",
    "one_hot", "quadratic_cost", "relu", "sigmoid", "softmax", "tanh",
]

# ---- convolution, pooling and normalization (ops in ops/conv.py, pooling.py, batchnorm.py) ----
from ..ops.batchnorm import batch_norm  # noqa: E402
from ..ops.conv import conv1d, conv2d  # noqa: E402
from ..ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: E402


def dropout2d(input, p=0.5, training=True):
    """Channel-wise dropout: in training, zero each whole channel of an (N, C, H, W) (or
    (N, C, L)) input with probability ``p`` and scale the others by 1/(1-p); otherwise
    return ``input`` itself. Seeded by ``manual_seed``; the gradient uses the same mask."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: probability has to be between 0 and 1, but got {p}")
    shape = _array(input).shape
    if len(shape) not in (3, 4):
        raise ValueError(f"dropout2d: expected an input (N, C, H, W) or (N, C, L), got shape {shape}")
    if not training or p == 0.0:
        return input
    mask = _dropout.dropout_mask(shape[:2] + (1,) * (len(shape) - 2), p, _array(input).dtype)
    return _dropout.Dropout.apply(input, mask)  # one mask value per (item, channel), broadcast


__all__ += [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv1d", "conv2d", "dropout2d", "max_pool2d",
]
