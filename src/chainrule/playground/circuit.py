"""The circuit view's numbers: ``explain.trace`` of an expression or a worked example, as JSON.

Every backward step ``dx += upstream * local`` carries its three numbers: ``upstream`` (the
gradient arriving at the gate's output), ``local`` (d output / d input, the gate's own
derivative, computed by re-running the gate on copies of its inputs and backpropagating a 1)
and ``grad`` (their product, the contribution). The page only draws them.
"""
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


def example_json(name):
    if name not in EXAMPLES:
        raise MessageError(f"unknown example {name!r}; known: {', '.join(EXAMPLES)}")
    ex = EXAMPLES[name]()
    return circuit_json(ex.output, ex.title)


def expression_json(text, values):
    """Parse ``text`` with explain's safe parser, evaluate at ``values``, trace."""
    try:
        expression = parse(text)
        output = expression.evaluate(values)
    except ValueError as exc:  # ExpressionError included: its message points at the column
        raise MessageError(str(exc)) from None
    if output.grad_fn is None:
        raise MessageError(f"{text!r} is a single variable: there is no gate to step through")
    return circuit_json(output, f"f = {expression.text}")
