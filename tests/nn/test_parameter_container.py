import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def test_parameter_list_registers_trains_and_saves_like_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.ParameterList([nn.Parameter(cr.ones(2, 3)), cr.zeros(3)])  # a Tensor is made a Parameter
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3)), torch.zeros(3)])
    ours.append(nn.Parameter(cr.ones(1)))
    theirs.append(torch.nn.Parameter(torch.ones(1)))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "2"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours)
    assert len(ours) == 3 and ours[-1].shape == (1,)
    assert isinstance(ours[:2], nn.ParameterList) and [p.shape for p in ours[:2]] == [(2, 3), (3,)]
    loss = (ours[0] * 2).sum() + ours[1].sum()
    loss.backward()
    np.testing.assert_array_equal(ours[0].grad, np.full((2, 3), 2.0))
    replacement = nn.Parameter(cr.zeros(4))
    ours[1] = replacement
    assert ours[1] is replacement and list(ours.parameters())[1] is replacement


def test_parameter_list_shares_the_tensors_array():
    tensor = cr.zeros(3)
    params = nn.ParameterList([tensor])
    assert np.shares_memory(np.asarray(params[0]), np.asarray(tensor))


def test_parameter_list_errors():
    params = nn.ParameterList()
    with pytest.raises(TypeError, match="ParameterList: expected a chainrule.nn.Parameter or Tensor, got list"):
        params.append([1.0])
    with pytest.raises(IndexError, match="index 0 is out of range for ParameterList of length 0"):
        params[0]


def test_parameter_dict_matches_pytorch_keys():
    torch = pytest.importorskip("torch")
    ours = nn.ParameterDict({"w": nn.Parameter(cr.ones(2)), "b": cr.zeros(1)})
    theirs = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.ones(2)), "b": torch.zeros(1)})

    class Owner(nn.Module):
        def __init__(self):
            super().__init__()
            self.extra = ours

    assert list(Owner().state_dict()) == ["extra.b", "extra.w"]  # a plain dict's keys sorted, as PyTorch
    assert list(ours) == list(theirs) and "w" in ours and len(ours) == 2
    assert ours.get("missing") is None and ours.pop("b").shape == (1,)
    assert list(ours.keys()) == ["w"]
    with pytest.raises(KeyError, match="ParameterDict has no parameter 'b'"):
        ours["b"]


def test_repr_lists_each_parameter():
    params = nn.ParameterList([nn.Parameter(cr.zeros(2, 3))])
    assert repr(params) == "ParameterList((0): Parameter containing: [float32 of size 2x3])"
