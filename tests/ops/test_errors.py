"""Whole error messages, compared exactly (the registry checks fragments of every op's errors)."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F


@pytest.mark.parametrize("call, message", [
    (lambda: cr.randn(32, 784) @ cr.randn(30, 784),
     "matmul: shapes (32, 784) and (30, 784) are not aligned (784 != 30)"),
    (lambda: cr.ones(2, 3) + cr.ones(4), "add: shapes (2, 3) and (4,) cannot be broadcast together"),
    (lambda: cr.ones(2, 3).reshape(4, 2), "reshape: cannot reshape a tensor of shape (2, 3) into (4, 2)"),
    (lambda: cr.clamp(cr.ones(2), min=float("nan")), "clamp: min must be a finite number, got nan"),
    (lambda: cr.leaky_relu(cr.ones(2), float("-inf")), "leaky_relu: negative_slope must be a finite number, got -inf"),
])
def test_exact_messages(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


def test_requires_grad_on_an_integer_tensor():
    with pytest.raises(TypeError) as info:
        cr.arange(3).requires_grad_()
    assert str(info.value) == "only floating point tensors can require gradients, got dtype int64"


def test_unsupported_operand_type():
    with pytest.raises(TypeError) as info:
        cr.ones(2) * {"a": 1}
    assert str(info.value) == (
        "mul: unsupported operand of type dict; expected a Tensor, a NumPy array or a Python number"
    )


@pytest.mark.parametrize("call, message", [
    (lambda: cr.ones(4).reshape(2.5, 2), "reshape: sizes must be integers, got 2.5 of type float in (2.5, 2)"),
    (lambda: cr.ones(6).view((2.5, 2)), "view: sizes must be integers, got 2.5 of type float in (2.5, 2)"),
    (lambda: cr.ones(1).expand(True), "expand: sizes must be integers, got True of type bool in (True,)"),
])
def test_non_integer_sizes_are_rejected_not_truncated(call, message):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == message


def test_numpy_integer_sizes_are_accepted():
    x = cr.ones(6)
    assert x.reshape(np.int64(2), np.int32(3)).shape == (2, 3)
    assert x.view((np.int8(3), -1)).shape == (3, 2)
    assert cr.ones(1).expand(np.uint8(4)).shape == (4,)


def test_a_worded_dtype_error_passes_through_apply_unchanged():
    with pytest.raises(cr.autograd.DTypeError) as info:
        F.cross_entropy(cr.ones(2, 3), np.array([0.0, 1.0]))
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (
        "cross_entropy: target must hold class indices of an integer dtype (int64), "
        "got dtype float64 of shape (2,)"
    )


def test_class_probability_targets_are_refused_by_nll_loss_saying_where_they_go():
    with pytest.raises(cr.autograd.DTypeError) as info:
        F.nll_loss(cr.ones(2, 3), np.eye(3, dtype=np.float32)[[0, 2]])
    assert str(info.value) == (
        "nll_loss: target must hold class indices of an integer dtype (int64), got dtype "
        "float32 of shape (2, 3); a float target of the input's shape holds class probabilities, "
        "which cross_entropy takes (nll_loss does not, as in PyTorch)")
