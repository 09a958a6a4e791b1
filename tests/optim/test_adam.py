import numpy as np
import pytest

import chainrule as cr
from chainrule import optim

from .trajectory import assert_trajectory_matches_torch

CONFIGS = [
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
]


@pytest.mark.parametrize("name, config", CONFIGS)
def test_trajectory_matches_torch(name, config):
    torch = pytest.importorskip("torch")
    assert_trajectory_matches_torch(torch, name, config)


def test_first_step_moves_each_weight_by_lr():
    # m/(sqrt(v)) = g/|g| after bias correction: the first step is lr * sign(g) (eps aside)
    w = cr.nn.Parameter(np.array([1.0, 1.0, 1.0]))
    w.grad = cr.tensor(np.array([3.0, -0.01, 100.0]))
    optim.Adam([w], lr=0.1, eps=0).step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, 1.1, 0.9], rtol=1e-14)


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("Adam", "AdamW"):
        ours = getattr(optim, name)([cr.nn.Parameter(np.ones(1))]).defaults
        theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))]).defaults
        assert {k: theirs[k] for k in ours} == ours
