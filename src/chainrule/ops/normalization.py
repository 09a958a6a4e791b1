"""Layer normalization (one fused op) and group normalization (composed from it).

Both normalize each item with its own statistics (no running averages, the same in training
and evaluation): x_hat = (x - mean) / sqrt(var + eps), var biased, then an optional
element-wise scale and shift.
"""
from ..autograd.function import Function, ShapeError
from ..backend import xp
from ..tensor import Tensor
from .arithmetic import Add, Mul
from .shape import Reshape


class LayerNorm(Function):
    """y = x_hat * weight + bias over the last ``normalized_ndim`` axes; ``affine`` says which of
    weight and bias follow x among the inputs ('wb', 'w', 'b' or '')."""

    __slots__ = ("axes", "affine")
    saves_inputs = (1,)  # the weight (x enters as x_hat, a new array)

    def forward(self, x, *weight_bias, normalized_ndim=1, eps=1e-5, affine="wb"):
        self.axes, self.affine = tuple(range(x.ndim - normalized_ndim, x.ndim)), affine
        mean = x.mean(axis=self.axes, keepdims=True)
        x_hat = x - mean
        inv_std = 1 / xp.sqrt(xp.square(x_hat).mean(axis=self.axes, keepdims=True) + eps)
        x_hat *= inv_std
        params = dict(zip(affine, weight_bias))
        self.saved = (x_hat, inv_std, params.get("w"))
        out = x_hat * params["w"] if "w" in params else x_hat.copy()
        if "b" in params:
            out += params["b"]
        return out

    def backward(self, grad):
        """With g = dy * weight: dx = (g - mean(g) - x_hat mean(g x_hat)) / sqrt(var + eps), the
        means over the normalized axes; dweight = sum(dy x_hat), dbias = sum(dy) over the others."""
        x_hat, inv_std, weight = self.saved
        lead = tuple(range(grad.ndim - len(self.axes)))
        g = grad if weight is None else grad * weight
        dx = None
        if self.needs_input_grad[0]:
            dx = g - g.mean(axis=self.axes, keepdims=True)
            dx -= x_hat * (g * x_hat).mean(axis=self.axes, keepdims=True)
            dx *= inv_std
        grads = {"w": (grad * x_hat).sum(axis=lead), "b": grad.sum(axis=lead)}
        return (dx,) + tuple(grads[name] for name in self.affine)


def _shape(x):
    return tuple(x.shape) if isinstance(x, Tensor) else xp.shape(x)


def _affine_inputs(op, weight, bias, expected):
    """(inputs, affine code) for optional weight and bias, each of shape ``expected``."""
    inputs, code = [], ""
    for name, value in (("w", weight), ("b", bias)):
        if value is None:
            continue
        if _shape(value) != expected:
            label = "weight" if name == "w" else "bias"
            raise ShapeError(f"{op}: {label} of shape {_shape(value)} does not match {expected}")
        inputs.append(value)
        code += name
    return inputs, code


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize ``input`` (*, *normalized_shape) over its last len(normalized_shape) axes;
    ``weight`` and ``bias`` have shape ``normalized_shape``."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    shape = _shape(input)
    if not normalized_shape or shape[len(shape) - len(normalized_shape):] != normalized_shape:
        raise ShapeError(f"layer_norm: input of shape {shape} does not end with normalized_shape "
                         f"{normalized_shape}")
    affine, code = _affine_inputs("layer_norm", weight, bias, normalized_shape)
    return LayerNorm.apply(input, *affine, normalized_ndim=len(normalized_shape), eps=eps, affine=code)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize ``input`` (N, C, *) over each group of C/num_groups channels (and all of *);
    ``weight`` and ``bias`` (C,) scale and shift each channel. Composed: layer norm of the
    (N, num_groups, rest) view, reshaped back, times weight plus bias."""
    shape = _shape(input)
    if len(shape) < 2 or num_groups < 1 or shape[1] % num_groups:
        raise ShapeError(f"group_norm: input of shape {shape} must be (N, C, *) with C divisible by "
                         f"num_groups {num_groups}")
    channels = shape[1]
    _affine_inputs("group_norm", weight, bias, (channels,))  # checks the shapes
    grouped = Reshape.apply(input, shape=(shape[0], num_groups, -1))
    out = Reshape.apply(LayerNorm.apply(grouped, normalized_ndim=1, eps=eps, affine=""), shape=shape)
    per_channel = (channels,) + (1,) * (len(shape) - 2)
    if weight is not None:
        out = Mul.apply(out, Reshape.apply(weight, shape=per_channel))
    if bias is not None:
        out = Add.apply(out, Reshape.apply(bias, shape=per_channel))
    return out
