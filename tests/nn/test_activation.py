import numpy as np
import pytest

from chainrule import nn

X = np.random.default_rng(3).standard_normal((4, 6)) * 2


def pairs(torch):
    tn = torch.nn
    return [
        (nn.ReLU(), tn.ReLU()), (nn.LeakyReLU(0.2), tn.LeakyReLU(0.2)), (nn.Sigmoid(), tn.Sigmoid()),
        (nn.Tanh(), tn.Tanh()), (nn.Softmax(dim=1), tn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=0), tn.LogSoftmax(dim=0)),
    ]


def test_activation_modules_match_torch(check_torch_parity):
    torch = pytest.importorskip("torch")
    for ours, theirs in pairs(torch):
        check_torch_parity(ours, theirs, [X])
        assert repr(ours) == repr(theirs)


def test_activation_modules_have_no_parameters():
    for module in (nn.ReLU(), nn.LeakyReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(1), nn.LogSoftmax(1)):
        assert list(module.parameters()) == [] and module.state_dict() == {}


def test_softmax_needs_dim():
    with pytest.raises(TypeError):
        nn.Softmax()
