import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import ShapeError

LAYERS = [
    ("MaxPool2d", dict(kernel_size=2)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("AvgPool2d", dict(kernel_size=2)),
    ("AvgPool2d", dict(kernel_size=3, stride=1, padding=1, count_include_pad=False)),
    ("AdaptiveAvgPool2d", dict(output_size=1)),
    ("AdaptiveAvgPool2d", dict(output_size=(2, 3))),
]


@pytest.mark.parametrize("name, params", LAYERS)
def test_pooling_layers_match_torch(name, params):
    torch = pytest.importorskip("torch")
    layer, twin = getattr(nn, name)(**params), getattr(torch.nn, name)(**params)
    assert repr(layer) == repr(twin)
    assert not layer.state_dict()
    x = np.random.default_rng(0).integers(0, 4, (2, 3, 7, 8)).astype(np.float32)  # with ties
    ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = layer(ours), twin(theirs)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-6)


def test_max_pool_layer_returns_indices():
    values, indices = nn.MaxPool2d(2, return_indices=True)(cr.tensor([[[[1.0, 3.0], [3.0, 2.0]]]]))
    assert values.item() == 3.0 and indices.item() == 1


def test_a_pooling_layer_too_small_for_its_input_is_named():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(4))
    with pytest.raises(ShapeError, match="^" + re.escape(
            "layer '2' (MaxPool2d(kernel_size=4, stride=4, padding=0, dilation=1, ceil_mode=False)): max_pool2d: "
            "input of shape (1, 2, 3, 3) with padding (0, 0) is smaller than the dilated kernel (4, 4)")):
        model(cr.zeros(1, 1, 5, 5))


def _sequential_and_layer_by_layer(model, x):
    """(output, input gradient) of ``model(x)`` and of its layers called one after another."""
    results = []
    for forward in (model, lambda t: [t := layer(t) for layer in model][-1]):
        leaf = cr.tensor(x, requires_grad=True)
        out = forward(leaf)
        out.sum().backward()
        results.append((out, leaf.grad))
    return results


def test_sequential_fuses_a_relu_before_a_max_pool_with_the_same_results():
    from chainrule.ops.pooling import ReLUMaxPool2d

    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2), nn.ReLU(), nn.MaxPool2d(3, stride=1, padding=1))
    x = np.random.default_rng(0).integers(-2, 3, (2, 3, 8, 8)).astype(np.float32)  # ties, closed windows
    (fused, fused_grad), (plain, plain_grad) = _sequential_and_layer_by_layer(model, x)
    assert isinstance(fused.grad_fn, ReLUMaxPool2d) and not isinstance(plain.grad_fn, ReLUMaxPool2d)
    np.testing.assert_array_equal(fused.data, plain.data)
    np.testing.assert_array_equal(fused_grad, plain_grad)


def test_sequential_keeps_a_hooked_relu_and_max_pool_apart():
    seen = []
    relu = nn.ReLU()
    relu.register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    out = nn.Sequential(relu, nn.MaxPool2d(2))(cr.randn(1, 2, 4, 4, requires_grad=True))
    assert seen == [(1, 2, 4, 4)] and type(out.grad_fn).__name__ == "MaxPool2d"
