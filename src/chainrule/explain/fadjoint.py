"""The F-adjoint formulation of backpropagation (Boughammoura 2023; docs/math.md, section 3).

Biases are folded into the weights: W^l = [w^l | b^l] of shape (n_l, n_{l-1} + 1), and
every activation vector fed to a layer gets a constant last component 1.

- F-propagation: X^0 = [x; 1]; Y^l = W^l X^{l-1}; X^l = [sigma(Y^l); 1] for l < L and
  X^L = sigma(Y^L), the network output.
- F-adjoint, from X*^L = dJ/dX^L: Y*^l = X*^l (.) sigma'(Y^l) and
  X*^{l-1} = (W#^l)^T Y*^l, W#^l being W^l without its bias column.
- dJ/dW^l = Y*^l (X^{l-1})^T: its last column is dJ/db^l, the rest dJ/dw^l.

J is the cost of the example, or the mean cost of a mini-batch ``x`` of shape (m, n_0),
whose examples are columns (so X*^L carries the 1/m and no other step divides). With
``reduction="sum"`` J is the sum over the batch instead, as in the paper's XOR example: no 1/m.
"""
import numpy as np

from .mlp import as_columns, dense_layers, output_gradient, weight_and_bias_grads


class FAdjointResult:
    """``X`` (X^0..X^L), ``Y`` (Y^1..Y^L), ``X_star`` (X*^0..X*^L), ``Y_star`` (Y*^1..Y*^L),
    ``W`` (the folded W^l), ``grads`` (keyed like ``model.named_parameters()``), ``cost``."""

    def __init__(self, X, Y, X_star, Y_star, W, grads, cost):
        self.X, self.Y, self.X_star, self.Y_star, self.W = X, Y, X_star, Y_star, W
        self.grads, self.cost = grads, cost

    def _repr_html_(self):
        from .html import layers_html

        return layers_html(f"F-propagation and F-adjoint, cost {self.cost:.6g}", [
            ("Y^l", self.Y), ("X^l", self.X[1:]), ("Y*^l", self.Y_star), ("X*^(l-1)", self.X_star[:-1]),
            ("W^l", self.W)])

    def __repr__(self):
        return f"FAdjointResult(layers={len(self.Y)}, cost={self.cost:.6g})"


def _with_one(a):
    """Append the constant component 1 (a row of ones for a batch of columns)."""
    return np.concatenate([a, np.ones((1,) + a.shape[1:], dtype=a.dtype)])


def fadjoint(model, x, y, cost="quadratic", reduction="mean"):
    """F-propagation and F-adjoint of ``x``; returns an ``FAdjointResult``. ``reduction``: the
    batch's cost J is the "mean" or the "sum" of its examples' costs."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"fadjoint: reduction must be 'mean' or 'sum', got {reduction!r}")
    layers = dense_layers(model, "fadjoint")
    x0, m = as_columns(x, layers, "fadjoint")
    W = [np.concatenate([layer.weight, layer.bias_column(x0.dtype)[:, None]], axis=1) for layer in layers]
    X, Y, primes = [_with_one(x0)], [], []
    for l, layer in enumerate(layers):                 # F-propagation
        Y.append(W[l] @ X[-1])
        out, prime = layer.activation(Y[-1])
        X.append(out if l == len(layers) - 1 else _with_one(out))
        primes.append(prime)
    grad_out, mean_cost = output_gradient(X[-1], y, cost, m, "fadjoint")
    count = 1 if m is None or reduction == "sum" else m
    X_star = [None] * (len(layers) + 1)
    Y_star = [None] * len(layers)
    X_star[-1] = grad_out / count                       # X*^L = dJ/dX^L
    for l in range(len(layers) - 1, -1, -1):           # F-adjoint
        Y_star[l] = X_star[l + 1] * primes[l]
        X_star[l] = W[l][:, :-1].T @ Y_star[l]         # W#^l: the bias column has no adjoint
    grads = {}
    for layer, y_star, x_prev in zip(layers, Y_star, X):  # the theorem: dJ/dW^l = Y*^l (X^{l-1})^T
        dW = np.outer(y_star, x_prev) if m is None else y_star @ x_prev.T
        weight_and_bias_grads(layer, grads, dW[:, :-1], dW[:, -1])
    total = mean_cost * (1 if m is None or reduction == "mean" else m)
    return FAdjointResult(X, Y, X_star, Y_star, W, grads, total)
