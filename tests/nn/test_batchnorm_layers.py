import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import ShapeError


@pytest.mark.parametrize("name, shape, params", [
    ("BatchNorm2d", (4, 3, 5, 5), {}),
    ("BatchNorm2d", (4, 3, 5, 5), dict(momentum=None)),
    ("BatchNorm1d", (6, 3), dict(affine=False, eps=1e-3)),
    ("BatchNorm1d", (4, 3, 7), dict(momentum=0.3, bias=False)),
    ("BatchNorm2d", (4, 3, 2, 2), dict(track_running_stats=False)),
])
def test_training_steps_then_eval_match_torch(name, shape, params):
    torch = pytest.importorskip("torch")
    layer = getattr(nn, name)(3, dtype="float64", **params)
    twin = getattr(torch.nn, name)(3, **params).double()
    assert repr(layer) == repr(twin)
    assert list(layer.state_dict()) == list(twin.state_dict())
    rng = np.random.default_rng(0)
    for training in (True, True, True, False):
        layer.train(training)
        twin.train(training)
        x = 2 * rng.standard_normal(shape) + 1
        ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = layer(ours), twin(theirs)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
        upstream = rng.standard_normal(shape)
        out.backward(upstream)
        expected.backward(torch.tensor(upstream))
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
        for key, value in twin.state_dict().items():
            np.testing.assert_allclose(layer.state_dict()[key], value.numpy(), rtol=1e-12, err_msg=key)
    for param_name, param in layer.named_parameters():
        np.testing.assert_allclose(param.grad, getattr(twin, param_name).grad.numpy(), rtol=1e-10, atol=1e-12)


def test_state_dict_round_trip_keeps_running_statistics():
    layer = nn.BatchNorm2d(2)
    layer(cr.randn(4, 2, 3, 3) * 3 + 1)
    copy = nn.BatchNorm2d(2)
    copy.load_state_dict({k: np.array(v) for k, v in layer.state_dict().items()})
    np.testing.assert_array_equal(copy.running_var, layer.running_var)
    assert int(copy.num_batches_tracked) == 1 and copy.num_batches_tracked.dtype == np.int64


def test_eval_does_not_touch_running_statistics():
    layer = nn.BatchNorm1d(3).eval()
    layer(cr.randn(5, 3) + 10)
    np.testing.assert_array_equal(layer.running_mean, np.zeros(3))
    assert int(layer.num_batches_tracked) == 0


@pytest.mark.parametrize("layer, shape, message", [
    (nn.BatchNorm2d(3), (4, 3, 5), "BatchNorm2d: expected a 4-d (N, C, H, W) input, got shape (4, 3, 5)"),
    (nn.BatchNorm1d(3), (4, 3, 5, 5), "BatchNorm1d: expected a 2-d (N, C) or 3-d (N, C, L) input, got shape (4, 3, 5, 5)"),
    (nn.BatchNorm2d(3), (4, 2, 5, 5), "batch_norm: running_mean of shape (3,) does not match the 2 channels"),
])
def test_errors_name_the_layer_and_shapes(layer, shape, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        layer(cr.zeros(*shape))
