"""Loss ops: each takes a batch of predictions and targets and returns the loss, reduced
by ``reduction`` ('mean' over every element, 'sum', or 'none' for one value per item).

Backward scales each item's local gradient by the upstream gradient: divided by the
element count for 'mean', as is for 'sum', per item for 'none'. Targets get no
gradient unless they are float tensors that require one (MSE, BCE).

``CrossEntropy`` fuses log-softmax and NLL; ``cross_entropy_composed`` (LogSoftmax +
NLLLoss) is its reference.
"""
from ..autograd.function import DTypeError, Function, ShapeError
from ..backend import scalar_like, xp
from .elementwise import sigmoid_array
from .reduction import Mean, Sum
from .softmax import LogSoftmax
from .arithmetic import Add, Mul, Neg

REDUCTIONS = ("mean", "sum", "none")


def reduce_loss(per_item, reduction):
    """The per-item losses reduced: their mean, their sum, or themselves."""
    if reduction == "mean":
        return per_item.mean()
    if reduction == "sum":
        return per_item.sum()
    return per_item


def upstream_scale(grad, reduction, count):
    """The factor each item's local gradient is multiplied by."""
    return grad / scalar_like(count, grad) if reduction == "mean" else grad


def per_row(scale, reduction):
    """``scale`` shaped to multiply an (N, C) gradient: per-row values get a class axis."""
    return scale[:, None] if reduction == "none" else scale


def check_class_target(fn, input, target):
    """Class-index targets: ``input`` (N, C) scores, ``target`` (N,) integers in [0, C)."""
    if input.ndim != 2:
        raise ShapeError(
            f"{fn}: input must have shape (N, C), a batch of class scores; got shape {input.shape}"
        )
    if target.dtype.kind not in "iu":
        raise DTypeError(
            f"{fn}: target must hold class indices of an integer dtype (int64), got dtype "
            f"{target.dtype} of shape {target.shape}"
        )
    if target.shape != input.shape[:1]:
        raise ShapeError(
            f"{fn}: target of shape {target.shape} does not match input of shape {input.shape} "
            f"(expected ({input.shape[0]},): one class index per row)"
        )
    if target.size and (target.min() < 0 or target.max() >= input.shape[1]):
        bad = target[(target < 0) | (target >= input.shape[1])][0]
        raise IndexError(
            f"{fn}: target class {bad} is out of range for input of shape {input.shape} "
            f"(classes are 0..{input.shape[1] - 1})"
        )


def check_same_shape(fn, input, target):
    if input.shape != target.shape:
        raise ShapeError(
            f"{fn}: target of shape {target.shape} does not match input of shape {input.shape}"
        )


class CrossEntropy(Function):
    """Fused softmax + negative log-likelihood for class-index targets, optionally with
    label smoothing eps: the target distribution is q = (1 - eps) one_hot(y) + eps / C.
    Input (N, C) scores, target (N,) classes; loss (N,) or reduced."""

    __slots__ = ("reduction", "smoothing")
    saves_inputs = (1,)

    def forward(self, logits, target, reduction="mean", label_smoothing=0.0):
        check_class_target("cross_entropy", logits, target)
        self.reduction, self.smoothing = reduction, label_smoothing
        rows = xp.arange(logits.shape[0])
        shifted = logits - logits.max(axis=1, keepdims=True)  # stable: exponents <= 0
        probs = xp.exp(shifted)
        sum_exp = probs.sum(axis=1, keepdims=True)
        log_sum_exp = xp.log(sum_exp)[:, 0]
        loss = log_sum_exp - shifted[rows, target]  # -log softmax at the target class
        if label_smoothing:
            uniform = log_sum_exp - shifted.mean(axis=1)  # -(1/C) sum_c log softmax
            loss = (1 - label_smoothing) * loss + label_smoothing * uniform
        probs /= sum_exp
        self.saved = (probs, target)
        return reduce_loss(loss, self.reduction)

    def backward(self, grad):
        """d loss/d logits = softmax - q per row, q the (smoothed) one-hot target (section 4)."""
        probs, target = self.saved
        n, classes = probs.shape
        eps = self.smoothing
        local = probs - eps / classes if eps else probs.copy()
        local[xp.arange(n), target] -= 1 - eps
        local *= per_row(upstream_scale(grad, self.reduction, n), self.reduction)
        return local, None


class NLLLoss(Function):
    """Negative log-likelihood: -input[n, target[n]] for log-probabilities (N, C)."""

    __slots__ = ("reduction", "shape")
    saves_inputs = (1,)

    def forward(self, log_probs, target, reduction="mean"):
        check_class_target("nll_loss", log_probs, target)
        self.reduction, self.shape = reduction, log_probs.shape
        self.saved = target
        return reduce_loss(-log_probs[xp.arange(log_probs.shape[0]), target], reduction)

    def backward(self, grad):
        """d loss/d input[n, c] = -1 at c = target[n], else 0 (times the reduction scale)."""
        target = self.saved
        local = xp.zeros(self.shape, dtype=grad.dtype)
        local[xp.arange(self.shape[0]), target] = -upstream_scale(grad, self.reduction, self.shape[0])
        return local, None


def _reduce_op(x, reduction):
    if reduction == "mean":
        return Mean.apply(x, dims=tuple(range(x.ndim)))
    if reduction == "sum":
        return Sum.apply(x, dims=tuple(range(x.ndim)))
    return x


def cross_entropy_composed(logits, target, reduction="mean", label_smoothing=0.0):
    """The reference for ``CrossEntropy``: nll_loss(log_softmax(x)), plus eps times the
    mean of -log_softmax over the classes when smoothing, each step its own node."""
    log_probs = LogSoftmax.apply(logits, dim=1)
    nll = NLLLoss.apply(log_probs, target, reduction=reduction)
    if not label_smoothing:
        return nll
    uniform = _reduce_op(Neg.apply(Mean.apply(log_probs, dims=(1,))), reduction)
    return Add.apply(Mul.apply(nll, 1 - label_smoothing), Mul.apply(uniform, label_smoothing))


class MSELoss(Function):
    """Mean squared error (input - target)^2, element-wise, then reduced."""

    __slots__ = ("reduction",)

    def forward(self, input, target, reduction="mean"):
        check_same_shape("mse_loss", input, target)
        self.reduction = reduction
        diff = input - target
        self.saved = diff
        if reduction == "none":
            return diff * diff
        total = xp.vdot(diff, diff)  # one BLAS dot, no squared temporary
        return total / scalar_like(diff.size, total) if reduction == "mean" else total

    def backward(self, grad):
        """d/d input = 2 (input - target), d/d target = its negative (times the reduction scale)."""
        diff = self.saved
        local = diff * (2 * upstream_scale(grad, self.reduction, diff.size))
        return local, (-local if self.needs_input_grad[1] else None)


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1]; each log is clamped
    at -100 as in PyTorch, so p = 0 or 1 gives a finite loss."""

    __slots__ = ("reduction",)
    saves_inputs = (0, 1)

    def forward(self, probs, target, reduction="mean"):
        check_same_shape("binary_cross_entropy", probs, target)
        self.reduction = reduction
        self.saved = (probs, target)
        log_p, log_1mp = _clamped_logs(probs)
        return reduce_loss(-(target * log_p + (1 - target) * log_1mp), reduction)

    def backward(self, grad):
        """d/dp = (p - t) / (p (1 - p)) (denominator clamped at 1e-12), d/dt = log(1-p) - log p."""
        probs, target = self.saved
        scale = upstream_scale(grad, self.reduction, probs.size)
        grad_p = scale * (probs - target) / xp.maximum(probs * (1 - probs), 1e-12)
        grad_t = None
        if self.needs_input_grad[1]:
            log_p, log_1mp = _clamped_logs(probs)
            grad_t = scale * (log_1mp - log_p)
        return grad_p, grad_t


def _clamped_logs(probs):
    with xp.errstate(divide="ignore"):
        return xp.maximum(xp.log(probs), -100), xp.maximum(xp.log1p(-probs), -100)


class BinaryCrossEntropyWithLogits(Function):
    """BCE of sigmoid(x), computed stably as max(x, 0) - x t + log(1 + e^-|x|)."""

    __slots__ = ("reduction",)
    saves_inputs = (0, 1)

    def forward(self, logits, target, reduction="mean"):
        check_same_shape("binary_cross_entropy_with_logits", logits, target)
        self.reduction = reduction
        self.saved = (logits, target)
        loss = xp.maximum(logits, 0) - logits * target + xp.log1p(xp.exp(-xp.abs(logits)))
        return reduce_loss(loss, reduction)

    def backward(self, grad):
        """d/dx = sigmoid(x) - t, d/dt = -x."""
        logits, target = self.saved
        scale = upstream_scale(grad, self.reduction, logits.size)
        grad_t = -scale * logits if self.needs_input_grad[1] else None
        return scale * (sigmoid_array(logits) - target), grad_t


class MultiMargin(Function):
    """Multiclass hinge (SVM) loss: sum over i != y of max(0, margin - x_y + x_i)^p / C."""

    __slots__ = ("reduction", "p")
    saves_inputs = (1,)

    def forward(self, scores, target, reduction="mean", p=1, margin=1.0):
        check_class_target("multi_margin_loss", scores, target)
        self.reduction, self.p = reduction, p
        rows = xp.arange(scores.shape[0])
        hinge = scores - scores[rows, target][:, None]
        hinge += margin
        hinge[rows, target] = 0  # the target class is not compared with itself
        xp.maximum(hinge, 0, out=hinge)
        self.saved = (hinge, target)
        terms = hinge if p == 1 else hinge * hinge
        return reduce_loss(terms.sum(axis=1) / scores.shape[1], reduction)

    def backward(self, grad):
        """Each active hinge h adds d/dx_i = 1 (p=1) or 2h (p=2), and minus that to x_target."""
        hinge, target = self.saved
        n, classes = hinge.shape
        local = (hinge > 0).astype(hinge.dtype) if self.p == 1 else 2 * hinge
        local[xp.arange(n), target] = -local.sum(axis=1)
        local *= per_row(upstream_scale(grad, self.reduction, n), self.reduction) / classes
        return local, None
