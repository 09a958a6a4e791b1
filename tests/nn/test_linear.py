import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import ShapeError, gradcheck
from chainrule.nn import functional as F
from chainrule.ops.linear import linear_composed

rng = np.random.default_rng(1)


def leaves(*shapes):
    return [cr.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


@pytest.mark.parametrize("x_shape", [(5, 4), (2, 3, 4), (4,)])
def test_fused_matches_composed(x_shape):
    fused_in = leaves(x_shape, (3, 4), (3,))
    composed_in = [cr.tensor(t.detach().numpy().copy(), requires_grad=True) for t in fused_in]
    upstream = rng.standard_normal(x_shape[:-1] + (3,))
    fused = F.linear(*fused_in)
    composed = linear_composed(*composed_in)
    np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), rtol=1e-13, atol=1e-13)
    fused.backward(upstream)
    composed.backward(upstream)
    for a, b in zip(fused_in, composed_in):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12, atol=1e-12)


def test_gradcheck_with_and_without_bias():
    x, w, b = (rng.standard_normal(s) for s in ((4, 3), (2, 3), (2,)))
    assert gradcheck(F.linear, (x, w, b)).ok
    assert gradcheck(F.linear, (x, w)).ok


def test_input_gradient_skipped_when_not_needed():
    x = cr.tensor(rng.standard_normal((4, 3)))
    (w,) = leaves((2, 3))
    out = F.linear(x, w)
    grads = out.grad_fn.backward(np.ones((4, 2)))
    assert grads[0] is None and grads[1].shape == (2, 3)


def test_gradients_keep_parameter_dtype_and_layout():
    # the layer refuses float64 data (tests/nn/test_layer_dtypes.py); functional linear promotes
    layer = nn.Linear(6, 5)
    nn.functional.linear(cr.randn(8, 6, dtype=cr.float64), layer.weight, layer.bias).sum().backward()
    assert layer.weight.grad.dtype == np.float32 and layer.weight.grad.numpy().flags["C_CONTIGUOUS"]
    assert layer.bias.grad.dtype == np.float32


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    layer = nn.Linear(4, 3, dtype=cr.float64)
    reference = torch.nn.Linear(4, 3, dtype=torch.float64)
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((6, 4))
    upstream = rng.standard_normal((6, 3))
    xt = torch.tensor(x, requires_grad=True)
    reference(xt).backward(torch.tensor(upstream))
    xc = cr.tensor(x, requires_grad=True)
    layer(xc).backward(upstream)
    np.testing.assert_allclose(xc.grad, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-12)


def test_default_init_is_pytorch_range_and_seeded():
    cr.manual_seed(3)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    assert np.abs(layer.weight.detach().numpy()).max() <= bound and np.abs(layer.bias.detach().numpy()).max() <= bound
    assert layer.weight.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    cr.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.detach().numpy(), layer.weight.detach().numpy())
    assert layer.weight.dtype == np.float32
    assert nn.Linear(2, 2, bias=False).bias is None


def test_shape_errors_name_the_shapes():
    with pytest.raises(ShapeError, match=r"linear: input of shape \(2, 5\) does not match weight of shape \(3, 4\)"):
        F.linear(cr.zeros(2, 5), cr.zeros(3, 4))
    with pytest.raises(ShapeError, match=r"bias of shape \(4,\)"):
        F.linear(cr.zeros(2, 4), cr.zeros(3, 4), cr.zeros(4))


def test_repr():
    assert repr(nn.Linear(3, 2, bias=False)) == "Linear(in_features=3, out_features=2, bias=False)"
