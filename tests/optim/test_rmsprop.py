import pytest

from chainrule import optim

from .trajectory import assert_same_history, gradients, initial_weights, params, run, run_torch

CONFIGS = [
    dict(lr=0.01),
    dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.005, centered=True, momentum=0.5, weight_decay=0.2),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_trajectory_matches_torch(config):
    torch = pytest.importorskip("torch")
    weights, grads = initial_weights(), gradients()
    parameters = params(weights)
    ours = run(optim.RMSprop(parameters, **config), parameters, grads)
    theirs = run_torch(torch, lambda p: torch.optim.RMSprop(p, **config), weights, grads)
    assert_same_history(ours, theirs)
