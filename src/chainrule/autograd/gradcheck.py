"""Compare backward with central finite differences, in float64."""
import numpy as np

from ..tensor import Tensor
from .grad_mode import enable_grad, no_grad

_TINY = 1e-300


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numeric gradients disagree; holds the report."""

    def __init__(self, report):
        super().__init__(f"gradcheck failed\n{report}")
        self.report = report


class GradcheckReport:
    """Per input: the maximum relative error |a - n| / max(|a|, |n|, tiny) and whether it passed.

    ``analytic`` and ``numeric`` hold the two gradients of the projected scalar per input.
    """

    def __init__(self, max_rel_errors, passed, analytic, numeric):
        self.max_rel_errors = max_rel_errors
        self.passed = passed
        self.analytic = analytic
        self.numeric = numeric

    @property
    def ok(self):
        return all(self.passed)

    def __str__(self):
        lines = [f"{'input':>5}  {'max rel error':>13}  result"]
        for i, (err, ok) in enumerate(zip(self.max_rel_errors, self.passed)):
            lines.append(f"{i:>5}  {err:13.3e}  {'ok' if ok else 'FAIL'}")
        return "\n".join(lines)

    __repr__ = __str__


def _as_float64_leaf(x):
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0):
    """Check the gradient of ``fn(*inputs)`` against central differences.

    The output (any shape) is projected to a scalar with fixed random weights, so one
    backward gives the analytic gradient of every input. Inputs are copied to float64.
    Passes when |a - n| <= atol + rtol * |n| everywhere; raises ``GradcheckError`` otherwise.
    Returns a ``GradcheckReport``.
    """
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    leaves = [_as_float64_leaf(x) for x in inputs]
    with enable_grad():
        out = fn(*leaves)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    weights = np.random.default_rng(seed).standard_normal(out.shape)

    def projected(*xs):
        with no_grad():
            return float(np.sum(fn(*xs).data * weights))

    out.backward(weights)
    errors, passed, analytic, numeric = [], [], [], []
    for leaf in leaves:
        a = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad
        n = np.zeros_like(leaf.data)
        flat = leaf.data.reshape(-1)  # a view: perturbations act on the leaf itself
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            f_plus = projected(*leaves)
            flat[i] = original - eps
            f_minus = projected(*leaves)
            flat[i] = original
            n.reshape(-1)[i] = (f_plus - f_minus) / (2 * eps)
        diff = np.abs(a - n)
        scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), _TINY)
        errors.append(float(np.max(diff / scale)) if diff.size else 0.0)
        passed.append(bool(np.all(diff <= atol + rtol * np.abs(n))))
        analytic.append(a)
        numeric.append(n)
    report = GradcheckReport(errors, passed, analytic, numeric)
    if not report.ok:
        raise GradcheckError(report)
    return report
