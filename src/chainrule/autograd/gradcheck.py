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
    """Per checked input: the maximum relative error |a - n| / max(|a|, |n|, tiny) and whether
    it passed. ``positions`` are the checked inputs' positions in ``inputs``; ``analytic`` and
    ``numeric`` hold the two gradients of the projected scalar for each of them.
    """

    def __init__(self, max_rel_errors, passed, analytic, numeric, positions=None):
        self.max_rel_errors = max_rel_errors
        self.passed = passed
        self.analytic = analytic
        self.numeric = numeric
        self.positions = list(range(len(passed))) if positions is None else positions

    @property
    def ok(self):
        return all(self.passed)

    def __str__(self):
        header = ("input", "max rel error", "worst at", "analytic", "numeric")
        lines = ["  ".join(f"{h:>13}" for h in header) + "  result"]
        rows = zip(self.positions, self.max_rel_errors, self.passed, self.analytic, self.numeric)
        for i, err, ok, a, n in rows:
            if a.size:
                flat = int(np.argmax(_relative_errors(a, n)))
                worst = tuple(int(k) for k in np.unravel_index(flat, a.shape))
                cells = (str(worst), f"{a[worst]:.5g}", f"{n[worst]:.5g}")
            else:
                cells = ("-", "-", "-")
            row = (str(i), f"{err:.3e}") + cells
            lines.append("  ".join(f"{c:>13}" for c in row) + ("  ok" if ok else "  FAIL"))
        return "\n".join(lines)

    __repr__ = __str__


def _relative_errors(a, n):
    """|a - n| / max(|a|, |n|, tiny), element-wise."""
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), _TINY)


def _is_floating(x):
    data = x._data if isinstance(x, Tensor) else x
    return isinstance(data, float) or (isinstance(data, (np.ndarray, np.floating)) and data.dtype.kind == "f")


def _as_float64_leaf(x):
    data = x._data if isinstance(x, Tensor) else x
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0):
    """Check the gradient of ``fn(*inputs)`` against central differences.

    Every floating-point input (Tensor, array or number) is copied to a float64 leaf
    and checked; other inputs (integer index arrays, boolean masks) are passed through
    unchanged. The output (any shape) is projected to a scalar with fixed random
    weights, so one backward gives the analytic gradient of every checked input.
    Passes when |a - n| <= atol + rtol * |n| everywhere; raises ``GradcheckError``
    with the report otherwise. Returns a ``GradcheckReport`` (one row per checked input).
    """
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    args = [_as_float64_leaf(x) if _is_floating(x) else x for x in inputs]
    positions = [i for i, x in enumerate(inputs) if _is_floating(x)]
    leaves = [args[i] for i in positions]
    if not leaves:
        raise ValueError("gradcheck: no floating-point input to check")
    with enable_grad():
        out = fn(*args)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    if not out.requires_grad:
        raise ValueError("gradcheck: the output of fn does not depend on any checked input")
    weights = np.random.default_rng(seed).standard_normal(out.shape)

    def projected():
        with no_grad():
            return float(np.sum(fn(*args)._data * weights))

    out.backward(weights)
    errors, passed, analytic, numeric = [], [], [], []
    for leaf in leaves:
        a = np.zeros_like(leaf._data) if leaf.grad is None else leaf._grad._data
        n = np.zeros_like(leaf._data)
        flat = leaf._data.reshape(-1)  # a view: perturbations act on the leaf itself
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            f_plus = projected()
            flat[i] = original - eps
            f_minus = projected()
            flat[i] = original
            n.reshape(-1)[i] = (f_plus - f_minus) / (2 * eps)
        errors.append(float(np.max(_relative_errors(a, n))) if n.size else 0.0)
        passed.append(bool(np.all(np.abs(a - n) <= atol + rtol * np.abs(n))))
        analytic.append(a)
        numeric.append(n)
    report = GradcheckReport(errors, passed, analytic, numeric, positions)
    if not report.ok:
        raise GradcheckError(report)
    return report
