import math
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import ShapeError

CONFIGS = [
    (nn.Conv2d, dict(in_channels=3, out_channels=6, kernel_size=5, padding=2)),
    (nn.Conv2d, dict(in_channels=4, out_channels=2, kernel_size=(3, 2), stride=2, dilation=(1, 2), groups=2, bias=False)),
    (nn.Conv2d, dict(in_channels=1, out_channels=3, kernel_size=3, padding="same")),
    (nn.Conv1d, dict(in_channels=2, out_channels=4, kernel_size=3, stride=2, padding=1)),
]


def _torch_twin(layer_class, params):
    torch = pytest.importorskip("torch")
    return getattr(torch.nn, layer_class.__name__)(**params).double()


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("layer_class, params", CONFIGS)
def test_layer_matches_torch_with_its_weights_and_repr(layer_class, params):
    import torch

    twin = _torch_twin(layer_class, params)
    layer = layer_class(**params, dtype="float64")
    assert list(layer.state_dict()) == list(twin.state_dict())
    assert repr(layer) == repr(twin)
    layer.load_state_dict({k: v.numpy() for k, v in twin.state_dict().items()})
    spatial = (9, 8) if layer_class is nn.Conv2d else (11,)
    x = np.random.default_rng(0).standard_normal((2, params["in_channels"]) + spatial)
    out, expected = layer(cr.tensor(x)), twin(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    for name, param in layer.named_parameters():
        np.testing.assert_allclose(param.grad, getattr(twin, name).grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layer_class, params", CONFIGS)
def test_default_init_is_pytorchs_and_seeded(layer_class, params):
    cr.manual_seed(0)
    layer = layer_class(**params)
    c_in, groups = params["in_channels"], params.get("groups", 1)
    fan_in = c_in // groups * math.prod(layer.kernel_size)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert layer.weight.dtype == np.float32
    assert layer.weight.shape == (params["out_channels"], c_in // groups) + layer.kernel_size
    assert np.abs(layer.weight.detach().numpy()).max() <= bound and np.abs(layer.weight.detach().numpy()).max() > 0.5 * bound
    if layer.bias is not None:
        assert np.abs(layer.bias.detach().numpy()).max() <= bound
    cr.manual_seed(0)
    np.testing.assert_array_equal(layer_class(**params).weight.detach().numpy(), layer.weight.detach().numpy())


def test_weight_spread_matches_the_uniform_bound():
    cr.manual_seed(1)
    weight = nn.Conv2d(16, 32, 5).weight.detach().numpy()  # fan_in 400
    assert weight.std() == pytest.approx(1 / math.sqrt(400) / math.sqrt(3), rel=0.05)


def test_construction_errors_name_the_layer():
    with pytest.raises(ValueError, match="Conv2d: in_channels 3 and out_channels 4 must both be divisible by groups 2"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv1d: padding='same' is not supported for strided convolutions"):
        nn.Conv1d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Conv2d: only padding_mode='zeros' is supported"):
        nn.Conv2d(3, 4, 3, padding_mode="reflect")


def test_forward_error_names_the_layer_the_op_and_shapes():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 5))
    with pytest.raises(ShapeError, match="^" + re.escape(
            "layer '1' (Conv2d(4, 4, kernel_size=(5, 5), stride=(1, 1))): conv2d: input of shape (1, 4, 4, 4) "
            "with padding (0, 0) is smaller than the dilated kernel (5, 5)") + "$") as info:
        model(cr.zeros(1, 3, 6, 6))
    assert type(info.value.__cause__) is ShapeError and str(info.value.__cause__).startswith("conv2d: ")
    with pytest.raises(ShapeError, match=re.escape(
            "layer '0' (Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1))): conv2d: input of shape (1, 2, 8, 8) has 2 channels")):
        nn.Sequential(nn.Conv2d(4, 4, 3))(cr.zeros(1, 2, 8, 8))


def test_a_layer_called_alone_keeps_the_ops_message():
    with pytest.raises(ShapeError, match="^" + re.escape(
            "conv2d: input of shape (1, 3, 4, 4) with padding (0, 0) is smaller than the dilated kernel (5, 5)") + "$"):
        nn.Conv2d(3, 2, 5)(cr.zeros(1, 3, 4, 4))


@pytest.mark.parametrize("params", [
    dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, output_padding=1, groups=2),
    dict(in_channels=3, out_channels=2, kernel_size=(4, 2), bias=False, dilation=2),
])
def test_conv_transpose2d_layer_matches_torch(check_torch_parity, params):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.ConvTranspose2d(**params), torch.nn.ConvTranspose2d(**params)
    assert repr(ours) == repr(theirs)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((2, params["in_channels"], 5, 4)).astype(np.float32)
    check_torch_parity(ours, theirs, [x])
    fan_in = params["out_channels"] // params.get("groups", 1) * int(np.prod(ours.weight.shape[2:]))
    assert np.abs(nn.ConvTranspose2d(**params).weight.detach().numpy()).max() <= 1 / np.sqrt(fan_in)  # PyTorch's bound


def test_conv_transpose2d_layer_errors():
    with pytest.raises(ValueError, match="ConvTranspose2d: in_channels 3 and out_channels 4 must both be divisible by groups 2"):
        nn.ConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(RuntimeError, match="ConvTranspose2d: device 'cuda' is not available"):
        nn.ConvTranspose2d(3, 4, 3, device="cuda")
