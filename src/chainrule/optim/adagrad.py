"""Adagrad (Duchi, Hazan and Singer, 2011), as PyTorch implements it."""
import numpy as np

from .optimizer import Optimizer, check_hyperparameter, implementation_options, weight_decayed


class Adagrad(Optimizer):
    """PyTorch's Adagrad. With g = grad + weight_decay * p and t the step:

        clr = lr / (1 + (t - 1) lr_decay)
        s <- s + g^2   (s starts at initial_accumulator_value)
        p <- p - clr g / (sqrt(s) + eps)

    State: ``step``, ``sum`` (s).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_hyperparameter("learning rate", lr)
        check_hyperparameter("lr_decay", lr_decay)
        check_hyperparameter("weight_decay", weight_decay)
        check_hyperparameter("initial_accumulator_value", initial_accumulator_value)
        check_hyperparameter("epsilon", eps)
        options = implementation_options("Adagrad", foreach, maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, **options))

    def update(self, param, grad, state, group):
        p = param._data
        if not state:
            state.update(step=0, sum=np.full_like(p, group["initial_accumulator_value"]))
        state["step"] += 1
        grad = weight_decayed(p, grad, group["lr"], group["weight_decay"])
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        std = np.sqrt(state["sum"])
        std += group["eps"]
        update = np.divide(grad, std, out=std)
        update *= clr
        p -= update
