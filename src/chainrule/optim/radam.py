"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2020), as PyTorch
implements it."""
import math

import numpy as np

from .adam import update_moments
from .optimizer import Optimizer, check_adam_hyperparameters, implementation_options, weight_decayed


class RAdam(Optimizer):
    """PyTorch's RAdam. With g the gradient after weight decay (L2, or decoupled as AdamW's
    with ``decoupled_weight_decay``), t the step and m, v Adam's moments:

        rho_inf = 2 / (1 - beta2) - 1,   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        m^ = m / (1 - beta1^t)
        rho_t > 5: p <- p - lr m^ r sqrt(1 - beta2^t) / (sqrt(v) + eps), with
                   r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        else:      p <- p - lr m^   (plain momentum while the variance estimate is unreliable)

    State: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        options = implementation_options("RAdam", foreach, maximize, capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, **options))

    def update(self, param, grad, state, group):
        p = param._data
        lr, (beta1, beta2) = group["lr"], group["betas"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        state["step"] += 1
        step = state["step"]
        grad = weight_decayed(p, grad, lr, group["weight_decay"], group["decoupled_weight_decay"])
        scratch = update_moments(grad, state["exp_avg"], state["exp_avg_sq"], beta1, beta2)
        bias_correction2 = 1 - beta2 ** step
        update = np.divide(state["exp_avg"], 1 - beta1 ** step, out=scratch)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:  # the variance is tractable: the adaptive step, rectified
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            denom = np.sqrt(state["exp_avg_sq"])
            denom += group["eps"]
            update *= np.divide(bias_correction2 ** 0.5, denom, out=denom)
            update *= rect
        p -= update
