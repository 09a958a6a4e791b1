from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def build(lib):
    """The same model in chainrule (``lib`` = chainrule.nn) or PyTorch (torch.nn)."""

    class Model(lib.Module):
        def __init__(self):
            super().__init__()
            self.layers = lib.ModuleList([lib.Linear(4, 3), lib.ReLU(), lib.Linear(3, 3)])
            self.layers.append(lib.Linear(3, 2))
            self.layers.insert(1, lib.Tanh())
            self.layers.extend([lib.Identity()])
            self.heads = lib.ModuleDict({"cls": lib.Linear(2, 5), "box": lib.Linear(2, 4)})
            self.heads["aux"] = lib.Sequential(lib.Linear(2, 2), lib.ReLU())
            self.scales = lib.ParameterList([lib.Parameter(cr_or_torch(lib).ones(2))])
            self.scales.append(lib.Parameter(cr_or_torch(lib).zeros(3)))
            self.offsets = lib.ParameterDict({"a": lib.Parameter(cr_or_torch(lib).ones(1))})

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return {name: head(x) * self.scales[0].sum() for name, head in self.heads.items()}

    return Model()


def cr_or_torch(lib):
    return cr if lib is nn else __import__("torch")


def test_state_dict_keys_and_parameters_match_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.state_dict())[:2] == ["layers.0.weight", "layers.0.bias"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours.layers) == repr(theirs.layers)
    assert repr(ours.heads) == repr(theirs.heads)
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    out, expected = ours(cr.tensor(x)), theirs(torch.from_numpy(x))
    for key in expected:
        np.testing.assert_allclose(out[key].data, expected[key].detach().numpy(), rtol=1e-6, atol=1e-6)


def test_module_list_indexing_slicing_and_editing_follow_pytorch():
    a, b, c, d = (nn.Linear(1, 1) for _ in range(4))
    layers = nn.ModuleList([a, b, c])
    assert len(layers) == 3 and list(layers) == [a, b, c]
    assert layers[0] is a and layers[-1] is c
    assert isinstance(layers[1:], nn.ModuleList) and list(layers[1:]) == [b, c]
    assert [k for k, _ in layers[1:].named_children()] == ["0", "1"]  # a slice is renumbered
    layers[1] = d
    assert list(layers) == [a, d, c]
    del layers[0]
    assert [k for k, _ in layers.named_children()] == ["0", "1"] and list(layers) == [d, c]
    layers.insert(0, b)
    layers.insert(-1, a)
    assert list(layers) == [b, d, a, c]
    assert layers.pop(1) is d and list(layers) == [b, a, c]
    layers += [d]
    assert list(layers + nn.ModuleList([a])) == [b, a, c, d, a]
    del layers[1:3]
    assert list(layers) == [b, d] and list(layers.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert a not in list(layers) and d in layers


def test_module_list_errors():
    layers = nn.ModuleList([nn.ReLU()])
    with pytest.raises(IndexError, match="index 1 is out of range for ModuleList of length 1"):
        layers[1]
    with pytest.raises(IndexError, match="index -2 is out of range"):
        layers.insert(-2, nn.ReLU())
    with pytest.raises(TypeError, match="ModuleList indices must be integers or slices, got str"):
        layers["0"]
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        layers.append(3)
    with pytest.raises(NotImplementedError, match="ModuleList has no forward method"):
        layers(cr.zeros(1))


def test_sequential_editing_renumbers_as_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), second=nn.ReLU()))
    theirs = torch.nn.Sequential(OrderedDict(first=torch.nn.Linear(2, 2), second=torch.nn.ReLU()))
    for model in (ours, theirs):
        assert [k for k, _ in model[0:1].named_children()] == ["first"]  # a slice keeps the names
        model.append(type(model[1])())
        del model[1]
    assert [k for k, _ in ours.named_children()] == [k for k, _ in theirs.named_children()] == ["0", "1"]
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    model.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "ReLU"]
    combined = model + nn.Sequential(nn.Linear(3, 1))
    assert isinstance(combined, nn.Sequential) and len(combined) == 4
    assert combined(cr.zeros(5, 2)).shape == (5, 1)


def test_module_dict_behaves_as_pytorch_dict():
    relu, tanh, linear = nn.ReLU(), nn.Tanh(), nn.Linear(2, 2)
    heads = nn.ModuleDict([("b", relu), ("a", tanh)])
    assert list(heads) == ["b", "a"] and list(heads.values()) == [relu, tanh]
    assert "a" in heads and "c" not in heads and len(heads) == 2
    heads.update({"c": linear})
    assert list(heads.keys()) == ["b", "a", "c"] and heads["c"] is linear
    assert list(heads.state_dict()) == ["c.weight", "c.bias"]
    assert heads.pop("b") is relu and list(heads) == ["a", "c"]
    del heads["a"]
    assert list(heads.items()) == [("c", linear)]
    heads.clear()
    assert len(heads) == 0 and list(heads.parameters()) == []
    with pytest.raises(KeyError, match="ModuleDict has no module 'x'"):
        heads["x"]
    with pytest.raises(KeyError, match="module name must be a non-empty string without '.'"):
        heads["a.b"] = relu
    with pytest.raises(TypeError, match=r"ModuleDict.update: element 0 should be a \(key, module\) pair"):
        heads.update([relu])
