"""In-place initialisers, with ``torch.nn.init``'s names, fan and gain semantics.

Every function fills the array of ``tensor`` (a Tensor, Parameter or NumPy array) in place,
draws from chainrule's seeded generator (``chainrule.manual_seed``) unless a NumPy
``generator`` is given, and returns ``tensor``.

The two initialisations of docs/math.md (section 2):

- ``standard_normal_``: N(0, 1) for weights and biases (the first MNIST experiment);
- ``fan_in_normal_``: N(0, 1/n_in) for weights, n_in = fan_in (the [784, 100, 10] one).
"""
import math

import numpy as np

from .. import random as _random
from ..tensor import Tensor


def _array(tensor, where):
    array = tensor._data if isinstance(tensor, Tensor) else tensor
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{where}: expected a Tensor or NumPy array, got {type(tensor).__name__}")
    return array


def _fill(tensor, where, generator, sample):
    """Write ``sample(generator, shape)`` into the tensor's array, keeping its dtype and layout."""
    array = _array(tensor, where)
    array[...] = sample(generator or _random.default_generator(), array.shape)
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for ``nonlinearity`` (PyTorch's table)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel): in * k and out * k."""
    shape = _array(tensor, "calculate_fan_in_and_fan_out").shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out can not be computed for a tensor of shape {shape} "
            "(at least 2 dimensions needed)"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported; use 'fan_in' or 'fan_out'")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """U(a, b)."""
    return _fill(tensor, "uniform_", generator, lambda g, shape: g.uniform(a, b, shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """N(mean, std^2)."""
    return _fill(tensor, "normal_", generator, lambda g, shape: g.normal(mean, std, shape))


def constant_(tensor, val):
    _array(tensor, "constant_").fill(val)
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0)


def ones_(tensor):
    return constant_(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); ``a`` is leaky_relu's slope."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def standard_normal_(tensor, generator=None):
    """N(0, 1): docs/math.md's first experiment draws every weight and bias from it."""
    return normal_(tensor, 0.0, 1.0, generator)


def fan_in_normal_(tensor, generator=None):
    """N(0, 1/n_in) with n_in = fan_in: docs/math.md's scaled weight initialisation, which
    keeps hidden pre-activations near unit variance so sigmoids do not start saturated."""
    fan_in, _ = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in), generator)


__all__ = [
    "calculate_fan_in_and_fan_out", "calculate_gain", "constant_", "fan_in_normal_",
    "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_", "standard_normal_",
    "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_",
]
