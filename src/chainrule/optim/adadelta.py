"""Adadelta (Zeiler, 2012), as PyTorch implements it."""
import numpy as np

from .optimizer import Optimizer, check_hyperparameter, implementation_options, weight_decayed


class Adadelta(Optimizer):
    """PyTorch's Adadelta. With g = grad + weight_decay * p:

        v <- rho v + (1 - rho) g^2
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho u + (1 - rho) d^2
        p <- p - lr d

    State: ``step``, ``square_avg`` (v), ``acc_delta`` (u).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_hyperparameter("learning rate", lr)
        check_hyperparameter("rho", rho, high=1.0)
        check_hyperparameter("epsilon", eps)
        check_hyperparameter("weight_decay", weight_decay)
        options = implementation_options("Adadelta", foreach, maximize, capturable, differentiable)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, **options))

    def update(self, param, grad, state, group):
        p = param._data
        rho, eps = group["rho"], group["eps"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p), acc_delta=np.zeros_like(p))
        state["step"] += 1
        grad = weight_decayed(p, grad, group["lr"], group["weight_decay"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        scratch = np.multiply(grad, 1 - rho)  # two arrays of temporaries, reused
        scratch *= grad
        square_avg *= rho
        square_avg += scratch
        delta = np.add(acc_delta, eps)
        np.sqrt(delta, out=delta)
        np.add(square_avg, eps, out=scratch)
        np.sqrt(scratch, out=scratch)
        delta /= scratch
        delta *= grad
        np.multiply(delta, 1 - rho, out=scratch)
        scratch *= delta
        acc_delta *= rho
        acc_delta += scratch
        delta *= group["lr"]
        p -= delta
