"""``doctor(model, loader, loss)``: the classic sanity checks before a long run (CS231n).

1. initial loss: with C balanced classes a fresh classifier should score about ln C
   (cross-entropy; pass ``expected_loss`` for other losses);
2. overfit: it can drive the loss on 20 examples to near zero (dropout off);
3. update-to-weight ratio: one optimizer step changes each weight matrix by about 1e-3
   of its norm (1e-4 .. 1e-2 is typical); the median over the weight matrices passes
   within ten times that band (1e-5 .. 1e-1): recipes that train well (Nielsen's SGD lr 3.0
   on sigmoids, say) sit near its upper end, and a single layer outside the typical band
   is reported, not failed;
4. gradients: no parameter's gradient is missing, all zero or non-finite.

Every check runs on a copy of the model: the model, its gradients and the random
generator are left as they were.
"""
import copy
import functools
import math

import numpy as np

from .. import random as cr_random
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

RATIO_BAND = (1e-4, 1e-2)  # typical
RATIO_LIMITS = (1e-5, 1e-1)  # where the median passes


class Check:
    """One line of the report: ``name``, ``passed`` (True, False, or None when skipped),
    ``value`` (the number behind it) and ``detail``."""

    __slots__ = ("name", "passed", "value", "detail")

    def __init__(self, name, passed, value, detail):
        self.name, self.passed, self.value, self.detail = name, passed, value, detail

    def __str__(self):
        status = "SKIP" if self.passed is None else ("PASS" if self.passed else "FAIL")
        return f"{status}  {self.name}: {self.detail}"


class DoctorReport:
    """``checks`` (list of ``Check``), ``ok`` (no check failed); ``report["overfit"]`` picks one."""

    def __init__(self, checks):
        self.checks = checks

    @property
    def ok(self):
        return all(c.passed is not False for c in self.checks)

    def __getitem__(self, name):
        return next(c for c in self.checks if c.name == name)

    def _repr_html_(self):
        from .html import text_html

        return text_html(self)

    def __str__(self):
        return "\n".join(str(c) for c in self.checks)


def _is_cross_entropy(loss):
    name = getattr(loss, "__name__", type(loss).__name__).lower()
    return "cross_entropy" in name or "crossentropy" in name


def _first_examples(loader, count):
    """The first ``count`` (inputs, targets) of the loader, as two Tensors."""
    xs, ys, seen = [], [], 0
    for inputs, targets in loader:
        xs.append(np.asarray(inputs._data if isinstance(inputs, Tensor) else inputs))
        ys.append(np.asarray(targets._data if isinstance(targets, Tensor) else targets))
        seen += len(xs[-1])
        if seen >= count:
            break
    if not xs:
        raise ValueError("doctor: the loader yielded no batch")
    return Tensor(np.concatenate(xs)[:count]), Tensor(np.concatenate(ys)[:count])


def _initial_loss(model, x, y, loss, expected_loss):
    with no_grad():
        out = model(x)
        value = float(loss(out, y).item())
    classes = out.shape[-1]
    if expected_loss is None and not _is_cross_entropy(loss):
        return Check("initial loss", None, value, f"{value:.4f} (no expected value for this loss; "
                     "pass expected_loss=, on the command line --expected-loss)")
    expected = math.log(classes) if expected_loss is None else float(expected_loss)
    source = f"ln {classes}" if expected_loss is None else "expected"
    off = abs(value - expected) / max(abs(expected), 1e-12)
    return Check("initial loss", bool(off <= 0.2), value,
                 f"{value:.4f}, {source} = {expected:.4f} ({off:.0%} off; within 20% passes)")


def _overfit(model, x, y, loss, make_optimizer, steps, target):
    from .. import nn

    model.train()
    for module in model.modules():  # no regularisation for this check
        if isinstance(module, (nn.Dropout, nn.Dropout2d)):
            module.eval()
    optimizer = make_optimizer(model.parameters())
    first = value = None
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        batch_loss = loss(model(x), y)
        value = float(batch_loss.item())
        first = value if first is None else first
        if value < target or not math.isfinite(value):
            break
        batch_loss.backward()
        optimizer.step()
    passed = value < target
    return Check("overfit", passed, value, f"loss on {len(x)} examples {first:.4f} -> {value:.4g} "
                 f"after {step} steps (below {target} passes)")


def _gradients_and_ratio(model, x, y, loss, make_optimizer):
    """The gradient check and the update-to-weight ratio, from one step on one batch."""
    model.zero_grad()
    loss(model(x), y).backward()
    bad, norms = [], {}
    for name, param in model.named_parameters():
        if param.grad is None:
            bad.append(f"{name} has no gradient (unused in forward?)")
            continue
        grad = param.grad._data
        if not np.all(np.isfinite(grad)):
            bad.append(f"{name} has a non-finite gradient")
        elif not np.any(grad):
            bad.append(f"{name} has an all-zero gradient")
        norms[name] = float(np.linalg.norm(grad))
    smallest = min(norms.values(), default=0.0)
    detail = (f"{len(norms)} parameters, smallest gradient norm {smallest:.3g}" if not bad
              else "; ".join(bad))
    gradients = Check("gradients", not bad, smallest, detail)

    weights = {name: p for name, p in model.named_parameters() if p.ndim >= 2 and p.grad is not None}
    before = {name: p._data.copy() for name, p in weights.items()}
    make_optimizer(model.parameters()).step()
    ratios = {name: float(np.linalg.norm(p._data - before[name]) / max(np.linalg.norm(before[name]), 1e-30))
              for name, p in weights.items()}
    if not ratios:
        return gradients, Check("update/weight ratio", None, math.nan, "no weight matrix with a gradient")
    (low, high), (lowest, highest) = RATIO_BAND, RATIO_LIMITS
    median = float(np.median(list(ratios.values())))
    listing = ", ".join(f"{n} {r:.1e}" for n, r in ratios.items())
    passed = lowest <= median <= highest
    advice = ""
    if not passed:
        advice = " (learning rate too high?)" if median > highest else " (learning rate too low?)"
    else:
        above = [n for n, r in ratios.items() if r > high]
        below = [n for n, r in ratios.items() if r < low]
        notes = ([f"{', '.join(above)} above {high:g}"] if above else []) + \
                ([f"{', '.join(below)} below {low:g}"] if below else [])
        advice = f"; note: {' and '.join(notes)}" if notes else ""
    ratio = Check("update/weight ratio", passed, median,
                  f"median {median:.1e} ({listing}); a median in {lowest:g}..{highest:g} passes, "
                  f"{low:g}..{high:g} is typical{advice}")
    return gradients, ratio


def doctor(model, loader, loss, lr=0.01, optimizer=None, expected_loss=None,
           overfit_examples=20, overfit_steps=300, overfit_target=0.05, verbose=True):
    """Run the four checks on ``model`` with batches from ``loader`` and ``loss(output, target)``.

    ``optimizer(params)`` builds the optimizer you plan to train with (default: SGD with
    ``lr``) for the update-to-weight step; the overfit run always uses Adam (lr 0.01), as it
    tests the model and its gradients, not the optimizer. Prints each check as it finishes
    when ``verbose``; returns a ``DoctorReport``.
    """
    from .. import optim

    make_optimizer = optimizer or (lambda params: optim.SGD(params, lr=lr))
    overfit_optimizer = functools.partial(optim.Adam, lr=0.01)
    rng_state = cr_random.get_rng_state()
    x, y = _first_examples(loader, overfit_examples)
    batch = next(iter(loader))
    checks = []

    def done(check):
        checks.append(check)
        if verbose:
            print(check)

    try:
        done(_initial_loss(copy.deepcopy(model), *batch, loss, expected_loss))
        done(_overfit(copy.deepcopy(model), x, y, loss, overfit_optimizer, overfit_steps, overfit_target))
        for check in _gradients_and_ratio(copy.deepcopy(model), *batch, loss, make_optimizer):
            done(check)
    finally:
        cr_random.set_rng_state(rng_state)
    return DoctorReport(checks)
