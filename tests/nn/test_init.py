import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import init

SHAPE = (300, 200)  # fan_out 300, fan_in 200


def drawn(fn, *args, shape=SHAPE, **kwargs):
    cr.manual_seed(0)
    return fn(nn.Parameter(np.empty(shape, dtype=np.float32)), *args, **kwargs).detach().numpy()


def test_fan_in_and_fan_out():
    assert init.calculate_fan_in_and_fan_out(np.empty((8, 3, 5, 5))) == (75, 200)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.calculate_fan_in_and_fan_out(np.empty(4))


def test_gains_match_torch():
    torch = pytest.importorskip("torch")
    for name, param in (("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)):
        assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("fn, args, bound", [
    (init.uniform_, (-0.3, 0.2), None),
    (init.xavier_uniform_, (), math.sqrt(6 / 500)),
    (init.kaiming_uniform_, (), math.sqrt(2) * math.sqrt(3 / 200)),  # a=0: gain sqrt(2)
    (init.kaiming_uniform_, (math.sqrt(5),), 1 / math.sqrt(200)),
])
def test_uniform_initialisers_fill_their_range(fn, args, bound):
    values = drawn(fn, *args)
    low, high = (-bound, bound) if bound else args
    assert values.min() >= low and values.max() <= high
    assert values.min() < low + 0.01 * (high - low) and values.max() > high - 0.01 * (high - low)
    assert values.std() == pytest.approx((high - low) / math.sqrt(12), rel=0.02)


@pytest.mark.parametrize("fn, args, std", [
    (init.normal_, (0.0, 0.5), 0.5),
    (init.xavier_normal_, (2.0,), 2 * math.sqrt(2 / 500)),
    (init.kaiming_normal_, (0, "fan_out", "relu"), math.sqrt(2) / math.sqrt(300)),
    (init.standard_normal_, (), 1.0),
    (init.fan_in_normal_, (), 1 / math.sqrt(200)),
])
def test_normal_initialisers_have_their_std(fn, args, std):
    values = drawn(fn, *args)
    assert values.std() == pytest.approx(std, rel=0.02)
    assert abs(values.mean()) < 0.02 * std
    assert values.dtype == np.float32


def test_constants_and_reproducibility():
    assert (drawn(init.zeros_) == 0).all() and (drawn(init.ones_) == 1).all()
    assert (drawn(init.constant_, 0.25) == 0.25).all()
    np.testing.assert_array_equal(drawn(init.standard_normal_), drawn(init.standard_normal_))
    own = init.normal_(np.empty(3), generator=np.random.default_rng(1))
    np.testing.assert_array_equal(own, np.random.default_rng(1).normal(0, 1, 3))
    with pytest.raises(ValueError, match="mode 'fan_avg'"):
        drawn(init.kaiming_normal_, mode="fan_avg")
