"""What ``nielsen`` and ``fadjoint`` share: a fully connected network read as layers.

A network is an ``nn.Sequential`` of ``Linear`` layers, each optionally followed by one
element-wise activation (Sigmoid, Tanh, ReLU; none means the identity), optionally after
a leading ``Flatten`` (as the models of ``chainrule.models`` have). Costs: "quadratic"
(C = 1/2 ||a^L - y||^2 per example, ``y`` one-hot or class indices) and "cross_entropy"
(softmax of the network output, ``y`` class indices); a batch costs the mean.
"""
import numpy as np

from ..ops.elementwise import sigmoid_array
from ..ops.softmax import softmax_array
from ..tensor import Tensor

COSTS = ("quadratic", "cross_entropy")


def _sigmoid(z):
    s = sigmoid_array(z)
    return s, s * (1 - s)


def _tanh(z):
    t = np.tanh(z)
    return t, 1 - t * t


def _relu(z):
    return np.maximum(z, 0), (z > 0).astype(z.dtype)


def _identity(z):
    return z, np.ones_like(z)


# activation name -> function returning (sigma(z), sigma'(z))
ACTIVATIONS = {"Sigmoid": _sigmoid, "Tanh": _tanh, "ReLU": _relu, "identity": _identity}


class Layer:
    """One fully connected layer: ``weight`` (n_l, n_{l-1}), ``bias`` (n_l,) or None,
    their names in ``named_parameters()``, and ``activation`` (z -> (sigma, sigma'))."""

    __slots__ = ("weight", "bias", "weight_name", "bias_name", "activation", "activation_name")

    def __init__(self, linear, names):
        self.weight = linear.weight._data
        self.bias = None if linear.bias is None else linear.bias._data
        self.weight_name = names[id(linear.weight)]
        self.bias_name = None if linear.bias is None else names[id(linear.bias)]
        self.activation_name = "identity"
        self.activation = _identity

    def bias_column(self, dtype):
        return np.zeros(self.weight.shape[0], dtype) if self.bias is None else self.bias


def dense_layers(model, caller):
    """The model as a list of ``Layer``; a clear error for anything else."""
    from ..nn import Flatten, Linear, Sequential

    if not isinstance(model, Sequential):
        raise TypeError(f"{caller}: expected an nn.Sequential of Linear layers and activations, "
                        f"got {type(model).__name__}")
    names = {id(p): name for name, p in model.named_parameters()}
    layers = []
    for index, module in enumerate(model):
        kind = type(module).__name__
        if isinstance(module, Flatten) and not layers:
            continue
        if isinstance(module, Linear):
            layers.append(Layer(module, names))
        elif kind in ACTIVATIONS and layers and layers[-1].activation_name == "identity":
            layers[-1].activation_name, layers[-1].activation = kind, ACTIVATIONS[kind]
        else:
            where = "must follow a Linear layer" if kind in ACTIVATIONS else \
                "is not a Linear layer or an element-wise activation (Sigmoid, Tanh, ReLU)"
            raise TypeError(f"{caller}: module {index} ({kind}) {where}")
    if not layers:
        raise ValueError(f"{caller}: the model has no Linear layer")
    return layers


def as_columns(x, layers, caller):
    """``x`` as Nielsen's column form in the weights' dtype: (n_0,) or (n_0, m); and m (None
    for a single example, which must be a vector; a batch (m, ...) is flattened)."""
    a = np.asarray(x._data if isinstance(x, Tensor) else x, dtype=layers[0].weight.dtype)
    if a.ndim > 2:
        a = a.reshape(a.shape[0], -1)
    n_in = layers[0].weight.shape[1]
    if a.ndim not in (1, 2) or a.shape[-1] != n_in:
        raise ValueError(f"{caller}: x must have shape ({n_in},) or (m, {n_in}), got {a.shape}")
    return (a, None) if a.ndim == 1 else (a.T, a.shape[0])


def output_gradient(output, y, cost, m, caller):
    """dC_x/d(a^L) per example, in the layout of ``output`` (columns for a batch), and the
    mean cost. Quadratic: a^L - y; cross-entropy: softmax(a^L) - onehot(y)."""
    if cost not in COSTS:
        raise ValueError(f"{caller}: cost must be one of {', '.join(COSTS)}, got {cost!r}")
    n_out = output.shape[0]
    labels = np.asarray(y._data if isinstance(y, Tensor) else y)
    if labels.dtype.kind in "iu":
        expected = () if m is None else (m,)
        if labels.shape != expected or labels.min() < 0 or labels.max() >= n_out:
            raise ValueError(f"{caller}: class indices y must have shape {expected} with values in "
                             f"[0, {n_out}), got shape {labels.shape}")
        target = np.eye(n_out, dtype=output.dtype)[labels]
    elif cost == "cross_entropy":
        raise ValueError(f"{caller}: the cross_entropy cost takes class indices y, got dtype {labels.dtype}")
    else:
        target = labels.astype(output.dtype, copy=False)
        if target.shape != (output.shape[::-1] if m is not None else output.shape):
            raise ValueError(f"{caller}: one-hot y must have the output's shape, got {target.shape}")
    target = target if m is None else target.T
    count = 1 if m is None else m
    if cost == "quadratic":
        diff = output - target
        return diff, 0.5 * float(np.sum(diff * diff)) / count
    probs = softmax_array(output, 0)
    log_probs = np.log(np.sum(probs * target, axis=0))
    return probs - target, -float(np.sum(log_probs)) / count


def weight_and_bias_grads(layer, grads, dW, db):
    """Store a layer's gradients under its parameter names."""
    grads[layer.weight_name] = dW
    if layer.bias_name is not None:
        grads[layer.bias_name] = db
