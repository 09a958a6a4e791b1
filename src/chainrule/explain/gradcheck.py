"""``gradcheck_model``: every parameter of a model against central differences, in float64.

The check runs on a float64 copy of the model (the model itself is untouched), with the
random generator reset before every forward so dropout draws the same masks. Relative
error |a - n| / max(|a|, |n|) per coordinate (coordinates where |a - n| <= ``atol``
agree however small their gradients are), judged by the bands of the CS231n notes:

    > 1e-2 wrong, 1e-4..1e-2 suspicious, 1e-7..1e-4 acceptable (fine where the loss
    has kinks, high where it has none), < 1e-7 excellent.

A coordinate whose +eps and -eps evaluations take different branches of a routing op
(ReLU, max, max-pooling, clamp, abs: any op whose saved mask or indices change)
straddles a kink: its finite difference means nothing, so it is skipped and counted.
When a parameter fails, the ops of the graph are checked one by one in forward order
(each re-run from its inputs and ``node.params``) and the first op whose backward
disagrees with its own finite differences is named.
"""
import copy

import numpy as np

from .. import random as cr_random
from ..autograd import function
from ..autograd.grad_mode import enable_grad, no_grad
from ..backend import sum_to_shape
from ..ops.elementwise import Abs
from ..ops.pooling import MaxPool2d, ReLUMaxPool2d, first_max_masks
from ..ops.reduction import MaxAll
from ..ops.selection import Maximum
from ..tensor import Tensor
from .graph import forward_values, installed

BANDS = ((1e-7, "excellent"), (1e-4, "acceptable"), (1e-2, "suspicious"), (np.inf, "wrong"))
PASSING = ("excellent", "acceptable")


def verdict(error):
    """The CS231n band of a relative error."""
    return next(name for limit, name in BANDS if error <= limit)


class ParameterCheck:
    """One row of the report: ``name``, ``shape``, ``checked`` coordinates, ``kinks`` (skipped),
    ``max_rel_error``, ``verdict`` and ``passed``."""

    __slots__ = ("name", "shape", "checked", "kinks", "max_rel_error", "verdict", "passed")

    def __init__(self, name, shape, checked, kinks, max_rel_error):
        self.name, self.shape, self.checked, self.kinks = name, shape, checked, kinks
        self.max_rel_error = max_rel_error
        self.verdict = verdict(max_rel_error)
        self.passed = self.verdict in PASSING


class OpCheck:
    """The op-by-op localisation: ``op`` name, ``position`` (1-based, forward order),
    ``input`` index, ``input_shapes`` and ``max_rel_error`` of the first disagreeing op."""

    __slots__ = ("op", "position", "input", "input_shapes", "max_rel_error")

    def __init__(self, op, position, index, input_shapes, max_rel_error):
        self.op, self.position, self.input = op, position, index
        self.input_shapes, self.max_rel_error = input_shapes, max_rel_error

    def __str__(self):
        return (f"op {self.position} of the forward pass, {self.op} (input shapes "
                f"{', '.join(map(str, self.input_shapes))}): its backward disagrees with its finite "
                f"differences for input {self.input} (max relative error {self.max_rel_error:.2e})")


class GradcheckModelReport:
    """``rows`` (one ``ParameterCheck`` per parameter), ``ok``, ``culprit`` (an ``OpCheck`` when
    a parameter failed and an op was found, else None) and ``warnings`` (kinks and the like)."""

    def __init__(self, rows, culprit, warnings):
        self.rows, self.culprit, self.warnings = rows, culprit, warnings

    @property
    def ok(self):
        return all(row.passed for row in self.rows)

    def __getitem__(self, name):
        return next(row for row in self.rows if row.name == name)

    def _repr_html_(self):
        from .html import text_html

        return text_html(self)

    def __str__(self):
        width = max([len("parameter")] + [len(r.name) for r in self.rows])
        lines = [f"{'parameter':<{width}}  {'shape':<14} {'checked':>7} {'kinks':>5}  "
                 f"{'max rel error':>13}  verdict"]
        for r in self.rows:
            lines.append(f"{r.name:<{width}}  {str(r.shape):<14} {r.checked:>7} {r.kinks:>5}  "
                         f"{r.max_rel_error:13.2e}  {r.verdict}")
        lines.append("bands (CS231n): > 1e-2 wrong, > 1e-4 suspicious, > 1e-7 acceptable "
                     "(only with kinks), else excellent")
        lines += [f"warning: {w}" for w in self.warnings]
        lines.append("result: " + ("PASS" if self.ok else "FAIL"))
        if not self.ok:
            lines.append("first op whose backward is wrong: " + (str(self.culprit) if self.culprit else
                         "none found op by op (the error may come from how ops are combined)"))
        return "\n".join(lines)


# ---- kinks: the routing decisions an op made in its forward pass --------------------------
def _routing_state(node):
    """Arrays that record which branch ``node`` took: which input of max/min won, which
    element of a max/min reduction or of each max-pooling window, the sign for abs, else
    the node's saved masks and indices (bool or integer arrays)."""
    saved = node.saved if isinstance(node.saved, tuple) else (node.saved,)
    if isinstance(node, Maximum):  # Minimum too: the order of x and y decides
        x, y = saved
        return [x > y, x < y]
    if isinstance(node, MaxAll):  # MinAll too
        x, out = saved
        return [x == out]
    if isinstance(node, MaxPool2d):
        padded, out = saved
        return list(first_max_masks(padded, out, node.geometry.slices))
    if isinstance(node, ReLUMaxPool2d):  # and whether each window's maximum passes ReLU
        padded, out = saved
        return list(first_max_masks(padded, out, node.geometry.slices)) + [out > 0]
    if isinstance(node, Abs):
        return [np.sign(saved[0])]
    return [a for a in saved if isinstance(a, np.ndarray) and a.dtype.kind in "biu"]


def _routing_recorder(states):
    """Context manager: append (op name, routing state) of every op run inside to ``states``."""
    return installed(function.forward_hooks, lambda node, output: states.append(
        (node.op_name(), _routing_state(node))))


def _kink_between(plus, minus):
    """The op whose routing differs between the two evaluations, or None."""
    for (op, a), (_, b) in zip(plus, minus):
        if len(a) != len(b) or any(x.shape != y.shape or not np.array_equal(x, y) for x, y in zip(a, b)):
            return op
    return None


def _relative_error(a, n, atol):
    return abs(a - n) / max(abs(a), abs(n), atol)


def _coordinates(size, limit, rng):
    return np.arange(size) if size <= limit else np.sort(rng.choice(size, limit, replace=False))


def _as_float64(value):
    if isinstance(value, Tensor):
        value = value._data
    array = np.asarray(value)
    return Tensor(array.astype(np.float64) if array.dtype.kind == "f" else array)


def _central_difference(flat, i, eps, evaluate):
    """(numeric derivative, kinked op or None) of ``evaluate`` along coordinate ``i`` of ``flat``."""
    original = flat[i]
    flat[i] = original + eps
    f_plus, plus = evaluate()
    flat[i] = original - eps
    f_minus, minus = evaluate()
    flat[i] = original
    return (f_plus - f_minus) / (2 * eps), _kink_between(plus, minus)


def gradcheck_model(model, inputs, targets, loss, eps=1e-4, atol=1e-6, max_coords=20, seed=0):
    """Check every parameter of ``model`` on ``loss(model(inputs), targets)``; returns a
    ``GradcheckModelReport`` (print it for the table). Parameters with more than
    ``max_coords`` elements are checked on that many sampled coordinates. Use a small batch.
    """
    rng = np.random.default_rng(seed)
    model64 = copy.deepcopy(model).double()
    x, t = _as_float64(inputs), _as_float64(targets)
    rng_state = cr_random.get_rng_state()

    def forward():
        cr_random.set_rng_state(rng_state)
        return loss(model64(x), t)

    def evaluate():
        states = []
        with no_grad(), _routing_recorder(states):
            value = float(forward().item())
        return value, states

    try:
        with enable_grad():
            model64.zero_grad()
            forward().backward()
        rows, warnings = [], []
        for name, param in model64.named_parameters():
            analytic = np.zeros_like(param._data) if param.grad is None else param._grad._data
            flat = param._data.reshape(-1)  # a view: perturbing it perturbs the model
            errors, kinks = [], {}
            for i in _coordinates(flat.size, max_coords, rng):
                numeric, kink = _central_difference(flat, i, eps, evaluate)
                if kink is not None:
                    kinks[kink] = kinks.get(kink, 0) + 1
                    continue
                errors.append(_relative_error(analytic.reshape(-1)[i], numeric, atol))
            checked = min(flat.size, max_coords)
            rows.append(ParameterCheck(name, param.shape, checked, sum(kinks.values()), max(errors, default=0.0)))
            if kinks:
                ops = ", ".join(f"{op} ({n})" for op, n in kinks.items())
                warnings.append(f"{name}: {sum(kinks.values())} of {checked} coordinates straddle a "
                                f"kink of {ops}; skipped instead of reported as failures")
        culprit = None
        if not all(row.passed for row in rows):
            with enable_grad():
                culprit = first_wrong_op(forward(), eps, atol, max_coords, rng)
        return GradcheckModelReport(rows, culprit, warnings)
    finally:
        cr_random.set_rng_state(rng_state)


def first_wrong_op(output, eps=1e-4, atol=1e-6, max_coords=20, rng=None):
    """The first op (forward order) of ``output``'s graph whose backward disagrees with its
    finite differences, as an ``OpCheck``; None when every op agrees. The graph must not
    have been backpropagated yet (its saved values are needed)."""
    rng = np.random.default_rng(0) if rng is None else rng
    steps = [t for t in forward_values(output) if t.grad_fn is not None]
    for position, tensor in enumerate(steps, 1):
        found = _check_op(tensor, position, eps, atol, max_coords, rng)
        if found is not None:
            return found
    return None


def _check_op(tensor, position, eps, atol, max_coords, rng):
    node = tensor.grad_fn
    weights = rng.standard_normal(tensor.shape)
    analytic = node.backward(weights.astype(tensor.dtype))
    arrays = [inp._data.copy() if isinstance(inp, Tensor) else inp for inp in node.inputs]

    def evaluate():
        states = []
        with no_grad(), _routing_recorder(states):
            out = type(node).apply(*arrays, **node.params)
        return float(np.sum(out._data * weights)), states

    for index, inp in enumerate(node.inputs):
        if not node.needs_input_grad[index] or inp.dtype.kind != "f":
            continue
        grad = analytic[index] if index < len(analytic) else None
        grad = np.zeros(inp.shape) if grad is None else sum_to_shape(np.asarray(grad), inp.shape)
        flat = arrays[index].reshape(-1)
        errors = []
        for i in _coordinates(flat.size, max_coords, rng):
            numeric, kink = _central_difference(flat, i, eps, evaluate)
            if kink is None:
                errors.append(_relative_error(grad.reshape(-1)[i], numeric, atol))
        worst = max(errors, default=0.0)
        if verdict(worst) not in PASSING:
            shapes = [np.shape(a._data if isinstance(a, Tensor) else a) for a in node.inputs]
            return OpCheck(node.op_name(), position, index, shapes, worst)
    return None
