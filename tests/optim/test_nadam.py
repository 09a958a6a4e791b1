import pytest

from .trajectory import assert_trajectory_matches_torch

CONFIGS = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, momentum_decay=0.01),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
]


@pytest.fixture
def torch64():
    """PyTorch keeps NAdam's mu_product in its default dtype (float32 unless set), chainrule in
    float64: compare with a float64 default, where both compute the same thing."""
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.mark.parametrize("config", CONFIGS)
def test_trajectory_matches_torch(torch64, config):
    assert_trajectory_matches_torch(torch64, "NAdam", config, steps=25)
