"""The fully connected layer y = x W^T + b as one fused op (docs/math.md, section 2).

``Linear`` does the whole layer in one node: one matrix product forward and, backward,
one for dW, one for dx (skipped when x needs no gradient) and a sum for db.
``linear_composed`` builds the same value from matmul, transpose and add; tests compare
the two.
"""
from ..autograd.function import Function, ShapeError
from ..backend import xp
from .arithmetic import Add, MatMul
from .shape import Permute


def _check(x, weight, bias):
    if weight.ndim != 2 or x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {x.shape} does not match weight of shape {weight.shape} "
            "(expected input (*, in_features) and weight (out_features, in_features))"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ShapeError(
            f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape} "
            f"(expected ({weight.shape[0]},))"
        )


class Linear(Function):
    """y = x W^T + b; x (*, in), W (out, in), b (out,) optional, y (*, out)."""

    __slots__ = ()
    saves_inputs = (0, 1)
    saves_crosswise = True
    fresh_grads = True  # backward returns new products and sums only

    def forward(self, x, weight, bias=None):
        _check(x, weight, bias)
        self.saved = (x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(self, grad):
        """BP4, BP3 summed over the batch: dW = dY^T X, db = sum_n dY; dX = dY W (BP2's product)."""
        x, weight = self.saved
        need = self.needs_input_grad
        grad = xp.ascontiguousarray(grad)  # e.g. a broadcast from sum(): BLAS needs real strides
        grad_2d = grad if grad.ndim == 2 else grad.reshape(-1, grad.shape[-1])
        grad_x = grad @ weight if need[0] else None
        grad_w = grad_2d.T @ (x if x.ndim == 2 else x.reshape(-1, x.shape[-1])) if need[1] else None
        grad_b = grad_2d.sum(axis=0) if len(need) > 2 and need[2] else None
        return grad_x, grad_w, grad_b


def linear_composed(x, weight, bias=None):
    """The reference: matmul(x, W^T) + b, three recorded ops instead of one."""
    out = MatMul.apply(x, Permute.apply(weight, dims=(1, 0)))
    return out if bias is None else Add.apply(out, bias)
