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
