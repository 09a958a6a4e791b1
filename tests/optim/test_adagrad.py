import numpy as np
import pytest

import chainrule as cr
from chainrule import optim

from .trajectory import assert_trajectory_matches_torch

CONFIGS = [
    dict(),
    dict(lr=0.1, lr_decay=0.01, weight_decay=0.1),
    dict(lr=0.05, initial_accumulator_value=0.5, eps=1e-6, maximize=True, foreach=False),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_trajectory_matches_torch(config):
    torch = pytest.importorskip("torch")
    assert_trajectory_matches_torch(torch, "Adagrad", config, steps=25)


def test_two_steps_by_hand():
    # s = 1 + 4 = 5, p = 1 - 0.1 * 2 / sqrt(5); then s = 9, lr 0.1 / (1 + 0.5), p -= 0.1/1.5 * 2 / 3
    w = cr.nn.Parameter(np.array([1.0]))
    opt = optim.Adagrad([w], lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0, eps=0)
    for _ in range(2):
        w.grad = cr.tensor(np.array([2.0]))
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [1 - 0.2 / np.sqrt(5) - 0.1 / 1.5 * 2 / 3], rtol=1e-15)
    assert opt.state[w]["step"] == 2 and opt.state[w]["sum"][0] == 9.0
