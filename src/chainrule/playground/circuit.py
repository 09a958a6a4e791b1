"""The circuit view's numbers: ``explain.trace`` of an expression or a worked example, as JSON.

Every backward step ``dx += upstream * local`` carries its three numbers: ``upstream`` (the
gradient arriving at the gate's output), ``local`` (d output / d input, the gate's own
derivative, computed by re-running the gate on copies of its inputs and backpropagating a 1)
and ``grad`` (their product, the contribution). The page only draws them.

``build`` makes the circuit of a request (a worked example or an expression, at given input
values: the page's sliders), ``nudge`` compares the chain rule's predicted change of f with
the measured one.
"""
import inspect

import numpy as np

from ..explain.examples import circuit, neuron, staged
from ..explain.expression import parse
from ..explain.trace import Account, ensure_backpropagated, trace
from ..tensor import Tensor
from .messages import MessageError, json_number

EXAMPLES = {"circuit": circuit, "neuron": neuron, "staged": staged}


def local_gradient(node, index):
    """d node(inputs) / d inputs[index] at the recorded inputs (a scalar circuit)."""
    copies = [Tensor(np.array(inp), requires_grad=True) if isinstance(inp, Tensor) else inp
              for inp in node.inputs]
    out = type(node).apply(*copies, **node.params)
    out.backward(np.ones(out.shape))
    return copies[index].grad


def circuit_json(output, title):
    """The trace of ``output`` (a backpropagated scalar Tensor) as a JSON-ready dict:
    ``forward``/``backward`` step lists, ``gradients`` and the printed ``text``."""
    with np.errstate(all="ignore"):  # log(0) and the like: the page shows the inf or NaN
        ensure_backpropagated(output, "playground")
        tr = trace(output)
        contributions = Account(output).contributions
        locals_ = [local_gradient(c.output.grad_fn, c.index) for c in contributions]
    forward = [r for r in tr.records if r["phase"] == "forward"]
    backward = [r for r in tr.records if r["phase"] == "backward"]
    steps = [{**_numbers(record), "local": json_number(local)} for record, local in zip(backward[1:], locals_)]
    return {
        "title": title,
        "output": tr.output_name,
        "forward": [_numbers(r) for r in forward],
        "backward": [_numbers(backward[0])] + steps,
        "gradients": {name: json_number(g) for name, g in tr.gradients.items()},
        "text": str(tr),
    }


def _numbers(record):
    """A trace record with its numbers as JSON numbers (non-finite ones as null)."""
    out = dict(record)
    for key in ("value", "grad", "upstream", "total"):
        if key in out:
            out[key] = json_number(out[key])
    return out


def example_inputs(name):
    """The inputs of worked example ``name`` and their default values."""
    if not isinstance(name, str) or name not in EXAMPLES:
        raise MessageError(f"unknown example {name!r}; known: {', '.join(EXAMPLES)}")
    return {key: p.default for key, p in inspect.signature(EXAMPLES[name]).parameters.items()}


def build(request):
    """``(output, title, inputs)`` for a checked circuit request: ``{"example": name}`` or
    ``{"expression": text}``, with ``"values"`` (name -> number; an example's inputs default to
    its worked values). ``inputs`` is every input's value; ``output`` is a scalar Tensor."""
    values = request.get("values", {})
    if "example" in request:
        inputs = example_inputs(request["example"])
        unknown = sorted(set(values) - set(inputs))
        if unknown:
            raise MessageError(f"example {request['example']!r} has no input {unknown[0]!r}; "
                               f"its inputs: {', '.join(inputs)}")
        inputs.update({key: float(v) for key, v in values.items()})
        ex = EXAMPLES[request["example"]](**inputs)
        return ex.output, ex.title, inputs
    text = request["expression"]
    try:
        expression = parse(text)
        output = expression.evaluate(values)
    except ValueError as exc:  # ExpressionError included: its message points at the column
        raise MessageError(str(exc)) from None
    if output.grad_fn is None:
        raise MessageError(f"{text!r} is a single variable: there is no gate to step through")
    return output, f"f = {expression.text}", {key: float(values[key]) for key in expression.variables}


def request_json(request):
    """The trace of a circuit request (see ``build``) as ``circuit_json`` gives it, with ``inputs``."""
    output, title, inputs = build(request)
    return {**circuit_json(output, title), "inputs": inputs}


def nudge(request, name, h):
    """Move input ``name`` by ``h``: the chain rule's prediction ``h * df/dname`` next to the
    measured change ``f(name + h) - f(name)``, both computed here in float64."""
    output, _, inputs = build(request)
    if name not in inputs:
        raise MessageError(f"no input {name!r} to nudge; inputs: {', '.join(inputs)}")
    with np.errstate(all="ignore"):
        ensure_backpropagated(output, "playground")
        gradient = float(trace(output).gradients[name])
        moved, _, _ = build({**request, "values": {**inputs, name: inputs[name] + h}})
        f, f_moved = float(output.item()), float(moved.item())
    return {"name": name, "h": h, "value": inputs[name], "f": json_number(f), "f_nudged": json_number(f_moved),
            "grad": json_number(gradient), "predicted": json_number(h * gradient),
            "measured": json_number(f_moved - f)}
