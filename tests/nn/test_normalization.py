import numpy as np
import pytest

from chainrule import nn

X = np.random.default_rng(4).standard_normal((3, 4, 5)) * 3 + 1


@pytest.mark.parametrize("make", [
    lambda lib: lib.LayerNorm(5), lambda lib: lib.LayerNorm([4, 5], eps=1e-3),
    lambda lib: lib.LayerNorm(5, elementwise_affine=False), lambda lib: lib.LayerNorm(5, bias=False),
    lambda lib: lib.GroupNorm(2, 4), lambda lib: lib.GroupNorm(4, 4, affine=False),
    lambda lib: lib.GroupNorm(1, 4, eps=0.1),
])
def test_layers_match_torch_after_a_training_step(make, check_torch_parity):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nn), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():  # weights other than the initial ones
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    ours.double().load_state_dict(theirs.state_dict())
    check_torch_parity(ours, theirs, [X])
    for ours_p, theirs_p in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(ours_p.grad, theirs_p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_group_norm_needs_divisible_channels():
    with pytest.raises(ValueError, match="GroupNorm: num_channels 5 must be divisible by num_groups 2"):
        nn.GroupNorm(2, 5)
