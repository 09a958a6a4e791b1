"""Gradient clipping, in place, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Gradients are read through ``np.asarray`` and changed with in-place operators under
``no_grad``, so this works whether ``p.grad`` is a NumPy array or a Tensor.
"""
import math
import numbers

import numpy as np

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def _with_grads(parameters):
    """The parameters (one Tensor or an iterable of them) that have a gradient."""
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in parameters if p.grad is not None]


def _norm(values, norm_type):
    """The ``norm_type``-norm of a flat array, in its dtype (inf: the largest absolute value)."""
    return np.linalg.norm(values, ord=norm_type) if values.size else values.dtype.type(0)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` in place so that their total ``norm_type``-norm
    (of all gradients as one vector; ``float('inf')`` for the largest absolute value) is at most
    ``max_norm``: each is multiplied by min(1, max_norm / (total + 1e-6)).

    Returns the total norm before clipping, as a 0-d Tensor in the gradients' dtype.
    ``error_if_nonfinite=True`` raises a RuntimeError if it is NaN or infinite (otherwise the
    gradients are scaled by it, NaN included, as in PyTorch). ``foreach`` is accepted and ignored.
    """
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        norm_type = math.inf
    if not isinstance(norm_type, numbers.Real) or isinstance(norm_type, bool):
        raise TypeError(f"clip_grad_norm_: norm_type must be a number or 'inf', got {norm_type!r}")
    norm_type = float(norm_type)
    with_grads = _with_grads(parameters)
    if not with_grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    grads = [np.asarray(p.grad) for p in with_grads]
    dtype = grads[0].dtype
    norms = np.array([_norm(g.reshape(-1), norm_type) for g in grads], dtype=dtype)
    total = dtype.type(_norm(norms, norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite ({total}), so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    with np.errstate(invalid="ignore", divide="ignore"):
        coefficient = min(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    with no_grad(), np.errstate(invalid="ignore"):  # an infinite gradient times 0 is NaN, silently as in PyTorch
        for p in with_grads:
            p.grad *= coefficient
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _with_grads(parameters):
            grad = np.asarray(p.grad)
            np.clip(grad, -clip_value, clip_value, out=grad)
