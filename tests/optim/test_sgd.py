import numpy as np
import pytest

import chainrule as cr
from chainrule import optim

from .trajectory import assert_trajectory_matches_torch

CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    dict(lr=0.2, weight_decay=0.5),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_trajectory_matches_torch(config):
    torch = pytest.importorskip("torch")
    assert_trajectory_matches_torch(torch, "SGD", config)


def test_plain_sgd_is_the_math_doc_update():
    w = cr.nn.Parameter(np.array([1.0, -2.0]))
    w.grad = np.array([0.5, 0.25])
    optim.SGD([w], lr=3.0).step()
    np.testing.assert_array_equal(w.data, [1.0 - 1.5, -2.0 - 0.75])


def test_momentum_buffer_and_float32_in_place():
    w = cr.nn.Parameter(np.ones(3, dtype=np.float32))
    array = w.data
    opt = optim.SGD([w], lr=0.5, momentum=0.9)
    for _ in range(2):
        w.grad = np.full(3, 2.0, dtype=np.float32)
        opt.step()
    assert w.data is array and array.dtype == np.float32
    buf = opt.state[w]["momentum_buffer"]
    np.testing.assert_allclose(buf, 2 * 0.9 + 2)  # 2, then 0.9 * 2 + 2
    np.testing.assert_allclose(array, 1 - 0.5 * 2 - 0.5 * 3.8, rtol=1e-6)
    assert buf.dtype == np.float32


def test_bad_hyperparameters():
    w = [cr.nn.Parameter(np.ones(2))]
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD(w, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(w, lr=0.1, nesterov=True)
