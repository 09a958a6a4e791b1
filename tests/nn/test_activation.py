import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

X = np.random.default_rng(3).standard_normal((4, 6)) * 2


def pairs(torch):
    tn = torch.nn
    return [
        (nn.ReLU(), tn.ReLU()), (nn.LeakyReLU(0.2), tn.LeakyReLU(0.2)), (nn.Sigmoid(), tn.Sigmoid()),
        (nn.Tanh(), tn.Tanh()), (nn.Softmax(dim=1), tn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=0), tn.LogSoftmax(dim=0)), (nn.ReLU(inplace=True), tn.ReLU(inplace=True)),
        (nn.GELU(), tn.GELU()), (nn.GELU("tanh"), tn.GELU("tanh")), (nn.SiLU(), tn.SiLU()),
        (nn.ELU(alpha=0.5), tn.ELU(alpha=0.5)), (nn.ELU(inplace=True), tn.ELU(inplace=True)),
        (nn.Softplus(beta=2, threshold=3), tn.Softplus(beta=2, threshold=3)), (nn.Mish(), tn.Mish()),
        (nn.Hardtanh(-0.5, 2.0), tn.Hardtanh(-0.5, 2.0)), (nn.ReLU6(), tn.ReLU6()),
        (nn.LogSigmoid(), tn.LogSigmoid()), (nn.LeakyReLU(0.1, True), tn.LeakyReLU(0.1, True)),
    ]


def test_activation_modules_match_torch(check_torch_parity):
    torch = pytest.importorskip("torch")
    for ours, theirs in pairs(torch):
        check_torch_parity(ours, lambda x, theirs=theirs: theirs(x.clone()), [X])  # theirs may work in place
        assert repr(ours) == repr(theirs)


def test_inplace_flag_leaves_the_input_as_it_was():
    x = cr.tensor(X)
    out = nn.ReLU(inplace=True)(x)
    np.testing.assert_array_equal(out.data, np.maximum(X, 0))
    np.testing.assert_array_equal(x.data, X)


def test_activation_modules_have_no_parameters():
    for module in (nn.ReLU(), nn.LeakyReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(1), nn.LogSoftmax(1)):
        assert list(module.parameters()) == [] and module.state_dict() == {}


def test_softmax_needs_dim():
    with pytest.raises(TypeError):
        nn.Softmax()
