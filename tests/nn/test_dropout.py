import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.ops.dropout import Dropout as DropoutOp


def test_training_drops_and_rescales():
    cr.manual_seed(0)
    layer = nn.Dropout(p=0.25)
    x = cr.ones(200, 100, requires_grad=True)
    out = layer(x)
    kept = out.data != 0
    assert set(np.unique(out.data)) == {0.0, np.float32(1 / 0.75)}
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, kept / np.float32(0.75))  # gradient uses the same mask


def test_same_seed_same_mask():
    x = cr.randn(8, 8)
    cr.manual_seed(5)
    first = nn.Dropout()(x).data
    cr.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout()(x).data, first)
    assert not np.array_equal(nn.Dropout()(x).data, first)


def test_eval_mode_is_identity():
    layer = nn.Dropout(0.9).eval()
    x = cr.randn(3, 4)
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x


def test_p_one_zeroes_everything_and_bad_p_is_rejected():
    np.testing.assert_array_equal(nn.Dropout(1.0)(cr.ones(3)).data, [0, 0, 0])
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_op_gradcheck_with_a_fixed_mask():
    mask = np.array([[2.0, 0.0, 2.0], [0.0, 2.0, 2.0]])
    gradcheck(lambda x: DropoutOp.apply(x, mask), np.arange(6.0).reshape(2, 3))


def test_repr():
    assert repr(nn.Dropout(0.3)) == "Dropout(p=0.3)"
