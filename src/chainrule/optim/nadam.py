"""NAdam: Adam with Nesterov momentum (Dozat, 2016), as PyTorch implements it."""
import numpy as np

from .adam import update_moments
from .optimizer import (
    Optimizer, check_adam_hyperparameters, check_hyperparameter, implementation_options, weight_decayed,
)


class NAdam(Optimizer):
    """PyTorch's NAdam. With g the gradient after weight decay (L2, or decoupled as AdamW's
    with ``decoupled_weight_decay``), t the step and m, v Adam's moments:

        mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2),   P_t = mu_1 ... mu_t
        p <- p - lr (1 - mu_t) / (1 - P_t) g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d
        with d = sqrt(v / (1 - beta2^t)) + eps

    State: ``step``, ``mu_product`` (P_t), ``exp_avg`` (m), ``exp_avg_sq`` (v). PyTorch keeps
    ``mu_product`` in float32 unless its default dtype is float64; here it is a Python float.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        check_hyperparameter("momentum_decay", momentum_decay)
        options = implementation_options("NAdam", foreach, maximize, capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, **options))

    def update(self, param, grad, state, group):
        p = param._data
        lr, (beta1, beta2) = group["lr"], group["betas"]
        if not state:
            state.update(step=0, mu_product=1.0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        state["step"] += 1
        step = state["step"]
        grad = weight_decayed(p, grad, lr, group["weight_decay"], group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        exp_avg = state["exp_avg"]
        denom = update_moments(grad, exp_avg, state["exp_avg_sq"], beta1, beta2)
        np.divide(state["exp_avg_sq"], 1 - beta2 ** step, out=denom)
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        step_size = np.divide(grad, denom)
        step_size *= lr * (1.0 - mu) / (1.0 - mu_product)
        p -= step_size
        np.divide(exp_avg, denom, out=step_size)
        step_size *= lr * mu_next / (1.0 - mu_product * mu_next)
        p -= step_size

