import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


def test_flatten_default_keeps_batch_dim_and_routes_gradient():
    x = cr.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    out = nn.Flatten()(x)
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(out.data, x.data.reshape(2, 12))
    out.backward(np.arange(24.0).reshape(2, 12))
    np.testing.assert_array_equal(x.grad, np.arange(24.0).reshape(2, 3, 4))


def test_flatten_dims_and_repr_match_torch():
    torch = pytest.importorskip("torch")
    x = np.zeros((2, 3, 4, 5))
    for start, end in ((1, -1), (0, 1), (2, 3), (1, 2)):
        ours, theirs = nn.Flatten(start, end), torch.nn.Flatten(start, end)
        assert ours(cr.tensor(x)).shape == tuple(theirs(torch.tensor(x)).shape)
        assert repr(ours) == repr(theirs)
