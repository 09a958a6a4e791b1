"""``torch.autograd.Variable``, for code written before PyTorch 0.4 merged it into Tensor."""
from ..tensor import Tensor


def Variable(data, requires_grad=False, volatile=False):  # noqa: N802  (PyTorch's name)
    """``data`` as a leaf tensor sharing its memory, with ``requires_grad`` set (PyTorch
    returns a Tensor too); ``volatile`` is accepted and means nothing, as in PyTorch."""
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable: data must be a Tensor, got {type(data).__name__}")
    return data.detach().requires_grad_(requires_grad)
