"""All parameters as one flat vector and back, as ``torch.nn.utils.parameters_to_vector``."""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...ops import cat
from ...tensor import Tensor


def _check_tensor(value, where):
    if not isinstance(value, Tensor):
        raise TypeError(f"{where}: expected chainrule.Tensor, but got: {type(value).__name__}")


def parameters_to_vector(parameters):
    """The parameters, each flattened, joined into one 1-d Tensor (differentiable, a new array)."""
    flat = []
    for p in parameters:
        _check_tensor(p, "parameters_to_vector")
        flat.append(p.reshape(-1))
    return cat(flat)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d ``vec`` into the parameters, in place (each gets
    ``p.numel()`` values in its own shape and dtype)."""
    _check_tensor(vec, "vector_to_parameters")
    values = np.asarray(vec)
    if values.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-d vector, got shape {values.shape}")
    parameters = list(parameters)
    needed = sum(int(np.prod(p.shape)) for p in parameters)
    if needed != values.size:
        raise ValueError(f"vector_to_parameters: the vector has {values.size} values, the parameters "
                         f"need {needed}")
    start = 0
    with no_grad():
        for p in parameters:
            _check_tensor(p, "vector_to_parameters")
            target = np.asarray(p)
            target[...] = values[start:start + target.size].reshape(target.shape)
            start += target.size
