import pytest

from .trajectory import assert_trajectory_matches_torch

CONFIGS = [
    dict(),
    dict(lr=0.01, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.1),  # each config: momentum only, then rectified from step 6
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_trajectory_matches_torch(config):
    torch = pytest.importorskip("torch")
    assert_trajectory_matches_torch(torch, "RAdam", config, steps=25)
