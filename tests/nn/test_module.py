import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import ShapeError


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("running_mean", np.zeros(2, dtype=np.float32))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        self.register_buffer("scratch", np.ones(2), persistent=False)

    def forward(self, x):
        return self.fc(x) - cr.tensor(self.running_mean)


def make_mlp():
    return nn.Sequential(nn.Linear(4, 3), nn.Sequential(nn.Linear(3, 2), nn.Identity()))


def test_named_parameters_use_pytorch_keys():
    model = make_mlp()
    assert [k for k, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.0.weight", "1.0.bias"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "1.0", "1.1"]


def test_shared_layer_parameters_listed_once_but_saved_under_each_name():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, layer)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # as PyTorch
    model.load_state_dict({k: np.ones(v.shape) for k, v in model.state_dict().items()})
    assert (layer.weight.data == 1).all()


def test_state_dict_holds_parameters_and_persistent_buffers():
    model = WithBuffers()
    state = model.state_dict()
    assert list(state) == ["running_mean", "num_batches_tracked", "fc.weight", "fc.bias"]
    assert state["fc.weight"] is model.fc.weight.data  # shared, as in PyTorch
    assert state["num_batches_tracked"].dtype == np.int64


def test_buffer_assignment_updates_the_registered_array():
    model = WithBuffers()
    model.running_mean = np.full(2, 3.0, dtype=np.float32)
    np.testing.assert_array_equal(model.state_dict()["running_mean"], [3.0, 3.0])
    model.num_batches_tracked += 1
    assert model.state_dict()["num_batches_tracked"] == 1
    with pytest.raises(TypeError, match="running_mean"):
        model.running_mean = [1, 2]


def test_load_state_dict_copies_in_place_keeping_dtype():
    model = WithBuffers()
    weight_array = model.fc.weight.data
    source = {k: np.full(v.shape, 0.5, dtype=np.float64) for k, v in WithBuffers().state_dict().items()}
    source["num_batches_tracked"] = np.array(7, dtype=np.int64)
    result = model.load_state_dict(source)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert model.fc.weight.data is weight_array and weight_array.dtype == np.float32
    np.testing.assert_array_equal(weight_array, np.full((2, 3), 0.5))
    assert model.num_batches_tracked == 7


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    model = WithBuffers()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    bad = {k: v + 1 for k, v in model.state_dict().items()}
    del bad["fc.bias"]
    bad["fc.weight"] = np.zeros((3, 3))
    bad["running_mean"] = np.zeros(2, dtype=np.complex64)
    bad["extra.weight"] = np.zeros(1)
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "WithBuffers" in message
    assert "missing keys: 'fc.bias'" in message
    assert "unexpected keys: 'extra.weight'" in message
    assert "'fc.weight': shape (3, 3) in the state dict, (2, 3) expected" in message
    assert "'running_mean': dtype complex64" in message
    assert info.value.missing_keys == ["fc.bias"]
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_with_values_that_are_no_arrays_lists_them_and_changes_nothing():
    model = WithBuffers()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    bad = dict(model.state_dict(), **{"fc.weight": [[1, 2, 3], [4, 5]], "fc.bias": "ab"})
    del bad["running_mean"]
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "'fc.weight': not an array (ValueError: " in message and "inhomogeneous" in message
    assert "missing keys: 'running_mean'" in message and "'fc.bias': dtype <U2" in message
    assert "missing keys: 'fc.weight'" not in message and info.value.missing_keys == ["running_mean"]
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_not_strict_reports_keys():
    model = make_mlp()
    state = {k: v + 1 for k, v in model.state_dict().items()}
    state.pop("0.bias")
    state["other"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(model[0].weight.data, state["0.weight"])
    before = {k: v.copy() for k, v in model.state_dict().items()}
    state["0.weight"] += 1
    state["1.0.weight"] = np.zeros((9, 9))
    with pytest.raises(nn.StateDictError, match="1.0.weight"):
        model.load_state_dict(state, strict=False)  # shape mismatches are errors even then
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_into_a_read_only_array_changes_nothing():
    model = make_mlp()
    model[1][0].bias.data.flags.writeable = False
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises(nn.StateDictError, match="'1.0.bias': the model's array is read-only"):
        model.load_state_dict({k: v + 1 for k, v in model.state_dict().items()})
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_train_eval_recurse():
    model = make_mlp()
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad():
    model = make_mlp()
    model(cr.randn(5, 4)).sum().backward()
    grad = model[0].weight.grad
    model.zero_grad(set_to_none=False)
    assert model[0].weight.grad is grad and not grad.any()
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_registration_errors_are_clear():
    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgot()
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        layer.weight = cr.zeros(2, 2)
    layer.bias = None
    assert [k for k, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        layer.nothing


def test_forward_hook_sees_output_and_can_be_removed():
    layer = nn.Linear(2, 3)
    seen = []
    handle = layer.register_forward_hook(lambda m, args, out: seen.append((m, out.shape)))
    layer(cr.randn(4, 2))
    handle.remove()
    layer(cr.randn(4, 2))
    assert seen == [(layer, (4, 3))]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sequential(nn.ReLU(), nn.Linear(5, 2)))
        self.helper = [nn.Linear(4, 4)]  # a plain list: not a registered child

    def forward(self, x, use_helper=False):
        return self.helper[0](x) if use_helper else self.features(x)


def test_errors_inside_a_model_name_the_layer_by_its_dotted_path():
    with pytest.raises(ShapeError, match=r"^layer 'features\.1\.1' \(Linear\(in_features=5, out_features=2, "
                                         r"bias=True\)\): linear: input of shape \(1, 2, 2, 3\)"):
        Net()(cr.zeros(1, 1, 4, 5))
    with pytest.raises(TypeError, match=r"^layer 'features\.0' \(Conv2d\(1, 2, .*\)\): tensor: cannot make a tensor"):
        Net()("an image")
    with pytest.raises(ShapeError, match="^linear: input of shape"):  # an unregistered layer has no name
        Net()(cr.zeros(2, 3), use_helper=True)


def test_custom_errors_pass_through_and_hook_errors_name_their_layer():
    class Odd(ValueError):
        pass

    class Raises(nn.Module):
        def forward(self, x):
            raise Odd("a custom error")

    with pytest.raises(Odd, match="^a custom error$"):
        nn.Sequential(Raises())(cr.zeros(1))

    def failing_hook(module, inputs, output):
        raise ValueError("a hook failed")

    model = nn.Sequential(nn.Linear(2, 2))
    model[0].register_forward_hook(failing_hook)
    with pytest.raises(ValueError, match=r"^layer '0' \(Linear.*\): a hook failed$"):
        model(cr.zeros(1, 2))


def test_to_double_casts_parameters_and_float_buffers():
    model = WithBuffers().double()
    assert model.fc.weight.dtype == np.float64 and model.running_mean.dtype == np.float64
    assert model.num_batches_tracked.dtype == np.int64


def test_parameter_shares_array():
    array = np.zeros(3, dtype=np.float32)
    param = nn.Parameter(array)
    assert param.data is array and param.requires_grad and param.is_leaf
    assert repr(param).startswith("Parameter containing:\ntensor(")
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32


def test_repr_and_state_dict_match_pytorch():
    torch = pytest.importorskip("torch")
    model = make_mlp()
    reference = torch.nn.Sequential(
        torch.nn.Linear(4, 3), torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Identity())
    )
    assert repr(model) == repr(reference)
    reference.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()}, strict=True)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(cr.tensor(x)).data, expected, rtol=1e-6, atol=1e-6)
    with torch.no_grad():
        for p in reference.parameters():
            p.mul_(2)
    model.load_state_dict(reference.state_dict(), strict=True)  # torch tensors load back
    np.testing.assert_allclose(model(cr.tensor(x)).data, reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("given, message", [
    (lambda model: model, "got a Sequential module; pass its .state_dict()"),
    (lambda model: list(model.state_dict().items()), "got list"),
    (lambda model: None, "got NoneType"),
])
def test_load_state_dict_of_what_is_not_a_state_dict_names_it(given, message):
    model = nn.Sequential(nn.Linear(2, 3))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises(TypeError, match="load_state_dict: expected a state dict .*" + re.escape(message)):
        model.load_state_dict(given(model))
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_reassigning_a_child_keeps_its_place_in_the_state_dict():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[0] = nn.Linear(2, 2)
    model[0].weight = nn.Parameter(cr.zeros(2, 2))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


LAYERS_WITH_PARAMETERS = [
    (nn.Linear, (3, 2)), (nn.Conv2d, (1, 2, 3)), (nn.Conv1d, (1, 2, 3)), (nn.BatchNorm1d, (3,)),
    (nn.BatchNorm2d, (3,)),
]


@pytest.mark.parametrize("layer, args", LAYERS_WITH_PARAMETERS)
def test_layers_take_device_and_dtype_by_keyword_only(layer, args):
    name = layer.__name__
    for device in (None, "cpu", cr.device("cpu"), "cpu:0"):
        made = layer(*args, device=device, dtype=cr.float64)
        assert all(p.dtype == np.float64 for p in made.parameters())
    assert all(p.dtype == np.float32 for p in layer(*args).parameters())
    with pytest.raises(RuntimeError, match=f"{name}: device 'cuda' is not available: chainrule runs on the CPU only"):
        layer(*args, device="cuda")
    with pytest.raises(TypeError, match=f"{name}: device must be a string such as 'cpu'"):
        layer(*args, device=0)


def test_dtype_is_no_longer_linears_fourth_positional_argument():
    with pytest.raises(TypeError, match="takes from 3 to 4 positional arguments but 5 were given"):
        nn.Linear(3, 2, True, cr.float64)


def test_to_takes_devices_as_pytorch_and_refuses_other_devices():
    model = cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.BatchNorm1d(3))
    assert model.to("cpu") is model and model.cpu() is model and model.to(cr.device("cpu")) is model
    assert model.to(device="cpu", non_blocking=True) is model
    assert model.to("cpu", cr.double) is model and model[0].weight.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    model.to(dtype=cr.float)
    assert model[0].bias.dtype == np.float32
    model.to(cr.zeros(1, dtype=cr.double))
    assert model[0].weight.dtype == np.float64
    for call, message in (
        (lambda: model.to("cuda"), "Module.to: device 'cuda' is not available"),
        (lambda: model.to("cuda:0", cr.float), "Module.to: device 'cuda:0' is not available"),
        (lambda: model.cuda(), "Module.cuda: device 'cuda' is not available"),
    ):
        with pytest.raises(RuntimeError) as info:
            call()
        assert str(info.value).startswith(message)
    assert model[0].weight.dtype == np.float64  # a refused move changes nothing
