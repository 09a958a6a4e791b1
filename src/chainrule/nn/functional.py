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
from ..ops import regression_loss as _regression
from ..ops import smooth_activation as _smooth
from ..ops.activation import Hardtanh as _Hardtanh
from ..ops.activation import check_finite_scalar
from ..ops.linear import Linear as _Linear
from ..tensor import Tensor

sigmoid = _ops.sigmoid
tanh = _ops.tanh


# ``inplace=True`` is accepted so PyTorch code runs; the result is a new tensor (same values):
# chainrule's activations do not overwrite their input.
def relu(input, inplace=False):
    """max(0, x)."""
    return _ops.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, else negative_slope * x."""
    return _ops.leaky_relu(input, negative_slope)


def gelu(input, approximate="none"):
    """x Phi(x) (Phi the normal CDF), or its tanh approximation for ``approximate='tanh'``."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _smooth.GELU.apply(input, approximate=approximate)


def silu(input, inplace=False):
    """x sigmoid(x)."""
    return _smooth.SiLU.apply(input)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, else alpha (e^x - 1)."""
    check_finite_scalar("elu", "alpha", alpha)
    return _smooth.ELU.apply(input, alpha=alpha)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta; x where beta x > threshold."""
    check_finite_scalar("softplus", "beta", beta)
    check_finite_scalar("softplus", "threshold", threshold)
    if beta == 0:
        raise ValueError("softplus: beta must not be 0")
    return _smooth.Softplus.apply(input, beta=beta, threshold=threshold)


def mish(input, inplace=False):
    """x tanh(softplus(x))."""
    return _smooth.Mish.apply(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x limited to [min_val, max_val]."""
    check_finite_scalar("hardtanh", "min_val", min_val)
    check_finite_scalar("hardtanh", "max_val", max_val)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _Hardtanh.apply(input, min_val=min_val, max_val=max_val)


def logsigmoid(input):
    """log sigmoid(x) = -softplus(-x)."""
    return _smooth.LogSigmoid.apply(input)


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


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average`` and ``reduce`` flags, where given, decide the
    reduction as they do there: reduce=False is 'none', else size_average=False is 'sum'."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is not None and not reduce:
        return "none"
    return "mean" if size_average is None or size_average else "sum"


def _check_reduction(fn, reduction, allowed=_loss.REDUCTIONS):
    if reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed[:-1]) + f" or {allowed[-1]!r}"
        raise ValueError(f"{fn}: reduction must be {names}, got {reduction!r}")


def _class_weight(fn, weight, input):
    """Class weights (C,) as an array in the input's dtype, or None."""
    if weight is None:
        return None
    weight, scores = _array(weight), _array(input)
    if weight.shape != scores.shape[1:2]:
        raise ValueError(f"{fn}: weight of shape {weight.shape} must have one value per class, "
                         f"({scores.shape[1]},) for input of shape {scores.shape}")
    return weight.astype(scores.dtype, copy=False)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of scores ``input`` (N, C) with class indices ``target`` (N,), or
    with class probabilities: a float ``target`` (N, C) of the input's shape (PyTorch's rule,
    ``chainrule.ops.loss.cross_entropy_probabilities``; the mean divides by N there).

    One fused, stable op: log-softmax is computed as z - max(z) - log(sum(exp(z - max(z))))
    and backward is (softmax(z) - q) / N for the mean, q the (smoothed) one-hot target.
    ``weight`` (C,) weights each class (the mean divides by the weights of the targets);
    rows whose target is ``ignore_index`` count for nothing.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    scores, targets = _array(input), _array(target)
    if targets.dtype.kind == "f" and targets.shape == scores.shape:
        if ignore_index >= 0:  # PyTorch's check: a negative one can match no probability
            raise ValueError(f"cross_entropy: ignore_index={ignore_index} is not supported for class-probability "
                             "targets (a float target of the input's shape)")
        return _loss.cross_entropy_probabilities(input, target if isinstance(target, Tensor) else targets,
                                                 reduction, label_smoothing,
                                                 _class_weight("cross_entropy", weight, input))
    return _loss.CrossEntropy.apply(
        input, targets, reduction=reduction, label_smoothing=label_smoothing,
        weight=_class_weight("cross_entropy", weight, input), ignore_index=ignore_index,
    )


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over ``dim``, eps), as ``torch.nn.functional.normalize``."""
    if out is not None:
        raise TypeError("normalize: out= is not supported; use the returned tensor")
    return input / _ops.norm(input, p, dim, keepdim=True).clamp_min(eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) max(||x2||, eps)) over ``dim``, as PyTorch computes it."""
    return _ops.sum(normalize(x1, 2.0, dim, eps) * normalize(x2, 2.0, dim, eps), dim)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C) at ``target`` (N,);
    ``weight`` and ``ignore_index`` as in ``cross_entropy``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("nll_loss", reduction)
    return _loss.NLLLoss.apply(input, _array(target), reduction=reduction,
                               weight=_class_weight("nll_loss", weight, input), ignore_index=ignore_index)


def _float_target(input, target):
    """A target as an array (or Tensor, kept when it requires grad) in the input's dtype."""
    if isinstance(target, Tensor) and target.requires_grad:
        return target
    return _array(target).astype(_array(input).dtype, copy=False)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """(input - target)^2 averaged over every element (``'mean'``), summed, or per element."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("mse_loss", reduction)
    return _loss.MSELoss.apply(input, _float_target(input, target), reduction=reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|input - target| averaged over every element (``'mean'``), summed, or per element."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("l1_loss", reduction)
    return _regression.L1Loss.apply(input, _float_target(input, target), reduction=reduction)


def _check_threshold(fn, name, value):
    check_finite_scalar(fn, name, value)
    if value < 0:
        raise ValueError(f"{fn}: {name} must be non-negative, got {value}")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target."""
    _check_reduction("huber_loss", reduction)
    _check_threshold("huber_loss", "delta", delta)
    if delta == 0:
        raise ValueError("huber_loss: delta must be positive, got 0")
    return _regression.Huber.apply(input, _float_target(input, target), reduction=reduction, delta=delta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (``l1_loss`` for beta = 0)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("smooth_l1_loss", reduction)
    _check_threshold("smooth_l1_loss", "beta", beta)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return _regression.Huber.apply(input, _float_target(input, target), reduction=reduction, delta=beta,
                                   scale=1 / beta, op="smooth_l1_loss")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise for log-probabilities ``input``: t (log t - x), or
    e^t (t - x) with ``log_target``. ``reduction='batchmean'`` (sum / N) is the divergence;
    ``'mean'`` averages over every element, as PyTorch's default does."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("kl_div", reduction, ("mean", "batchmean", "sum", "none"))
    return _regression.KLDiv.apply(input, _float_target(input, target), reduction=reduction,
                                   log_target=log_target)


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
    return _loss.QuadraticCost.apply(output, _float_target(output, target))


def _element_weight(fn, weight, input, name="weight"):
    """A weight that broadcasts against the input, as an array in its dtype, or None."""
    if weight is None:
        return None
    weight, scores = _array(weight), _array(input)
    try:
        np.broadcast_shapes(weight.shape, scores.shape)
    except ValueError:
        raise ValueError(f"{fn}: {name} of shape {weight.shape} does not broadcast against the input of "
                         f"shape {scores.shape}") from None
    return weight.astype(scores.dtype, copy=False)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities ``input`` and targets in [0, 1]."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    probs = _array(input)
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise ValueError(
            f"binary_cross_entropy: input values must be probabilities in [0, 1], got values "
            f"in [{probs.min()}, {probs.max()}]; for raw scores use binary_cross_entropy_with_logits"
        )
    loss = _loss.BinaryCrossEntropy.apply(input, _float_target(input, target),
                                          reduction="none" if weight is not None else reduction)
    if weight is None:
        return loss
    return _loss.reduce_loss(loss * _element_weight("binary_cross_entropy", weight, input), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the scores.
    ``weight`` scales each element's loss; ``pos_weight`` (broadcast along the last axis,
    e.g. one per class) weights the positive term, trading recall for precision."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    fn = "binary_cross_entropy_with_logits"
    return _loss.BinaryCrossEntropyWithLogits.apply(
        input, _float_target(input, target), reduction=reduction,
        weight=_element_weight(fn, weight, input), pos_weight=_element_weight(fn, pos_weight, input, "pos_weight"),
    )


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multiclass hinge loss of scores (N, C) and classes (N,):
    sum_{i != y} max(0, margin - x_y + x_i)^p / C per example; p is 1 or 2."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("multi_margin_loss", reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    if weight is not None:
        raise ValueError("multi_margin_loss: class weights are not supported; use weight=None")
    return _loss.MultiMargin.apply(
        input, _array(target), reduction=reduction, p=p, margin=margin
    )


__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout",
    "elu", "gelu", "hardtanh", "huber_loss", "kl_div", "l1_loss", "leaky_relu", "logsigmoid", "mish",
    "silu", "smooth_l1_loss", "softplus", "linear", "log_softmax", "mse_loss", "multi_margin_loss", "nll_loss",
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

# ---- embedding, layer and group norm, padding and resizing (ops in ops/embedding.py,
# normalization.py, resample.py) ----
from ..ops.conv_transpose import conv_transpose2d  # noqa: E402
from ..ops.embedding import embedding  # noqa: E402
from ..ops.normalization import group_norm, layer_norm  # noqa: E402
from ..ops.resample import interpolate, pad  # noqa: E402

__all__ += ["conv_transpose2d", "embedding", "group_norm", "interpolate", "layer_norm", "pad"]
