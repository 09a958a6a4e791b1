"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
import numpy as np

from .optimizer import Optimizer, blocks, check_hyperparameter


class SGD(Optimizer):
    """PyTorch's SGD. With g = grad + weight_decay * p:

        buf <- g (first step), then buf <- momentum * buf + (1 - dampening) * g
        d = g + momentum * buf (nesterov) or buf (momentum > 0) or g
        p <- p - lr * d

    With momentum 0 and batch-averaged losses this is docs/math.md's mini-batch update
    w <- w - (eta/m) sum_x dC_x/dw. State: ``momentum_buffer`` (when momentum > 0).
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        check_hyperparameter("learning rate", lr)
        check_hyperparameter("momentum", momentum)
        check_hyperparameter("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def update(self, param, grad, state, group):
        p = param._data
        momentum = group["momentum"]
        buf = state.get("momentum_buffer") if momentum else None
        first = momentum and buf is None
        if first:
            buf = state["momentum_buffer"] = np.empty_like(p)
        pieces = blocks(p, grad, buf) if buf is not None else blocks(p, grad)
        if pieces is None:
            _update_block(group, first, None, p, grad, buf)
            return
        for piece in pieces:
            _update_block(group, first, *piece)


def _update_block(group, first, scratch, p, grad, buf=None):
    """SGD's update of one block of ``p`` in place; ``scratch`` (or a new array when None)
    holds the temporaries: d with weight decay, then lr * d."""
    weight_decay, momentum = group["weight_decay"], group["momentum"]
    d = grad
    if weight_decay:
        d = np.multiply(p, weight_decay, out=scratch)
        d += grad
    if buf is not None:
        if first:
            np.copyto(buf, d)
        else:
            buf *= momentum
            buf += d if group["dampening"] == 0 else (1 - group["dampening"]) * d
        if group["nesterov"]:
            d = np.add(d, momentum * buf, out=scratch)
        else:
            d = buf
    p -= np.multiply(d, group["lr"], out=scratch)
