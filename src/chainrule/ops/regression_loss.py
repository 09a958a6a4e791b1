"""Element-wise losses of a prediction and a target of the same shape: L1, Huber (and smooth L1,
its rescaling) and the Kullback-Leibler divergence. Reductions as in ``ops/loss.py``; a target
that requires grad gets the negated (L1, Huber) or its own (KL) gradient."""
from ..autograd.function import Function
from ..backend import xp
from .loss import check_same_shape, reduce_loss, upstream_scale


class L1Loss(Function):
    """|input - target| element-wise, then reduced."""

    __slots__ = ("reduction",)

    def forward(self, input, target, reduction="mean"):
        check_same_shape("l1_loss", input, target)
        self.reduction = reduction
        diff = input - target
        self.saved = diff
        return reduce_loss(xp.abs(diff), reduction)

    def backward(self, grad):
        """d/d input = sign(input - target) (0 where equal), d/d target = its negative."""
        diff = self.saved
        local = xp.sign(diff) * upstream_scale(grad, self.reduction, diff.size)
        return local, (-local if self.needs_input_grad[1] else None)


class Huber(Function):
    """Huber loss with threshold delta: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta),
    d = input - target, times ``scale``. Smooth L1 with beta is Huber with delta = beta and
    scale = 1/beta (0.5 d^2 / beta, else |d| - 0.5 beta), as in PyTorch."""

    __slots__ = ("reduction", "delta", "scale")
    name = "huber_loss"

    def forward(self, input, target, reduction="mean", delta=1.0, scale=1.0, op="huber_loss"):
        check_same_shape(op, input, target)
        self.reduction, self.delta, self.scale = reduction, delta, scale
        diff = input - target
        self.saved = diff
        size = xp.abs(diff)
        loss = xp.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
        return reduce_loss(loss * scale if scale != 1 else loss, reduction)

    def backward(self, grad):
        """d/d input = d clipped to [-delta, delta] (times scale); d/d target = its negative."""
        diff = self.saved
        local = xp.clip(diff, -self.delta, self.delta)
        local *= upstream_scale(grad, self.reduction, diff.size) * self.scale
        return local, (-local if self.needs_input_grad[1] else None)


class KLDiv(Function):
    """KL divergence pointwise, input x = log q (log-probabilities): t (log t - x) for target
    probabilities t (0 where t = 0), or e^t (t - x) for ``log_target``. ``'batchmean'`` is the
    sum divided by the batch size (the divergence itself); ``'mean'`` averages every element."""

    __slots__ = ("reduction", "log_target", "count")
    name = "kl_div"

    def forward(self, input, target, reduction="mean", log_target=False):
        check_same_shape("kl_div", input, target)
        self.reduction, self.log_target = reduction, log_target
        self.count = input.shape[0] if reduction == "batchmean" and input.ndim else input.size
        if log_target:
            prob = xp.exp(target)
            loss = prob * (target - input)
        else:
            prob = target
            with xp.errstate(divide="ignore", invalid="ignore"):
                log_t = xp.where(target > 0, xp.log(xp.where(target > 0, target, 1)), 0)
            loss = target * log_t - target * input
        self.saved = (input, target, prob)
        if reduction == "batchmean":
            return loss.sum() / loss.dtype.type(self.count)
        return reduce_loss(loss, reduction)

    def backward(self, grad):
        """d/dx = -p (p = t, or e^t for log_target); d/dt = log t + 1 - x, or e^t (t - x + 1)."""
        input, target, prob = self.saved
        scale = upstream_scale(grad, "mean" if self.reduction == "batchmean" else self.reduction, self.count)
        grad_t = None
        if self.needs_input_grad[1]:
            if self.log_target:
                grad_t = scale * prob * (target - input + 1)
            else:
                with xp.errstate(divide="ignore"):
                    grad_t = scale * (xp.log(target) + 1 - input)
        return -scale * prob, grad_t
