"""Recompute a graph's forward pass on copies of its leaves, for a second, recorded backward.

A graph that was already backpropagated without ``recording()`` has lost its
intermediate gradients (a plain backward also frees the values backward needs). Its
nodes still hold their op, inputs and parameters, so ``replay`` re-applies each op,
in forward order, to detached stand-ins of the leaves; backward on the replayed
output then recovers every gradient without touching the user's leaves or their
``.grad``. Every recomputed value must equal the original one exactly, else the
inputs changed since the forward pass and the replay refuses.
"""
import numpy as np

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
    with enable_grad():
        for t in values:
            node = t.grad_fn
            if node is None:
                replayed[id(t)] = Tensor._make(t.data, t.requires_grad, None)
                continue
            inputs = [replayed[id(a)] if isinstance(a, Tensor) else a for a in node.inputs]
            params = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in node.params.items()}
            new = type(node).apply(*inputs, **params)
            if not np.array_equal(new.data, t.data, equal_nan=True):
                name = value_names(values, values[-1])[id(t)]
                raise RuntimeError(
                    f"{caller}: recomputing the graph to recover its gradients gives another value "
                    f"for {name} = {node.op_name()}(...): its inputs changed since the forward pass "
                    "(e.g. optimizer.step() updated the weights, or an in-place change like "
                    f"x.data += 1). Call {caller}(out) before changing them, or run out.backward() "
                    "inside `with chainrule.explain.recording():`"
                )
            replayed[id(t)] = new
            pairs.append((node, new.grad_fn))
    return replayed[id(values[-1])], pairs
