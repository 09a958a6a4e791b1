import numpy as np
import pytest

import chainrule as cr
from chainrule import optim

from .trajectory import assert_trajectory_matches_torch

CONFIGS = [
    dict(),
    dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1),
    dict(lr=2.0, maximize=True, foreach=True),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_trajectory_matches_torch(config):
    torch = pytest.importorskip("torch")
    assert_trajectory_matches_torch(torch, "Adadelta", config, steps=25)


def test_first_step_by_hand():
    # v = 0.1 * 4, d = sqrt(eps) / sqrt(0.4 + eps) * 2, u = 0.1 d^2
    w = cr.nn.Parameter(np.array([1.0]))
    opt = optim.Adadelta([w], lr=1.0, rho=0.9, eps=1e-2)
    w.grad = cr.tensor(np.array([2.0]))
    opt.step()
    delta = np.sqrt(1e-2) / np.sqrt(0.4 + 1e-2) * 2
    np.testing.assert_allclose(w.detach().numpy(), [1 - delta], rtol=1e-15)
    np.testing.assert_allclose(opt.state[w]["acc_delta"], [0.1 * delta ** 2], rtol=1e-15)
