import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def test_whole_channels_drop_and_survivors_rescale():
    cr.manual_seed(0)
    x = cr.ones(40, 50, 3, 3, requires_grad=True)
    out = nn.Dropout2d(p=0.4)(x)
    per_channel = out.detach().numpy().reshape(40, 50, 9)
    assert (per_channel == per_channel[..., :1]).all()  # one decision per (item, channel)
    assert set(np.unique(per_channel)) == {0.0, np.float32(1 / 0.6)}
    assert (per_channel[..., 0] != 0).mean() == pytest.approx(0.6, abs=0.03)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.detach().numpy())  # gradient: the same mask and scale


def test_seeded_eval_and_bad_arguments():
    x = cr.randn(2, 8, 4, 4)
    cr.manual_seed(3)
    first = nn.Dropout2d()(x).detach().numpy()
    cr.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout2d()(x).detach().numpy(), first)
    assert nn.Dropout2d(0.9).eval()(x) is x
    with pytest.raises(ValueError, match="between 0 and 1, but got -0.1"):
        nn.Dropout2d(-0.1)
    with pytest.raises(ValueError, match=r"dropout2d: expected an input \(N, C, H, W\) or \(N, C, L\), got shape \(2, 8\)"):
        nn.functional.dropout2d(cr.randn(2, 8))
    assert repr(nn.Dropout2d(0.3)) == "Dropout2d(p=0.3)"
