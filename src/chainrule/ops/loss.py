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


def check_class_target(fn, input, target, ignore_index=None):
    """Class-index targets: ``input`` (N, C) scores, ``target`` (N,) integers in [0, C) (or
    ``ignore_index``). Returns whether every target is in [0, C)."""
    if input.ndim != 2:
        raise ShapeError(
            f"{fn}: input must have shape (N, C), a batch of class scores; got shape {input.shape}"
        )
    if target.dtype.kind not in "iu":
        probabilities = ("; a float target of the input's shape holds class probabilities, which "
                         "cross_entropy takes (nll_loss does not, as in PyTorch)") if target.shape == input.shape else ""
        raise DTypeError(
            f"{fn}: target must hold class indices of an integer dtype (int64), got dtype "
            f"{target.dtype} of shape {target.shape}{probabilities}"
        )
    if target.shape != input.shape[:1]:
        raise ShapeError(
            f"{fn}: target of shape {target.shape} does not match input of shape {input.shape} "
            f"(expected ({input.shape[0]},): one class index per row)"
        )
    if not target.size or (target.min() >= 0 and target.max() < input.shape[1]):  # two reductions
        return True
    outside = (target < 0) | (target >= input.shape[1])
    if ignore_index is not None:
        outside &= target != ignore_index
    if outside.any():
        bad = target[outside][0]
        raise IndexError(
            f"{fn}: target class {bad} is out of range for input of shape {input.shape} "
            f"(classes are 0..{input.shape[1] - 1})"
        )
    return False


class ClassWeights:
    """Which rows count and how much, for class losses with ``weight`` (C,) and ``ignore_index``:
    ``rows`` is w[target] per row (0 for an ignored row), ``total`` their sum (the divisor of the
    mean, as in PyTorch), ``valid`` the rows not ignored and ``target`` with ignored rows set to
    class 0 (safe to index with). ``plain`` says every row counts once (no weight, none ignored);
    ``rows`` and ``valid`` are None then. ``in_range``: every target is known to be in [0, C)."""

    __slots__ = ("plain", "rows", "total", "valid", "target")

    def __init__(self, target, weight, ignore_index, dtype, in_range=False):
        if weight is None and in_range and ignore_index < 0:  # no target can be ignore_index
            self.plain, self.target, self.total, self.rows, self.valid = True, target, target.shape[0], None, None
            return
        self.valid = target != ignore_index
        self.plain = weight is None and bool(self.valid.all())
        self.target = target if self.plain else xp.where(self.valid, target, 0)
        self.rows = self.valid.astype(dtype) if weight is None else weight.astype(dtype)[self.target] * self.valid
        self.total = target.shape[0] if self.plain else self.rows.sum()

    def reduce(self, per_item, reduction):
        if reduction == "mean" and not self.plain:
            with xp.errstate(invalid="ignore", divide="ignore"):  # every row ignored: NaN, as in PyTorch
                return per_item.sum() / self.total
        return reduce_loss(per_item, reduction)


def check_same_shape(fn, input, target):
    if input.shape != target.shape:
        raise ShapeError(
            f"{fn}: target of shape {target.shape} does not match input of shape {input.shape}"
        )


class CrossEntropy(Function):
    """Fused softmax + negative log-likelihood for class-index targets, optionally with
    label smoothing eps: the target distribution is q = (1 - eps) one_hot(y) + eps / C.
    Input (N, C) scores, target (N,) classes; loss (N,) or reduced.

    With class weights w (C,): loss_n = (1 - eps) w_y (-log p_y) + (eps/C) sum_c w_c (-log p_c),
    0 for a row whose target is ``ignore_index``, and the mean divides by sum_n w_y (PyTorch's)."""

    __slots__ = ("reduction", "smoothing", "weight", "counts")
    saves_inputs = (1,)

    def forward(self, logits, target, reduction="mean", label_smoothing=0.0, weight=None, ignore_index=-100):
        in_range = check_class_target("cross_entropy", logits, target, ignore_index)
        counts = ClassWeights(target, weight, ignore_index, logits.dtype, in_range)
        self.reduction, self.smoothing, self.weight, self.counts = reduction, label_smoothing, weight, counts
        rows = xp.arange(logits.shape[0])
        shifted = logits - logits.max(axis=1, keepdims=True)  # stable: exponents <= 0
        probs = xp.exp(shifted)
        sum_exp = probs.sum(axis=1, keepdims=True)
        log_sum_exp = xp.log(sum_exp)[:, 0]
        loss = log_sum_exp - shifted[rows, counts.target]  # -log softmax at the target class
        if not counts.plain:
            loss *= counts.rows
        if label_smoothing:
            if weight is None:
                uniform = log_sum_exp - shifted.mean(axis=1)  # -(1/C) sum_c log softmax
            else:
                uniform = ((log_sum_exp[:, None] - shifted) * weight).sum(axis=1) / logits.shape[1]
            if not counts.plain:
                uniform *= counts.valid
            loss = (1 - label_smoothing) * loss + label_smoothing * uniform
        probs /= sum_exp
        self.saved = probs
        return counts.reduce(loss, self.reduction)

    def backward(self, grad):
        """d loss/d logits = softmax - q per row, q the (smoothed) one-hot target (section 4);
        with class weights, (1 - eps) w_y (p - one_hot(y)) + (eps/C) (sum(w) p - w)."""
        probs, counts = self.saved, self.counts
        n, classes = probs.shape
        eps = self.smoothing
        if self.weight is None:
            local = probs - eps / classes if eps else probs.copy()
            local[xp.arange(n), counts.target] -= 1 - eps
            if not counts.plain:
                local *= counts.valid[:, None]
        else:
            weight = self.weight.astype(probs.dtype)
            local = probs * ((1 - eps) * counts.rows + (eps / classes) * weight.sum() * counts.valid)[:, None]
            local -= (eps / classes) * weight * counts.valid[:, None]
            local[xp.arange(n), counts.target] -= (1 - eps) * counts.rows
        local *= per_row(upstream_scale(grad, self.reduction, counts.total), self.reduction)
        return local, None


class NLLLoss(Function):
    """Negative log-likelihood: -w_y input[n, target[n]] for log-probabilities (N, C), w the class
    weights (1 without), 0 where target is ``ignore_index``; the mean divides by sum_n w_y."""

    __slots__ = ("reduction", "shape")
    saves_inputs = (1,)

    def forward(self, log_probs, target, reduction="mean", weight=None, ignore_index=-100):
        in_range = check_class_target("nll_loss", log_probs, target, ignore_index)
        counts = ClassWeights(target, weight, ignore_index, log_probs.dtype, in_range)
        self.reduction, self.shape = reduction, log_probs.shape
        self.saved = counts
        picked = -log_probs[xp.arange(log_probs.shape[0]), counts.target]
        return counts.reduce(picked if counts.plain else picked * counts.rows, reduction)

    def backward(self, grad):
        """d loss/d input[n, c] = -w_y at c = target[n], else 0 (times the reduction scale)."""
        counts = self.saved
        local = xp.zeros(self.shape, dtype=grad.dtype)
        scale = -upstream_scale(grad, self.reduction, counts.total)
        local[xp.arange(self.shape[0]), counts.target] = scale if counts.plain else scale * counts.rows
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


def cross_entropy_probabilities(logits, target, reduction="mean", label_smoothing=0.0, weight=None):
    """Cross-entropy with class-probability targets q (N, C), as PyTorch's: per row
    loss_n = -sum_c w_c q'_c log softmax(x_n)_c with q' = (1 - eps) q + eps / C (w = 1 without
    weights); the mean divides by N, not by the weights as with class indices. Composed from
    LogSoftmax, Mul and Sum, so a target that requires grad gets one (-w_c log p_c (1 - eps))."""
    if logits.ndim != 2 or target.shape != logits.shape:
        raise ShapeError(f"cross_entropy: class-probability targets need input (N, C) and a target of the "
                         f"same shape, got input of shape {logits.shape} and target of shape {target.shape}")
    classes, rows = logits.shape[1], logits.shape[0]
    if label_smoothing:
        target = Add.apply(Mul.apply(target, 1 - label_smoothing), label_smoothing / classes)
    terms = Mul.apply(LogSoftmax.apply(logits, dim=1), target)
    if weight is not None:
        terms = Mul.apply(terms, weight)
    if reduction == "none":
        return Neg.apply(Sum.apply(terms, dims=(1,)))
    total = Neg.apply(Sum.apply(terms, dims=(0, 1)))
    if reduction == "sum":
        return total
    return Mul.apply(total, 1 / rows if rows else float("nan"))  # an empty batch: NaN, as in PyTorch


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


class QuadraticCost(Function):
    """C = 1/(2N) sum_x ||a(x) - y(x)||^2 over the N rows of an (N, C) output: one node for
    ``quadratic_cost_composed`` below (an MSE sum times 1/(2N)), with its values and gradients."""

    __slots__ = ()

    def forward(self, output, target):
        check_same_shape("quadratic_cost", output, target)
        diff = output - target
        self.saved = diff
        return xp.vdot(diff, diff) * half_over_rows(len(diff))

    def backward(self, grad):
        """BP1's dC/da = (a - y) / N (d/dy its negative), in the composed graph's order of operations."""
        diff = self.saved
        local = diff * (2 * (grad * half_over_rows(len(diff))))
        return local, (-local if self.needs_input_grad[1] else None)


def half_over_rows(rows):
    """1/(2N); NaN for an empty batch, as PyTorch's mean of nothing."""
    return 0.5 / rows if rows else float("nan")


def quadratic_cost_composed(output, target):
    """The reference: ``mse_loss(reduction='sum')`` times 1/(2N), two recorded ops."""
    return Mul.apply(MSELoss.apply(output, target, reduction="sum"), half_over_rows(output.shape[0]))


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
    """BCE of sigmoid(x), computed stably as max(x, 0) - x t + log(1 + e^-|x|). With
    ``pos_weight`` p (broadcast along the last axis) the positive term is weighted:
    (1 - t) x + (1 + (p - 1) t) softplus(-x), as PyTorch; ``weight`` scales each element."""

    __slots__ = ("reduction", "weight", "pos_weight")
    saves_inputs = (0, 1)

    def forward(self, logits, target, reduction="mean", weight=None, pos_weight=None):
        check_same_shape("binary_cross_entropy_with_logits", logits, target)
        self.reduction, self.weight, self.pos_weight = reduction, weight, pos_weight
        self.saved = (logits, target)
        if pos_weight is None:
            loss = xp.maximum(logits, 0) - logits * target + xp.log1p(xp.exp(-xp.abs(logits)))
        else:
            softplus_neg = xp.maximum(-logits, 0) + xp.log1p(xp.exp(-xp.abs(logits)))
            loss = (1 - target) * logits + (1 + (pos_weight - 1) * target) * softplus_neg
        return reduce_loss(loss if weight is None else loss * weight, reduction)

    def backward(self, grad):
        """d/dx = sigmoid(x) - t, d/dt = -x; with pos_weight p, d/dx = (1 - t) - (1 + (p - 1) t)
        sigmoid(-x) and d/dt = (p - 1) softplus(-x) - x; both times weight."""
        logits, target = self.saved
        scale = upstream_scale(grad, self.reduction, logits.size)
        if self.weight is not None:
            scale = scale * self.weight
        p = self.pos_weight
        if p is None:
            grad_x = scale * (sigmoid_array(logits) - target)
        else:
            grad_x = scale * ((1 - target) - (1 + (p - 1) * target) * sigmoid_array(-logits))
        grad_t = None
        if self.needs_input_grad[1]:
            local_t = -logits if p is None else (p - 1) * (xp.maximum(-logits, 0) + xp.log1p(xp.exp(-xp.abs(logits)))) - logits
            grad_t = scale * local_t
        return grad_x, grad_t


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
