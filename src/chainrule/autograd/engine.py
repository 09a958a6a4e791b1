"""The reverse-mode engine: walk the graph from the output back to the leaves.

No recursion (a chain of 100,000 ops works): the graph is ordered by an explicit
depth-first post-order, then visited in reverse, summing gradients where a value
fans out ("fan-out adds", section 1 of the math doc).
"""
import numpy as np

from ..backend import sum_to_shape
from ..tensor import Tensor
from .function import FREED, FreedGraphError, backward_hooks


def _topological_order(root):
    """Nodes reachable from ``root``, each before every node it depends on (no recursion).

    A node is appended once all its inputs' nodes are (post-order), so the reversed
    list visits every node after all of its consumers: its gradient is complete.
    """
    order, visited = [], set()
    stack = [(root, False)]
    pop, push = stack.pop, stack.append
    while stack:
        node, expanded = pop()
        if expanded:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            push((node, True))
            for inp in node.inputs:
                if isinstance(inp, Tensor):
                    child = inp.grad_fn
                    if child is not None and child not in visited:
                        push((child, False))
    order.reverse()
    return order


def _run_hooks(hooks, grad):
    for hook in hooks:
        result = hook(grad)
        if result is not None:
            grad = np.asarray(result.data if isinstance(result, Tensor) else result)
    return grad


def _accumulate_leaf(leaf, grad):
    """Leaves sum gradients across backward calls, in their own dtype and layout."""
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad)
    if leaf.grad is None:
        leaf.grad = np.empty_like(leaf.data)
        np.copyto(leaf.grad, grad)
    else:
        np.add(leaf.grad, grad, out=leaf.grad)


def _initial_grad(tensor, grad):
    if grad is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a scalar output, but the "
                f"output has shape {tensor.shape}; pass grad= of that shape"
            )
        return np.ones_like(tensor.data)
    grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
    if grad.shape != tensor.data.shape:
        raise ValueError(
            f"backward: grad has shape {grad.shape} but the output has shape {tensor.shape}"
        )
    return grad.astype(tensor.dtype, copy=False)


def _freed_error(node):
    return FreedGraphError(
        f"backward: trying to backward through the graph a second time (at "
        f"{node.op_name()}); its saved values were freed by the first backward. Call "
        "backward(retain_graph=True) the first time if you need to backward twice"
    )


def backward(tensor, grad=None, retain_graph=False):
    """Accumulate d(tensor)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is the upstream gradient (needed when ``tensor`` is not a scalar). Unless
    ``retain_graph``, every node's saved values are freed once it has been visited.
    """
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no grad_fn; create the "
            "inputs with requires_grad=True (and not under no_grad)"
        )
    grad = _initial_grad(tensor, grad)
    root = tensor.grad_fn
    if root is None:
        _accumulate_leaf(tensor, grad)
        return
    grads = {root: grad}
    for node in _topological_order(root):
        grad_out = grads.pop(node, None)
        if node.saved is FREED:
            raise _freed_error(node)
        if grad_out is not None:
            _backward_node(node, grad_out, grads)
        if not retain_graph:
            node.release()


def _backward_node(node, grad_out, grads):
    """Run one node's backward and route each input's gradient to its node or leaf."""
    if node.hooks:
        grad_out = _run_hooks(node.hooks, grad_out)
    grad_inputs = node.backward(grad_out)
    if backward_hooks:
        for hook in backward_hooks:
            hook(node, grad_out, grad_inputs)
    for inp, needed, g in zip(node.inputs, node.needs_input_grad, grad_inputs):
        if not needed or g is None:
            continue
        data = inp.data
        if g.shape != data.shape:
            g = sum_to_shape(g, data.shape)
        if g.dtype is not data.dtype and g.dtype != data.dtype:
            g = g.astype(data.dtype)
        child = inp.grad_fn
        if child is None:
            _accumulate_leaf(inp, g)
        else:
            previous = grads.get(child)
            grads[child] = g if previous is None else previous + g
