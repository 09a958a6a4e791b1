"""The reverse-mode engine: walk the graph from the output back to the leaves.

No recursion (a chain of 100,000 ops works). A first sweep counts, for every node
reachable from the output, how many reachable nodes consume its value; the backward
sweep then visits a node only once all its consumers have been visited, so its
gradient is complete: every use has added its share ("fan-out adds", section 1 of
docs/math.md). That order is a reverse topological order, found with explicit stacks.
"""
import threading
import weakref

import numpy as np

from ..backend import quiet, sum_to_shape
from ..tensor import Tensor, inplace_changes
from .function import FREED, FreedGraphError, backward_hooks, check_saved_versions

class _Running(threading.local):
    """Per thread (two threads may run a backward each): the callbacks queued
    (queue_callback) during the backward this thread is running; None outside one."""

    final_callbacks = None


_running = _Running()

# Nodes that a backward(retain_graph=True) has visited (a freed node is marked by FREED):
# tools that backpropagate a graph themselves (explain.trace) must not add to .grad twice.
retained = weakref.WeakSet()


def consumer_counts(roots, hooked_leaves=None):
    """{node: number of uses by nodes reachable from ``roots``}, for every reachable node;
    ``hooked_leaves`` (a dict) gets {id(leaf): number of uses} of the leaves with hooks."""
    counts = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        for inp in stack.pop().inputs:
            if isinstance(inp, Tensor):
                child = inp.grad_fn
                if child is None:
                    if inp._hooks and hooked_leaves is not None:
                        hooked_leaves[id(inp)] = hooked_leaves.get(id(inp), 0) + 1
                    continue
                if child in counts:
                    counts[child] += 1
                else:
                    counts[child] = 1
                    stack.append(child)
    return counts


def _run_hooks(hooks, grad):
    """Hooks see the gradient as a Tensor and may return a replacement (Tensor or array)."""
    for hook in hooks:
        result = hook(Tensor._make(grad, False, None))
        if result is not None:
            grad = np.asarray(result._data if isinstance(result, Tensor) else result)
    return grad


def _accumulate_leaf(leaf, grad, owned=False):
    """Leaves sum gradients across backward calls, in their own dtype and layout.

    ``leaf.grad`` is a Tensor wrapping one array that later backward calls add into. A
    first gradient is copied, unless ``owned`` (nothing else refers to it: see
    ``Function.fresh_grads``) and already in the leaf's dtype and strides: then it
    becomes ``.grad``'s array as it is, saving a pass over every parameter per step."""
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad)
        owned = False  # a hook may return an array its caller keeps
    accumulated = leaf._grad
    if accumulated is None:
        data = leaf._data
        if not (owned and grad.dtype == data.dtype and grad.strides == data.strides):
            copy = np.empty_like(data)
            np.copyto(copy, grad)
            grad = copy
        leaf._grad = Tensor._make(grad, False, None)
    else:
        np.add(accumulated._data, grad, out=accumulated._data)


def _initial_grad(tensor, grad):
    if grad is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a scalar output, but the "
                f"output has shape {tensor.shape}; pass grad= of that shape"
            )
        ones = np.empty_like(tensor._data)  # not ones_like: two Python calls more
        ones.fill(1)
        return ones
    grad = grad._data if isinstance(grad, Tensor) else np.asarray(grad)
    if grad.shape != tensor._data.shape:
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


def _arity_error(node, grad_inputs):
    return RuntimeError(
        f"{node.op_name()}: backward returned {len(grad_inputs)} gradients for "
        f"{len(node.inputs)} inputs; return one (or None) per positional input"
    )  # fewer would silently drop gradients (extra ones, for absent optional inputs, are ignored)


def queue_callback(callback):
    """Call ``callback()`` once the running backward has accumulated every gradient, before
    it returns (PyTorch's ``Variable._execution_engine.queue_callback``): a gradient hook
    uses it to finish work that needs all of them (``DistributedDataParallel`` waits for
    its allreduces there). Only valid during a backward."""
    if _running.final_callbacks is None:
        raise RuntimeError("queue_callback: final callbacks can only be queued during a backward pass")
    _running.final_callbacks.append(callback)


def backward(tensor, grad=None, retain_graph=False):
    """Accumulate d(tensor)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is the upstream gradient (needed when ``tensor`` is not a scalar). Unless
    ``retain_graph``, every node's saved values are freed once it has been visited; with
    it, the visited nodes join ``retained``. Callbacks queued by ``queue_callback`` during
    it run at its end, in order.
    """
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no grad_fn; create the "
            "inputs with requires_grad=True (and not under no_grad)"
        )
    grad = _initial_grad(tensor, grad)
    outer = _running.final_callbacks  # a hook may run a backward of its own
    queued = _running.final_callbacks = []
    try:
        if tensor.grad_fn is None:
            _accumulate_leaf(tensor, grad)
        else:
            walk({tensor.grad_fn: grad}, retain_graph, _accumulate_leaf)
        while queued:
            queued.pop(0)()
    finally:
        _running.final_callbacks = outer


def _observe(node, grad, watched):
    """The gradient of ``node``'s output after its hooks (which may replace it), shown to
    ``node``'s watcher, if any."""
    if node.hooks:
        grad = _run_hooks(node.hooks, grad)
    if watched and node in watched:
        watched[node](grad)
    return grad


def _conform(grad, data):
    """An input's gradient in the input's shape (broadcasting undone, once, here) and dtype."""
    if grad.shape != data.shape:
        grad = sum_to_shape(grad, data.shape)
    if grad.dtype != data.dtype:
        grad = grad.astype(data.dtype)
    return grad


def _hold(leaf, g, owned, hooked, held, deliver):
    """Add one use's share ``g`` (None: no gradient from that use) of a hooked leaf; deliver
    the sum at its last use."""
    key = id(leaf)
    if g is not None:
        total = held.get(key)
        held[key] = (g, owned) if total is None else (total[0] + g, True)
    hooked[key] -= 1
    if not hooked[key]:
        del hooked[key]
        total = held.pop(key, None)
        if total is not None:
            deliver(leaf, *total)


@quiet  # once per backward, not per node: 1/0 in a derivative is inf silently, as in PyTorch
def walk(seeds, retain_graph, deliver, watched=None):
    """Backpropagate from ``seeds`` ({node: gradient of its output}) in reverse topological
    order; each leaf's gradient goes to ``deliver(leaf, grad, owned)``. ``watched`` maps
    nodes to callables that get the complete gradient of the node's output. A leaf with hooks
    gets its gradient once, summed over its uses, when the last use is visited (its hooks see
    the total, as PyTorch's do); every other leaf gets each use's share at once."""
    hooked = {}  # id(leaf with hooks) -> uses not visited yet
    pending = consumer_counts(seeds, hooked)
    held = {}  # id(leaf with hooks) -> (the sum of its shares so far, whether it is owned)
    grads = dict(seeds)
    ready = []  # a loop, not a comprehension: one frame fewer per backward
    for node in seeds:
        if not pending[node]:
            ready.append(node)
    pop, push = ready.pop, ready.append
    while ready:
        node = pop()
        if node.saved is FREED:
            raise _freed_error(node)
        inputs = node.inputs
        grad_out = grads.pop(node, None)
        if grad_out is None:  # no gradient reached this node: none flows to its inputs
            grad_inputs = (None,) * len(inputs)
        else:
            if node.hooks or watched:
                grad_out = _observe(node, grad_out, watched)
            if node.epoch != inplace_changes[0]:  # something changed in place since forward
                check_saved_versions(node, grad_out)
            grad_inputs = node.backward(grad_out)
            if len(grad_inputs) < len(inputs):
                raise _arity_error(node, grad_inputs)
            if backward_hooks:
                for hook in backward_hooks:
                    hook(node, grad_out, grad_inputs)
        owned = node.fresh_grads and not backward_hooks  # hooks may keep what they saw
        for inp, needed, g in zip(inputs, node.needs_input_grad, grad_inputs):
            if not needed:  # a constant, or a tensor without grad (hence without grad_fn)
                continue
            child = inp.grad_fn
            if g is not None:
                data = inp._data
                if g.shape != data.shape or g.dtype is not data.dtype:
                    g = _conform(g, data)
                if child is None:
                    if hooked and id(inp) in hooked:
                        _hold(inp, g, owned, hooked, held, deliver)
                    else:
                        deliver(inp, g, owned)
                    continue
                previous = grads.get(child)
                grads[child] = g if previous is None else previous + g
            elif child is None:
                if hooked and id(inp) in hooked:
                    _hold(inp, None, owned, hooked, held, deliver)
                continue
            uses = pending[child] - 1
            pending[child] = uses
            if not uses:  # every consumer has added its share
                push(child)
        if not retain_graph:
            node.saved = FREED  # drop what forward cached: backward no longer needs it
    if retain_graph:
        retained.update(pending)
