"""``trace(output)``: a staged account of one computation, forward and backward, with numbers.

How trace knows every intermediate gradient: the engine forgets them, so they are
recorded while backward runs. ``recording()`` installs an engine backward hook that
keeps, per graph node, its upstream gradient and its gradients to the inputs (in a
weak dictionary: the records die with the graph). ``trace(f)`` (and ``draw(f)``) then

- use the records when ``f.backward()`` ran inside ``with chainrule.explain.recording():``;
- on an output never backpropagated, run ``f.backward()`` themselves while recording
  (the leaves get their ``.grad`` exactly as with a plain backward);
- on a graph already backpropagated without recording (plain or ``retain_graph=True``),
  replay it (``replay.py``): recompute the forward pass on detached copies of the
  leaves and run backward on that, recording. The user's graph is never backpropagated
  a second time, so the leaves' ``.grad`` stay as they are; tensor and node hooks are
  not run again. If the recomputed values differ (the inputs changed since the forward
  pass), trace says so instead of guessing.

A non-scalar output needs the gradient backward starts from, which only the user knows:
run ``out.backward(grad)`` inside ``recording()`` first.
"""
import weakref
import numpy as np

from ..autograd import engine, function
from ..backend import sum_to_shape
from ..tensor import Tensor
from .graph import (DIGITS, array_of, check_digits, constant_text, dterm, format_value, formula_of,
                    display_width, forward_values, given_names, installed, padded, shape_text, term,
                    value_names)
from .replay import replay
from .rules import contribution_formula, rule_for

_recorded = weakref.WeakKeyDictionary()  # node -> (grad_output, grad_inputs)


def _record(node, grad_output, grad_inputs):
    _recorded[node] = (grad_output, tuple(grad_inputs))


def recording():
    """Context manager: remember every node's gradients during the backward passes run inside."""
    return installed(function.backward_hooks, _record)


def ensure_backpropagated(output, caller):
    """Make sure the gradients of ``output``'s graph were recorded: run backward while
    recording if it never ran, else replay the graph (see the module docstring)."""
    if not isinstance(output, Tensor):
        raise TypeError(f"{caller}: expected a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise RuntimeError(
            f"{caller}: the output does not require grad; create its inputs with "
            "requires_grad=True (and not under no_grad)"
        )
    node = output.grad_fn
    if node is None or node in _recorded:
        return
    if array_of(output).size != 1:
        raise RuntimeError(
            f"{caller}: the output has shape {output.shape}, so backward needs its gradient: run "
            f"out.backward(grad) inside `with chainrule.explain.recording():`, then call {caller}(out)"
        )
    values = forward_values(output)
    nodes = [t.grad_fn for t in values if t.grad_fn is not None]
    if not any(n.saved is function.FREED or n in engine.retained for n in nodes):
        with recording():
            output.backward()
        return
    root, pairs = replay(values, caller)
    with recording():
        root.backward()
    for original, new in pairs:
        record = _recorded.get(new)
        if record is not None:
            _recorded[original] = record


class Contribution:
    """One ``dx += ...`` of the backward pass: ``node`` sends ``grad`` to its input ``index``."""

    __slots__ = ("output", "index", "input", "grad", "reduced")

    def __init__(self, output, index, inp, grad, reduced):
        self.output, self.index, self.input, self.grad, self.reduced = output, index, inp, grad, reduced


class Account:
    """The values of a backpropagated graph with their names, gradients and contributions.

    ``values``: Tensors in forward order; ``names``/``grads``: keyed by ``id(tensor)``
    (grad None where no gradient flowed); ``contributions``: in backward order;
    ``seed``: the gradient backward started from; ``digits``: the significant digits of
    every number shown (``fmt``), None for all.
    """

    def __init__(self, output, digits=DIGITS, names=None):
        self.output, self.digits = output, digits
        self.values = forward_values(output)
        self.names = value_names(self.values, output, names)
        self.grads = {}
        self.contributions = []
        self.seed = _recorded[output.grad_fn][0] if output.grad_fn is not None else None
        for t in reversed(self.values):
            record = _recorded.get(t.grad_fn) if t.grad_fn is not None else None
            if record is None:
                continue
            self.grads[id(t)] = record[0]
            node = t.grad_fn
            for i, (inp, g) in enumerate(zip(node.inputs, record[1])):
                if g is None or not node.needs_input_grad[i]:
                    continue
                reduced = g.shape != inp.shape
                g = sum_to_shape(g, inp.shape).astype(inp.dtype, copy=False)
                self.contributions.append(Contribution(t, i, inp, g, reduced))
                if inp.grad_fn is None:
                    previous = self.grads.get(id(inp))
                    self.grads[id(inp)] = g if previous is None else previous + g
        if output.grad_fn is None:
            self.seed = np.ones_like(array_of(output))
            self.grads[id(output)] = self.seed

    def name(self, value):
        return self.names[id(value)] if isinstance(value, Tensor) else constant_text(value, self.digits)

    def fmt(self, value):
        """A value or gradient as text, at this account's digits."""
        return format_value(value, self.digits)

    def input_names(self, node):
        """The names of ``node``'s inputs (``rules`` parenthesises them where needed)."""
        return [self.name(inp) for inp in node.inputs]


def _plain(array):
    """0-d and one-element arrays as Python numbers, other arrays unchanged."""
    if array is None:
        return None
    a = np.asarray(array)
    return a.item() if a.ndim == 0 else a


class _Operands:
    """The operands of one contribution, as names, numbers or names with shapes."""

    def __init__(self, account, contribution):
        node, out = contribution.output.grad_fn, contribution.output
        self.account = account
        self.names = {str(i): term(n) for i, n in enumerate(account.input_names(node))}  # operands
        self.names.update(out=term(account.name(out)), g=dterm(account.name(out)))
        self.values = {str(i): array_of(v) if isinstance(v, Tensor) else np.asarray(v)
                       for i, v in enumerate(node.inputs)}
        self.values.update(out=array_of(out), g=np.asarray(account.grads.get(id(out))))
        self.result = contribution.grad

    def all_scalars(self):
        return np.size(self.result) == 1 and all(np.size(v) == 1 for v in self.values.values())

    def name(self, field, transposed):
        return self.names[field] + (".T" if transposed else "")

    def number(self, field, transposed):
        text = self.account.fmt(self.values[field])
        return f"({text})" if text.startswith("-") else text

    def shaped(self, field, transposed):
        shape = np.shape(self.values[field])
        if transposed:
            shape = shape[::-1]
        name = self.names[field] + ("^T" if transposed else "")
        return f"{name} ({'x'.join(map(str, shape))})" if shape else name


class Trace:
    """The staged program of one computation: ``str(trace)`` reads it, ``records`` holds it.

    ``records``: list of dicts with keys ``phase`` ('forward'/'backward'), ``op``, ``name``,
    ``value``, ``grad`` and ``rule`` (scalars as Python numbers, arrays as NumPy arrays).
    Forward records: one per value, ``grad`` its total gradient, ``rule`` its formula,
    plus ``inputs``. Backward records: the seed, then one per contribution ``dx += ...``
    in backward order: ``name`` the input receiving it, ``grad`` the contribution,
    ``rule`` the formula, plus ``output``, ``upstream``, ``gate``, ``use``/``uses``
    (fan-out: which contribution of how many) and ``total`` (the sum so far).
    ``gradients``: name -> total gradient of every input (leaf) that requires grad.
    """

    def __init__(self, output, digits=DIGITS, names=None):
        account = Account(output, digits, names)
        self.output_name = account.name(output)
        self.records = []
        self._lines = []
        self.rows = {"forward": [], "backward": [], "gradients": []}  # the cells, for html
        self._forward(account)
        self._backward(account)
        inputs = [t for t in account.values if t.grad_fn is None and t.requires_grad]
        self.gradients = {account.name(t): _plain(account.grads.get(id(t))) for t in inputs}
        self._lines.append("gradients")
        for t in inputs:
            grad = account.fmt(account.grads.get(id(t)))
            self._lines.append(f"  d{self.output_name}/{dterm(account.name(t))} = {grad}")
            self.rows["gradients"].append((f"d{self.output_name}/{dterm(account.name(t))}", grad))

    def _forward(self, account):
        self._lines.append("forward: every value in the order it is computed")
        rows = []
        for t in account.values:
            name, node = account.name(t), t.grad_fn
            if node is None:
                op = "input" if t.requires_grad else "constant"
                formula, inputs = op, []
            else:
                op, inputs = node.op_name(), account.input_names(node)
                formula = formula_of(node, inputs)
            shown = formula if node is None else ("" if formula == name else "= " + formula)
            rows.append((name, shown, account.fmt(array_of(t))))
            self.records.append({
                "phase": "forward", "op": op, "name": name, "value": _plain(array_of(t)),
                "grad": _plain(account.grads.get(id(t))),
                "rule": formula if node is None else f"{name} = {formula}", "inputs": inputs,
            })
        width = max(display_width(r[0]) for r in rows)
        formula_width = max(display_width(r[1]) for r in rows)
        for name, formula, value in rows:
            self._lines.append(f"  {padded(name, width)} {padded(formula, formula_width)}  = {value}")
        self.rows["forward"] = rows

    def _backward(self, account):
        out = self.output_name
        self._lines.append("")
        self._lines.append(
            f"backward: each gate in reverse order; dv means d{out}/dv; fan-out adds (dv += ...)"
        )
        seed = account.seed
        rule = f"d{out}/d{out} = 1" if np.all(seed == 1) else f"the gradient backward started from at {out}"
        self._lines.append(f"  d{out} = {account.fmt(seed)}   (seed: {rule})")
        self.rows["backward"].append(("seed", f"d{out} = {account.fmt(seed)}", rule))
        self.records.append({
            "phase": "backward", "op": "seed", "name": out, "value": _plain(array_of(account.output)),
            "grad": _plain(seed), "rule": rule,
        })
        uses, seen, running = {}, {}, {}
        for c in account.contributions:
            uses[id(c.input)] = uses.get(id(c.input), 0) + 1
        current = None
        for c in account.contributions:
            node = c.output.grad_fn
            op, inputs, oname = node.op_name(), account.input_names(node), account.name(c.output)
            if c.output is not current:
                current = c.output
                formula = formula_of(node, inputs)
                step = oname if formula == oname else f"{oname} = {formula}"
                self._lines.append(f"  {step}    [{rule_for(op).gate}]")
                self.rows["backward"].append(("gate", step, rule_for(op).gate))
            name = account.name(c.input)
            operands = _Operands(account, c)
            formula = contribution_formula(op, c.index, operands.name)
            if formula is None:
                formula = f"{op}_backward({dterm(oname)})[input {c.index}]"
            key = id(c.input)
            seen[key] = seen.get(key, 0) + 1
            running[key] = c.grad if key not in running else running[key] + c.grad
            result = account.fmt(c.grad)
            if operands.all_scalars():  # the chain rule as arithmetic: upstream x local = result
                arithmetic = contribution_formula(op, c.index, operands.number)
                shown = formula if arithmetic.strip("()") in (formula, result) else f"{formula} = {arithmetic}"
                target = dterm(name)
            else:  # the shapes of every operand: dW (5x10) += dD (5x3) @ X^T (3x10)
                shown = contribution_formula(op, c.index, operands.shaped) or formula
                target = f"{dterm(name)} ({shape_text(c.grad)})"
            line = f"    {target} += {shown} = {result}"
            notes = []
            if c.reduced:
                notes.append("summed over the broadcast axes")
            if uses[key] > 1:
                notes.append(
                    f"fan-out: contribution {seen[key]} of {uses[key]}, "
                    f"{dterm(name)} = {account.fmt(running[key])}"
                )
            self._lines.append(line + (f"   ({'; '.join(notes)})" if notes else ""))
            self.rows["backward"].append(("step", f"{target} +=", shown, result, "; ".join(notes)))
            self.records.append({
                "phase": "backward", "op": op, "name": name, "value": _plain(array_of(c.input)),
                "grad": _plain(c.grad), "rule": f"{dterm(name)} += {formula}", "output": oname,
                "upstream": _plain(account.grads.get(id(c.output))), "gate": rule_for(op).gate,
                "use": seen[key], "uses": uses[key], "total": _plain(running[key]),
            })
        self._lines.append("")

    def __str__(self):
        return "\n".join(self._lines)

    def __repr__(self):
        return f"<Trace of {self.output_name}: {len(self.records)} records>"

    def _repr_html_(self):
        from .html import trace_html

        return trace_html(self)


def trace(output, digits=DIGITS, names=None):
    """The staged forward and backward account of ``output`` (a Tensor) as a ``Trace``,
    its numbers rounded to ``digits`` significant digits (None: every digit; the records
    keep the exact values either way). ``names``: a Module, whose parameters are then
    called by their state-dict names (``fc1.weight``) and its input ``x``, or a mapping
    from names to Tensors; a tensor's own ``name`` is used otherwise.

    Call it instead of ``output.backward()`` (it then runs backward itself, recording),
    or after ``output.backward()``: with ``recording()`` its records are used, without it
    the graph is replayed on copies of its leaves (``.grad`` is left as it is).
    """
    check_digits(digits, "trace")
    given = given_names(names, "trace")
    ensure_backpropagated(output, "trace")
    return Trace(output, digits, given)
