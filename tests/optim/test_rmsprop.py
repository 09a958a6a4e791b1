import pytest


from .trajectory import assert_trajectory_matches_torch

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
    assert_trajectory_matches_torch(torch, "RMSprop", config)
