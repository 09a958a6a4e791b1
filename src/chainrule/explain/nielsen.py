"""Backpropagation by the four equations BP1-BP4 (Nielsen, ch. 2; docs/math.md, section 2).

    result = backprop(model, x, y, cost="quadratic")
    result.deltas[-1]        # delta^L, the output error (BP1)
    result.grads["0.weight"] # dC/dw^1, equal to autograd's

The network is an ``nn.Sequential`` of ``Linear`` layers and element-wise activations
(see ``chainrule.explain.mlp``). ``x`` of shape (n_0,) is one example: every z^l, a^l
and delta^l is a vector. ``x`` of shape (m, n_0) is a mini-batch in matrix form: the
examples are the *columns* of every Z^l, A^l and Delta^l (shape (n_l, m)), each
equation is one matrix product for the whole batch, and the gradients are those of the
mean cost, (1/m) sum_x delta^{x,l} (a^{x,l-1})^T.
"""
import numpy as np

from .mlp import as_columns, dense_layers, output_gradient, weight_and_bias_grads


class BackpropResult:
    """``zs`` (z^1..z^L), ``activations`` (a^0 = x, a^1..a^L), ``deltas`` (delta^1..delta^L),
    ``grads`` (keyed like ``model.named_parameters()``) and ``cost`` (the mean cost)."""

    def __init__(self, zs, activations, deltas, grads, cost):
        self.zs, self.activations, self.deltas, self.grads, self.cost = zs, activations, deltas, grads, cost

    def _repr_html_(self):
        from .html import layers_html

        weights = [g for k, g in self.grads.items() if k.endswith("weight")]
        biases = [g for k, g in self.grads.items() if k.endswith("bias")]
        return layers_html(f"the four equations (BP1-BP4), cost {self.cost:.6g}", [
            ("z^l", self.zs), ("a^l", self.activations[1:]), ("delta^l", self.deltas),
            ("dC/dw^l", weights), ("dC/db^l", biases)])

    def __repr__(self):
        sizes = [a.shape[0] for a in self.activations]
        return f"BackpropResult(sizes={sizes}, cost={self.cost:.6g})"


def backprop(model, x, y, cost="quadratic"):
    """Run the feedforward pass and BP1-BP4 explicitly; returns a ``BackpropResult``."""
    layers = dense_layers(model, "nielsen.backprop")
    a, m = as_columns(x, layers, "nielsen.backprop")
    batch = m is not None
    zs, activations, primes = [], [a], []
    for layer in layers:  # feedforward: z^l = w^l a^{l-1} + b^l, a^l = sigma(z^l)
        b = layer.bias_column(a.dtype)
        z = layer.weight @ a + (b[:, None] if batch else b)
        a, prime = layer.activation(z)
        zs.append(z)
        activations.append(a)
        primes.append(prime)
    grad_a, mean_cost = output_gradient(a, y, cost, m, "nielsen.backprop")
    deltas = [None] * len(layers)
    deltas[-1] = grad_a * primes[-1]                                       # BP1
    for l in range(len(layers) - 2, -1, -1):
        deltas[l] = (layers[l + 1].weight.T @ deltas[l + 1]) * primes[l]   # BP2
    grads = {}
    for layer, delta, a_prev in zip(layers, deltas, activations):
        if batch:  # the mean over the batch: (1/m) sum_x delta^x (a^x)^T as one product
            weight_and_bias_grads(layer, grads, delta @ a_prev.T / m, delta.sum(axis=1) / m)
        else:      # BP4 dC/dw = delta (a^{l-1})^T, BP3 dC/db = delta
            weight_and_bias_grads(layer, grads, np.outer(delta, a_prev), delta)
    return BackpropResult(zs, activations, deltas, grads, mean_cost)
