"""Recompute a graph's forward pass on copies of its leaves, for a second, recorded backward.

A graph that was already backpropagated without ``recording()`` has lost its
intermediate gradients (a plain backward also frees the values backward needs). Its
nodes still hold their op, inputs and parameters, so ``replay`` re-applies each op,
in forward order, to detached stand-ins of the leaves; backward on the replayed
output then recovers every gradient without touching the user's leaves or their
``.grad``. Every recomputed value must equal the original one exactly, else the
inputs changed since the forward pass and the replay refuses. Ops draw no random numbers
(dropout's mask is an input of its op, so the replay reuses it); should a user-defined op
draw in its forward, the global generator is restored afterwards, and its new values are
refused like changed inputs.
"""
import numpy as np

from .. import random as cr_random
from ..autograd import enable_grad
from ..tensor import Tensor
from .graph import value_names


def replay(values, caller):
    """Recompute ``values`` (``forward_values(output)``, the output last).

    Returns ``(output, pairs)``: the recomputed output and ``(node, new_node)`` for every
    step. A leaf becomes a detached Tensor on the same data with the same ``requires_grad``
    (so hooks on tensors or nodes are not part of the replay); a non-Tensor input stays as
    it is; array parameters are copied, so an op that updates them in place (BatchNorm's
    running statistics) leaves the model's buffers alone.
    """
    replayed, pairs = {}, []
    rng_state = cr_random.get_rng_state()
    try:
        with enable_grad():
            for t in values:
                node = t.grad_fn
                if node is None:
                    replayed[id(t)] = Tensor._make(t._data, t.requires_grad, None)
                    continue
                inputs = [replayed[id(a)] if isinstance(a, Tensor) else a for a in node.inputs]
                params = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in node.params.items()}
                new = type(node).apply(*inputs, **params)
                if not np.array_equal(new._data, t._data, equal_nan=True):
                    raise _changed_error(values, t, caller)
                replayed[id(t)] = new
                pairs.append((node, new.grad_fn))
    finally:
        cr_random.set_rng_state(rng_state)
    return replayed[id(values[-1])], pairs


def _changed_error(values, tensor, caller):
    name = value_names(values, values[-1])[id(tensor)]
    return RuntimeError(
        f"{caller}: recomputing the graph to recover its gradients gives another value for "
        f"{name} = {tensor.grad_fn.op_name()}(...): its inputs changed since the forward pass "
        "(e.g. optimizer.step() updated the weights, or an in-place change like x.data += 1), or "
        f"the op draws random numbers in its forward. Call {caller}(out) before changing them, or "
        "run out.backward() inside `with chainrule.explain.recording():`"
    )
