"""``bptt(loss, output)``: backpropagation through time, one number per time step.

A recurrent layer's ``output`` stacks its last layer's hidden states h_1 .. h_L (a ``stack``
node in the graph; with ``bidirectional``, each step is a ``cat`` of the two directions' h_t).
In backward, h_t receives gradient from the output at step t, when the loss reads it, and from
step t+1 (forward direction) through W_hh and the gates; the op that made h_t receives the
sum, dL/dh_t. ``recording()`` keeps it (trace's record of that op's upstream gradient), so the
numbers are the engine's own. Their norms going back from the last step show gradients vanish
(a factor below 1 per step: |W_hh| small, tanh' <= 1) or explode over time.
"""
import numpy as np

from ..ops.shape import Cat, Stack
from .graph import array_of
from .trace import _recorded, ensure_backpropagated


def _received(h):
    """dL/dh as recorded at the op that made ``h``; zeros where no gradient reached it."""
    record = _recorded.get(h.grad_fn)
    return np.zeros(h.shape, dtype=h.dtype) if record is None else np.array(record[0])


class BPTT:
    """``grads[d][t]``: dL/dh_t (the shape of one step of the output) for direction d (0 forward,
    1 reverse); ``norms``: (directions, L) their Frobenius norms; prints as a table."""

    def __init__(self, grads, output_shape):
        self.grads = grads
        self.norms = np.array([[float(np.linalg.norm(g)) for g in direction] for direction in grads])
        self.output_shape = output_shape

    def __str__(self):
        steps = self.norms.shape[1]
        lines = [f"backpropagation through time: ||dL/dh_t|| at each of {steps} steps "
                 f"(output of shape {self.output_shape})"]
        top = self.norms.max() or 1.0
        for d, norms in enumerate(self.norms):
            # the order backward visits the steps: last to first forward, first to last reversed
            order = range(steps) if d else reversed(range(steps))
            if len(self.norms) > 1:
                lines.append("reverse direction" if d else "forward direction")
            lines.append(f"{'t':>4}  {'||dL/dh_t||':>12}  {'x previous':>10}")
            previous = None
            for t in order:
                ratio = f"{norms[t] / previous:10.3g}" if previous else " " * 10
                bar = "#" * round(30 * norms[t] / top)
                lines.append(f"{t:>4}  {norms[t]:12.4e}  {ratio}  {bar}".rstrip())
                previous = norms[t]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        from .html import text_html
        return text_html(str(self))


def bptt(loss, output):
    """The gradient of the scalar ``loss`` with respect to every hidden state h_t of the last
    layer of the RNN, LSTM or GRU whose ``output`` is given (``output, h_n = rnn(x)``; any
    loss built from ``output`` or ``h_n``). Runs ``loss.backward()`` while recording if it
    never ran (as ``trace`` does; the parameters get their ``.grad``), else replays it."""
    node = getattr(output, "grad_fn", None)
    if not isinstance(node, Stack):
        made_by = "no graph" if node is None else f"grad_fn {type(node).__name__}"
        raise TypeError(f"bptt: expected the output of an RNN, LSTM or GRU layer (its hidden states "
                        f"stacked over time, grad_fn Stack), got a {type(output).__name__} with {made_by}")
    ensure_backpropagated(loss, "bptt")
    steps = list(node.inputs)
    if all(isinstance(h.grad_fn, Cat) for h in steps):  # bidirectional: (forward h_t, reverse h_t)
        directions = list(zip(*(h.grad_fn.inputs for h in steps)))
    else:
        directions = [steps]
    grads = [[_received(h) for h in direction] for direction in directions]
    return BPTT(grads, tuple(array_of(output).shape))
