"""``chainrule.autograd.grad``: gradients of outputs with respect to chosen inputs, returned
instead of accumulated into ``.grad``, as ``torch.autograd.grad``."""
import numpy as np

from ..tensor import Tensor
from .engine import _initial_grad, _run_hooks, walk


def _as_tuple(value, what):
    if isinstance(value, Tensor):
        return (value,)
    try:
        values = tuple(value)
    except TypeError:
        raise TypeError(f"grad: {what} must be a Tensor or a sequence of Tensors, got {type(value).__name__}") from None
    for v in values:
        if not isinstance(v, Tensor):
            raise TypeError(f"grad: {what} must be Tensors, got {type(v).__name__}")
    return values


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """d(outputs)/d(inputs): one Tensor per input (None for an unused input when
    ``allow_unused``). ``grad_outputs`` weights each output (needed for non-scalar ones);
    no tensor's ``.grad`` changes. ``retain_graph`` defaults to ``create_graph``.
    """
    if create_graph:
        raise NotImplementedError(
            "grad: create_graph=True (gradients that are themselves differentiable) is not "
            "supported: chainrule's backward rules compute NumPy arrays, not graphs"
        )
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad (one of the differentiated Tensors)")
    results = [None] * len(inputs)

    def add(index, g):
        results[index] = np.array(g) if results[index] is None else results[index] + g

    leaves = {id(t): i for i, t in enumerate(inputs) if t.grad_fn is None}
    watched = {t.grad_fn: (lambda g, i=i: add(i, g)) for i, t in enumerate(inputs) if t.grad_fn is not None}

    def deliver(leaf, g, owned=False):
        index = leaves.get(id(leaf))
        if index is not None:
            add(index, _run_hooks(leaf._hooks, g) if leaf._hooks else g)

    seeds = {}
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad and has no grad_fn")
        g = _initial_grad(out, g)
        if out.grad_fn is None:
            deliver(out, g)
        else:
            previous = seeds.get(out.grad_fn)
            seeds[out.grad_fn] = g if previous is None else previous + g
    if seeds:
        walk(seeds, bool(retain_graph), deliver, watched)
    for i, r in enumerate(results):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} appears to not have been used in the graph; set "
                "allow_unused=True if this is the desired behavior"
            )
    return tuple(None if r is None else Tensor._make(r, False, None) for r in results)
