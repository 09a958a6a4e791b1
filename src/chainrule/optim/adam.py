"""Adam and AdamW (Kingma and Ba, 2015; Loshchilov and Hutter, 2019)."""
import math

import numpy as np

from .optimizer import Optimizer, check_adam_hyperparameters, weight_decayed


class Adam(Optimizer):
    """PyTorch's Adam. With g = grad (+ weight_decay * p for Adam, an L2 penalty) and t the step:

        m <- beta1 m + (1 - beta1) g,    v <- beta2 v + (1 - beta2) g^2
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    ``amsgrad`` uses the running maximum of v. State: ``step``, ``exp_avg`` (m),
    ``exp_avg_sq`` (v) and ``max_exp_avg_sq`` (amsgrad).
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def update(self, param, grad, state, group):
        p = param._data
        lr, weight_decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        step = state["step"]
        grad = weight_decayed(p, grad, lr, weight_decay, self.decoupled_weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        scratch = update_moments(grad, exp_avg, exp_avg_sq, beta1, beta2)
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        denom = np.sqrt(exp_avg_sq, out=scratch)
        denom /= math.sqrt(1 - beta2 ** step)
        denom += group["eps"]
        update = np.divide(exp_avg, denom, out=scratch)
        update *= lr / (1 - beta1 ** step)
        p -= update


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - lr * weight_decay) before the Adam
    step, instead of adding weight_decay * p to the gradient. Default weight_decay 0.01."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


def update_moments(grad, exp_avg, exp_avg_sq, beta1, beta2):
    """Adam's moments in place: m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2.
    Returns a scratch array of the gradient's shape (holding (1 - beta2) g^2) to reuse."""
    scratch = np.multiply(grad, 1 - beta1)
    exp_avg *= beta1
    exp_avg += scratch
    np.multiply(grad, grad, out=scratch)
    scratch *= 1 - beta2
    exp_avg_sq *= beta2
    exp_avg_sq += scratch
    return scratch
