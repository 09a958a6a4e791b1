"""Checking a learner's backward against chainrule's engine and finite differences.

An ``Exercise`` names an op to write (a ``Function`` subclass whose ``forward`` is given), the
chainrule computation its gradients must match, the cases to try it on and the classic mistakes
to recognise. ``check_op(exercise, op_class)`` runs every case: it calls the learner's
``backward`` with a random upstream gradient, compares each returned gradient with the one
chainrule's engine computes for the same computation (and, away from kinks, with central finite
differences), and returns a ``Report`` that says which gradient, which element, expected and
got, and what the classic mistake behind it is when it recognises one.
"""
import traceback
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

RTOL, ATOL = 1e-5, 1e-7
FD_EPS = 1e-6
MATH = "docs/math.md"
NOT_WRITTEN = "backward is not written yet (it raises NotImplementedError)"
DIMENSIONS = f"{MATH}, section 1, 'Arrays: vectorised gradients and dimension analysis'"


@dataclass(frozen=True)
class Case:
    """One set of inputs (arrays in the op's input order) and keyword parameters.

    ``smooth`` is False at kinks (ties, zeros), where finite differences do not give the
    gradient and chainrule's convention (PyTorch's) decides."""

    label: str
    inputs: tuple
    params: dict = field(default_factory=dict)
    smooth: bool = True


@dataclass(frozen=True)
class Mistake:
    """A classic wrong answer: ``gradients(inputs, params, upstream)`` gives the wrong
    gradients it produces ({input name: array}); ``hint`` says what went wrong."""

    hint: str
    gradients: Callable


@dataclass(frozen=True)
class Exercise:
    """One op to write. ``reference(*tensors, **params)`` is chainrule's computation of the
    same function; ``cases(rng)`` the cases; ``needs_grad`` the inputs that get gradients."""

    name: str
    title: str
    lesson: str
    class_name: str
    input_names: tuple
    needs_grad: tuple
    reference: Callable
    cases: Callable
    stub: str
    mistakes: tuple = ()
    shape_hint: Callable = None  # (name, got shape, expected shape) -> a hint or None, before the generic ones

    @property
    def file_name(self):
        return f"{self.name}.py"


@dataclass
class CaseResult:
    case: Case
    problems: list


class Report:
    """The outcome of checking one exercise: ``passed`` and, as text, the first failing case
    in detail (each wrong gradient: where, expected, got, hint)."""

    def __init__(self, exercise, results, error=None):
        self.exercise, self.results, self.error = exercise, results, error

    @property
    def passed(self):
        return self.error is None and all(not r.problems for r in self.results)

    @property
    def problems(self):
        """Every problem found, as text, over all cases."""
        found = [self.error] if self.error else []
        return found + [p for r in self.results for p in r.problems]

    def __str__(self):
        head = f"{self.exercise.name} ({self.exercise.title})"
        if self.error:
            return f"{head}: NOT CHECKED\n  {self.error}"
        failed = [r for r in self.results if r.problems]
        if not failed:
            labels = ", ".join(r.case.label for r in self.results)
            return f"{head}: PASSED ({len(self.results)} cases: {labels})"
        first = failed[0]
        if first.problems == [NOT_WRITTEN]:
            return f"{head}: to do: write backward in {self.exercise.file_name}"
        shapes = ", ".join(f"{n} {_shape(a)}" for n, a in zip(self.exercise.input_names, first.case.inputs))
        lines = [f"{head}: FAILED on case '{first.case.label}' ({shapes}; random upstream gradient)"]
        lines += ["  " + p.replace("\n", "\n  ") for p in first.problems]
        if len(failed) > 1:
            lines.append(f"  (also fails on {len(failed) - 1} more of the {len(self.results)} cases)")
        lines.append(f"  lesson: {self.exercise.lesson}")
        return "\n".join(lines)

    __repr__ = __str__


def _shape(array):
    return tuple(np.shape(array))


def _where(index):
    return f"at {tuple(int(i) for i in index)}" if index else "the value"


def engine_gradients(exercise, case, upstream):
    """{input name: gradient} of chainrule's reference, by its own backward, for ``upstream``."""
    leaves = [Tensor(np.array(a), requires_grad=name in exercise.needs_grad)
              for name, a in zip(exercise.input_names, case.inputs)]
    out = exercise.reference(*leaves, **case.params)
    out.backward(Tensor(np.asarray(upstream, dtype=np.float64)))
    return {name: np.asarray(t.grad) if t.grad is not None else np.zeros(np.shape(t))
            for name, t in zip(exercise.input_names, leaves) if name in exercise.needs_grad}


def numeric_gradient(exercise, case, upstream, position):
    """Central differences of sum(upstream * reference(inputs)) along input ``position``."""
    inputs = [np.array(a) for a in case.inputs]
    flat = inputs[position].reshape(-1)  # a view: perturbing it perturbs the input

    def value():
        with no_grad():
            out = exercise.reference(*(Tensor(a) for a in inputs), **case.params)
        return float(np.sum(np.asarray(out) * upstream))

    def shifted(i, step):
        original = flat[i]
        flat[i] = original + step
        result = value()
        flat[i] = original
        return result

    numeric = np.array([(shifted(i, FD_EPS) - shifted(i, -FD_EPS)) / (2 * FD_EPS) for i in range(flat.size)])
    return numeric.reshape(inputs[position].shape)


def close(a, b):
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _shape_hint(exercise, name, got, expected):
    """Why a gradient has the wrong shape, when the shapes say it."""
    got, expected = tuple(got), tuple(expected)
    own = exercise.shape_hint and exercise.shape_hint(name, got, expected)
    if own:
        return own
    if len(got) == 2 and got == expected[::-1]:
        return f"it is the transpose of the right shape: a missing or extra transpose ({DIMENSIONS})"
    if len(got) > len(expected) and (got[len(got) - len(expected):] == expected or got[:len(expected)] == expected):
        return (f"{name} was used along more axes than it has (broadcast): it fans out, so its gradient is the "
                "upstream gradient summed over those axes (fan-out adds)")
    if len(got) == len(expected) - 1 or (len(got) == len(expected) and np.prod(got) != np.prod(expected)):
        return f"summed over the wrong axis? {name} has shape {expected}"
    return f"a gradient always has the shape of its value ({DIMENSIONS})"


def _explain_values(exercise, case, name, got, expected, upstream, numeric, hints_given, returned):
    """The problem text for a gradient with the right shape and wrong values; a hint already
    in ``hints_given`` (for another gradient of the case) is not repeated."""
    wrong = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    flat = int(np.argmax(np.where(wrong, np.abs(got - expected), -1.0)))
    index = np.unravel_index(flat, np.shape(expected)) if np.ndim(expected) else ()
    where = _where(index)
    fd = "" if numeric is None else f"; finite differences: {numeric[index]:.6g}"
    count = f"{int(wrong.sum())} of {wrong.size} elements" if wrong.size > 1 else "its one element"
    text = (f"d{name} is wrong in {count}\n"
            f"  {where}: expected {expected[index]:.6g} (chainrule's engine{fd}), got {got[index]:.6g}")
    hint = diagnose(exercise, case, name, got, expected, upstream, returned)
    if hint is not None and hint in hints_given:
        return text + "\n  (the same mistake)"
    hints_given.add(hint)
    return text + (f"\n  hint: {hint}" if hint else "")


def diagnose(exercise, case, name, got, expected, upstream, returned=None):
    """The hint of the classic mistake whose gradient for ``name`` equals ``got``: first one
    that also explains every other gradient in ``returned`` ({name: array}), else any."""
    matching = []
    for mistake in exercise.mistakes:
        wrong = mistake.gradients(case.inputs, case.params, upstream)
        if name in wrong and not close(wrong[name], expected) and close(got, wrong[name]):
            others = [k for k in wrong if k != name and returned is not None and k in returned]
            matching.append((not all(close(returned[k], wrong[k]) for k in others), mistake.hint))
    if matching:
        return min(matching, key=lambda m: m[0])[1]  # min is stable: the first full match
    if close(got, -expected):
        return "every element has the opposite sign: a sign error"
    ones = np.ones_like(upstream)
    if not close(ones, upstream):
        without_upstream = engine_gradients(exercise, case, ones)[name]
        if not close(without_upstream, expected) and close(got, without_upstream):
            return ("this is the gradient for an upstream gradient of ones: you forgot to multiply by the "
                    "upstream gradient `grad` (chain rule: upstream times local)")
    nonzero = np.abs(expected) > ATOL
    if nonzero.any() and np.shape(got) == np.shape(expected):
        ratios = got[nonzero] / expected[nonzero]
        if np.allclose(ratios, ratios.flat[0], rtol=RTOL) and np.allclose(got[~nonzero], 0, atol=ATOL):
            return f"every element is {ratios.flat[0]:.6g} times the right one: a constant factor is wrong or missing"
    return None


def _as_tuple(grads, count):
    if isinstance(grads, (tuple, list)):
        return tuple(grads)
    return (grads,) if count == 1 else None


def _raised(exc, doing, op_class):
    """One line naming the exception and, when it came from the learner's file, the line."""
    code = getattr(getattr(op_class, "backward", None), "__code__", None)
    source = code.co_filename if code else None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == source]
    line = f" (line {frames[-1].lineno} of {frames[-1].filename}: {frames[-1].line})" if frames else ""
    return f"{doing} raised {type(exc).__name__}: {exc}{line}"


def check_case(exercise, op_class, case, rng):
    """The problems (texts) of ``op_class`` on one case; empty when it is right."""
    names = exercise.input_names
    leaves = [Tensor(np.array(a), requires_grad=n in exercise.needs_grad) for n, a in zip(names, case.inputs)]
    try:
        out = op_class.apply(*leaves, **case.params)
    except Exception as exc:  # the learner's code: any error is reported, not raised
        return [_raised(exc, "forward", op_class)]
    with no_grad():
        expected_out = np.asarray(exercise.reference(*(Tensor(np.array(a)) for a in case.inputs), **case.params))
    if not close(np.asarray(out.detach()), expected_out):
        return [f"forward gives a different output from chainrule's {exercise.title}: "
                "the forward is given, restore it from the stub"]
    upstream = rng.uniform(-2.0, 2.0, expected_out.shape)
    try:
        returned = out.grad_fn.backward(upstream.copy())
    except NotImplementedError:
        return [NOT_WRITTEN]
    except ValueError as exc:  # mostly shapes that do not fit: list them
        shapes = ", ".join(f"{n} {_shape(a)}" for n, a in zip(names, case.inputs))
        return [_raised(exc, "backward", op_class)
                + f"\n  shapes: grad {upstream.shape}; {shapes}: which product fits? ({DIMENSIONS})"]
    except Exception as exc:  # the learner's code
        return [_raised(exc, "backward", op_class)]
    grads = _as_tuple(returned, len(names))
    if grads is None or len(grads) != len(names):
        count = "one value" if grads is None else f"{len(grads)} values"
        return [f"backward returned {count}; the op has {len(names)} inputs ({', '.join(names)}): return a tuple "
                "with one gradient per input, in that order (None for an input that gets no gradient)"]
    expected = engine_gradients(exercise, case, upstream)
    returned = {n: np.asarray(g, dtype=np.float64) for n, g in zip(names, grads)
                if n in exercise.needs_grad and g is not None}
    problems, hints_given = [], set()
    for position, (name, grad) in enumerate(zip(names, grads)):
        if name not in exercise.needs_grad:
            continue
        if grad is None:
            problems.append(f"d{name} is None, but {name} needs a gradient")
            continue
        got = np.asarray(grad, dtype=np.float64)
        want = expected[name]
        if got.shape != want.shape:
            problems.append(f"d{name} has shape {got.shape}, but {name} has shape {want.shape}: "
                            + _shape_hint(exercise, name, got.shape, want.shape))
        elif not close(got, want):
            numeric = numeric_gradient(exercise, case, upstream, position) if case.smooth else None
            problems.append(_explain_values(exercise, case, name, got, want, upstream, numeric, hints_given, returned))
    return problems


def check_op(exercise, op_class, seed=0):
    """Check ``op_class`` (the learner's Function subclass) on every case of ``exercise``."""
    rng = np.random.default_rng(seed)
    cases = exercise.cases(np.random.default_rng(seed))
    return Report(exercise, [CaseResult(case, check_case(exercise, op_class, case, rng)) for case in cases])
