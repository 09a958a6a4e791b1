"""In-place Tensor methods (``zero_``, ``add_``, ``copy_``, ``uniform_``, ...), as in PyTorch.

Each writes into the tensor's own array, bumps its version counter (shared with its
``.detach()``; ``.data`` has its own, as in PyTorch) and returns the tensor. Backward
compares the counters of the tensors an op saved with the versions recorded at forward,
so a saved value changed in place is an error, not a silently wrong gradient
(``Function.apply`` records them in autograd/function.py; the engine's ``walk`` compares).

No graph is recorded for an in-place change: on a tensor that requires grad they are
allowed only under ``chainrule.no_grad()`` (or on ``.data``), like optimizer updates.
"""
import numpy as np

from . import random as _random
from .autograd.grad_mode import _mode as _grad_mode
from .ops.indexing import along_dim
from .tensor import CHANGES_KEPT, Tensor, inplace_changes


def check_writable(tensor, name):
    """Refuse an in-place change that would need a graph: PyTorch's error for a leaf,
    a clear 'not supported' for a non-leaf (chainrule does not rewrite graphs)."""
    if tensor.requires_grad and _grad_mode.enabled:
        if tensor.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                f"({name}: do it under chainrule.no_grad() or on .data)"
            )
        instead = f"the out-of-place y = y.{name[:-1]}(...)" if name.endswith("_") else "an op"
        raise RuntimeError(
            f"{name}: in-place operations on a non-leaf tensor that requires grad are not "
            f"supported yet (no graph is recorded for them); use {instead} or work on .detach()"
        )


def bump_version(tensor):
    """Count one in-place change of ``tensor``'s memory (its counter: see ``inplace_changes``)."""
    counter = tensor._version_counter or tensor._counter()
    inplace_changes[0] += 1
    counter[0] += 1
    counter[1] = (inplace_changes[0],) + counter[1][:CHANGES_KEPT - 1]


def _array(value):
    return value._data if isinstance(value, Tensor) else value


def write(tensor, name, ufunc, *operands):
    """``ufunc(tensor, *operands)`` into the tensor's array, with errors naming ``name``."""
    check_writable(tensor, name)
    data = tensor._data
    try:
        ufunc(data, *(_array(o) for o in operands), out=data)
    except (TypeError, ValueError) as exc:
        error = TypeError if isinstance(exc, TypeError) else ValueError
        shapes = ", ".join(str(np.shape(_array(o))) for o in operands)
        raise error(
            f"{name}: {exc} (tensor of shape {tensor.shape}, dtype {tensor.dtype}; "
            f"operand shapes {shapes or 'none'})"
        ) from None
    bump_version(tensor)
    return tensor


def _scaled(other, alpha):
    return other if alpha == 1 else _array(other) * alpha


def add_(self, other, *, alpha=1):
    """self += alpha * other."""
    return write(self, "add_", np.add, _scaled(other, alpha))


def sub_(self, other, *, alpha=1):
    """self -= alpha * other."""
    return write(self, "sub_", np.subtract, _scaled(other, alpha))


def mul_(self, other):
    return write(self, "mul_", np.multiply, other)


def div_(self, other, *, rounding_mode=None):
    """self /= other; ``rounding_mode`` None (true division), 'trunc' or 'floor', as in PyTorch."""
    if rounding_mode is None:
        return write(self, "div_", np.divide, other)
    if rounding_mode == "floor":
        return write(self, "div_", np.floor_divide, other)
    if rounding_mode == "trunc":
        quotient = np.trunc(np.divide(self._data, _array(other)))
        return copy_(self, quotient, where="div_")
    raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")


def pow_(self, exponent):
    return write(self, "pow_", np.power, exponent)


def addcmul_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 * tensor2."""
    return write(self, "addcmul_", np.add, _scaled(np.multiply(_array(tensor1), _array(tensor2)), value))


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 / tensor2."""
    return write(self, "addcdiv_", np.add, _scaled(np.divide(_array(tensor1), _array(tensor2)), value))


def lerp_(self, end, weight):
    """self += weight * (end - self)."""
    step = np.multiply(_array(weight), np.subtract(_array(end), self._data))
    return write(self, "lerp_", np.add, step)


def copy_(self, src, non_blocking=False, *, where="copy_"):
    """The values of ``src`` (broadcast to this shape, cast to this dtype), as in PyTorch."""
    check_writable(self, where)
    try:
        np.copyto(self._data, _array(src), casting="unsafe")
    except ValueError:
        raise ValueError(
            f"{where}: the source of shape {np.shape(_array(src))} cannot be broadcast to the "
            f"tensor's shape {self.shape}"
        ) from None
    bump_version(self)
    return self


def fill_(self, value):
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            f"fill_: only supports a 0-dimension value tensor, got one of shape {value.shape}"
        )
    return copy_(self, value, where="fill_")


def zero_(self):
    return copy_(self, 0, where="zero_")


def clamp_(self, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    if max is None:
        return write(self, "clamp_", np.maximum, min)
    if min is None:
        return write(self, "clamp_", np.minimum, max)
    return write(self, "clamp_", np.clip, min, max)


def masked_fill_(self, mask, value):
    """``value`` where ``mask`` (broadcast to this shape) holds, as PyTorch."""
    check_writable(self, "masked_fill_")
    try:
        np.copyto(self._data, _array(value), casting="unsafe", where=np.asarray(_array(mask), dtype=bool))
    except ValueError:
        raise ValueError(f"masked_fill_: the mask of shape {np.shape(_array(mask))} cannot be broadcast to the "
                         f"tensor's shape {self.shape}") from None
    bump_version(self)
    return self


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """self[index[i][j]][j] = src[i][j] for dim 0 (likewise for the other dims); ``src`` a
    tensor (its leading part of index's shape is read, as PyTorch reads it) or a number."""
    if reduce is not None:
        raise ValueError("scatter_: reduce= is not supported")
    if (src is None) == (value is None):
        raise TypeError("scatter_: give exactly one of src (a tensor or a number) and value")
    check_writable(self, "scatter_")
    source, index = _array(value if src is None else src), np.asarray(_array(index))
    if np.ndim(source):
        source = source[tuple(slice(0, n) for n in index.shape)]
    self._data[along_dim(self.shape, index, dim % max(self.ndim, 1), "scatter_")] = source
    bump_version(self)
    return self


def _random_fill(self, name, draw, generator):
    if self.dtype.kind != "f":
        raise TypeError(f"{name}: expects a floating point tensor, got dtype {self.dtype}")
    generator = _random.default_generator() if generator is None else generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{name}: generator must be a NumPy Generator, got {type(generator).__name__}")
    return copy_(self, draw(generator), where=name)


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Uniform on [a, b), from chainrule's generator (``manual_seed``) unless ``generator``."""
    if not a <= b:
        raise ValueError(f"uniform_: expects a <= b, got a={a} and b={b}")
    return _random_fill(self, "uniform_", lambda g: g.uniform(a, b, self.shape), generator)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Normal with ``mean`` and ``std``, from chainrule's generator unless ``generator``."""
    if not std >= 0:
        raise ValueError(f"normal_: expects std >= 0.0, got std={std}")
    return _random_fill(self, "normal_", lambda g: g.normal(mean, std, self.shape), generator)


def _unary(name, ufunc):
    def method(self):
        return write(self, name, ufunc)

    method.__name__ = name
    method.__doc__ = f"In-place {name.rstrip('_')}."
    return method


def _sigmoid(x, out):
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _relu(x, out):
    return np.maximum(x, 0, out=out)


UNARY = {
    "neg_": np.negative, "exp_": np.exp, "log_": np.log, "sqrt_": np.sqrt, "abs_": np.abs,
    "sin_": np.sin, "cos_": np.cos, "tanh_": np.tanh, "sigmoid_": _sigmoid, "relu_": _relu,
}
METHODS = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "pow_": pow_, "addcmul_": addcmul_,
    "addcdiv_": addcdiv_, "lerp_": lerp_, "copy_": copy_, "fill_": fill_, "zero_": zero_,
    "clamp_": clamp_, "clip_": clamp_, "uniform_": uniform_, "normal_": normal_,
    "masked_fill_": masked_fill_, "scatter_": scatter_,
    **{name: _unary(name, ufunc) for name, ufunc in UNARY.items()},
}
