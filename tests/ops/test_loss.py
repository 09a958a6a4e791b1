"""Fused loss ops against the compositions they replace (the registry covers values, gradients,
gradcheck and PyTorch parity)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import functional as F
from chainrule.ops.loss import quadratic_cost_composed

rng = np.random.default_rng(7)


def _value_and_grads(fn, output, target):
    a = cr.tensor(output, requires_grad=True)
    y = cr.tensor(target, requires_grad=True)
    cost = fn(a, y)
    cost.backward()
    return cost.detach().numpy(), a.grad.numpy(), y.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_quadratic_cost_equals_its_composition_bit_for_bit(dtype):
    output = rng.standard_normal((10, 7)).astype(dtype)
    target = np.eye(7, dtype=dtype)[rng.integers(0, 7, 10)]
    fused = _value_and_grads(F.quadratic_cost, output, target)
    composed = _value_and_grads(quadratic_cost_composed, output, target)
    for got, want in zip(fused, composed):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(fused[1], (output - target) / 10, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_quadratic_cost_is_one_node():
    cost = F.quadratic_cost(cr.tensor(rng.standard_normal((3, 2)), requires_grad=True), np.array([0, 1, 1]))
    assert cost.grad_fn.op_name() == "quadraticcost"
    assert [fn for fn, _ in cost.grad_fn.next_functions][1] is None  # the one-hot target is a constant


def test_quadratic_cost_of_an_empty_batch_is_nan():
    a = cr.tensor(np.zeros((0, 3)), requires_grad=True)
    cost = F.quadratic_cost(a, np.zeros((0, 3)))
    assert np.isnan(cost.item())
    cost.backward()
    assert a.grad.shape == (0, 3)
