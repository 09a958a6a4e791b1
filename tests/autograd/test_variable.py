"""autograd.Variable, as PyTorch keeps it for old code: a Tensor sharing the data."""
import pytest

import chainrule as cr


def test_variable_is_a_leaf_sharing_memory():
    x = cr.tensor([1.0, 2.0])
    v = cr.autograd.Variable(x, requires_grad=True)
    assert isinstance(v, cr.Tensor) and v.requires_grad and v.is_leaf
    (v * v).sum().backward()
    assert v.grad.tolist() == [2.0, 4.0] and not x.requires_grad
    with cr.no_grad():
        v.mul_(3)
    assert x.tolist() == [3.0, 6.0]
    assert not cr.autograd.Variable(x).requires_grad
    with pytest.raises(TypeError, match="Variable: data must be a Tensor, got list"):
        cr.autograd.Variable([1.0])
