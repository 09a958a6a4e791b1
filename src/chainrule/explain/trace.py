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
from .graph import constant_text, format_value, forward_values, installed, term, value_names
from .replay import replay
from .rules import contribution_formula, forward_formula, rule_for

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
    if output._data.size != 1:
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
    ``seed``: the gradient backward started from.
    """

    def __init__(self, output):
        self.output = output
        self.values = forward_values(output)
        self.names = value_names(self.values, output)
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
            self.seed = np.ones_like(output._data)
            self.grads[id(output)] = self.seed

    def name(self, value):
        return self.names[id(value)] if isinstance(value, Tensor) else constant_text(value)

    def input_names(self, node):
        """The names of ``node``'s inputs as they read inside a formula."""
        return [term(self.name(inp)) for inp in node.inputs]


def _plain(array):
    """0-d and one-element arrays as Python numbers, other arrays unchanged."""
    if array is None:
        return None
    a = np.asarray(array)
    return a.item() if a.ndim == 0 else a


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

    def __init__(self, output):
        account = Account(output)
        self.output_name = account.name(output)
        self.records = []
        self._lines = []
        self._forward(account)
        self._backward(account)
        inputs = [t for t in account.values if t.grad_fn is None and t.requires_grad]
        self.gradients = {account.name(t): _plain(account.grads.get(id(t))) for t in inputs}
        self._lines.append("gradients")
        for t in inputs:
            grad = account.grads.get(id(t))
            self._lines.append(f"  d{self.output_name}/d{term(account.name(t))} = {format_value(grad)}")

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
                formula = forward_formula(op, inputs, node.params)
            rows.append((name, formula if node is None else "= " + formula, format_value(t._data)))
            self.records.append({
                "phase": "forward", "op": op, "name": name, "value": _plain(t._data),
                "grad": _plain(account.grads.get(id(t))),
                "rule": formula if node is None else f"{name} = {formula}", "inputs": inputs,
            })
        width = max(len(r[0]) for r in rows)
        formula_width = max(len(r[1]) for r in rows)
        for name, formula, value in rows:
            self._lines.append(f"  {name:<{width}} {formula:<{formula_width}}  = {value}")

    def _backward(self, account):
        out = self.output_name
        self._lines.append("")
        self._lines.append(
            f"backward: each gate in reverse order; dv means d{out}/dv; fan-out adds (dv += ...)"
        )
        seed = account.seed
        rule = f"d{out}/d{out} = 1" if np.all(seed == 1) else f"the gradient backward started from at {out}"
        self._lines.append(f"  d{out} = {format_value(seed)}   (seed: {rule})")
        self.records.append({
            "phase": "backward", "op": "seed", "name": out, "value": _plain(account.output._data),
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
                formula = forward_formula(op, inputs, node.params)
                self._lines.append(f"  {oname} = {formula}    [{rule_for(op).gate}]")
            name = account.name(c.input)
            formula = contribution_formula(op, c.index, inputs, term(oname), "d" + term(oname))
            key = id(c.input)
            seen[key] = seen.get(key, 0) + 1
            running[key] = c.grad if key not in running else running[key] + c.grad
            line = f"    d{term(name)} += {formula} = {format_value(c.grad)}"
            notes = []
            if c.reduced:
                notes.append("summed over the broadcast axes")
            if uses[key] > 1:
                notes.append(
                    f"fan-out: contribution {seen[key]} of {uses[key]}, "
                    f"d{term(name)} = {format_value(running[key])}"
                )
            self._lines.append(line + (f"   ({'; '.join(notes)})" if notes else ""))
            self.records.append({
                "phase": "backward", "op": op, "name": name, "value": _plain(c.input._data),
                "grad": _plain(c.grad), "rule": f"d{term(name)} += {formula}", "output": oname,
                "upstream": _plain(account.grads.get(id(c.output))), "gate": rule_for(op).gate,
                "use": seen[key], "uses": uses[key], "total": _plain(running[key]),
            })
        self._lines.append("")

    def __str__(self):
        return "\n".join(self._lines)

    def __repr__(self):
        return f"<Trace of {self.output_name}: {len(self.records)} records>"


def trace(output):
    """The staged forward and backward account of ``output`` (a Tensor) as a ``Trace``.

    Call it instead of ``output.backward()`` (it then runs backward itself, recording),
    or after ``output.backward()``: with ``recording()`` its records are used, without it
    the graph is replayed on copies of its leaves (``.grad`` is left as it is).
    """
    ensure_backpropagated(output, "trace")
    return Trace(output)
