"""RMSprop (Hinton's lecture 6e), as PyTorch implements it."""
import numpy as np

from .optimizer import Optimizer, check_hyperparameter, weight_decayed


class RMSprop(Optimizer):
    """PyTorch's RMSprop. With g = grad + weight_decay * p:

        v <- alpha v + (1 - alpha) g^2;  centered: a <- alpha a + (1 - alpha) g, v~ = v - a^2
        r = sqrt(v or v~) + eps
        momentum > 0: b <- momentum b + g / r, p <- p - lr b;  else p <- p - lr g / r

    State: ``step``, ``square_avg`` (v), ``grad_avg`` (a, centered), ``momentum_buffer`` (b).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        check_hyperparameter("learning rate", lr)
        check_hyperparameter("epsilon", eps)
        check_hyperparameter("alpha", alpha)
        check_hyperparameter("momentum", momentum)
        check_hyperparameter("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def update(self, param, grad, state, group):
        p = param._data
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p))
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        grad = weight_decayed(p, grad, group["lr"], group["weight_decay"])
        square_avg = state["square_avg"]
        scratch = np.multiply(grad, grad)
        scratch *= 1 - alpha
        square_avg *= alpha
        square_avg += scratch
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            np.multiply(grad_avg, grad_avg, out=scratch)
            np.subtract(square_avg, scratch, out=scratch)
            avg = np.sqrt(scratch, out=scratch)
        else:
            avg = np.sqrt(square_avg, out=scratch)
        avg += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += np.divide(grad, avg, out=avg)
            p -= group["lr"] * buf
        else:
            step = np.divide(grad, avg, out=avg)
            step *= group["lr"]
            p -= step
