"""Max pooling's routing mask: where each window's gradient goes in backward.

A max-pooling window passes its upstream gradient to one input position, its maximum
(the first in row-major window order on a tie, as PyTorch); every other position gets
nothing. The mask counts, per input position, the windows routed there: 0 where no
gradient arrives, 2 or more where overlapping windows share a maximum.
"""
import numpy as np

from ..ops.pooling import MaxPool2d, ReLUMaxPool2d
from ..tensor import Tensor
from .graph import array_of


def routing_mask(pooled):
    """``pooled = max_pool2d(x, ...)`` (x requiring grad) -> an int64 array of x's shape:
    how many windows route their gradient to each position of x. So
    ``dx = sum over windows of dpooled routed to the window's maximum``, and ``heatmap(mask)``
    shows where gradient flows at all."""
    node = getattr(pooled, "grad_fn", None)
    if not isinstance(node, (MaxPool2d, ReLUMaxPool2d)):  # the fused one routes only maxima > 0
        made_by = "no graph" if node is None else f"grad_fn {type(node).__name__}"
        raise TypeError(f"routing_mask: expected the output of max_pool2d on a tensor that requires grad "
                        f"(grad_fn MaxPool2d), got a {type(pooled).__name__} with {made_by}")
    (source,) = node.inputs
    # Re-run the op on a copy and backpropagate ones: each window sends 1 to its maximum.
    probe = Tensor(np.array(array_of(source)), requires_grad=True)
    out = type(node).apply(probe, **node.params)
    out.backward(Tensor(np.ones(out.shape, dtype=out.dtype)))
    return np.asarray(probe.grad).round().astype(np.int64)
