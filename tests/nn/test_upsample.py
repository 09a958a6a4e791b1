import numpy as np
import pytest

from chainrule import nn


@pytest.mark.parametrize("kwargs", [
    {"scale_factor": 2}, {"scale_factor": (2, 3)}, {"size": (3, 5)}, {"size": 7, "mode": "nearest-exact"},
])
def test_upsample_matches_torch(kwargs, check_torch_parity):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    assert repr(ours) == repr(theirs)
    check_torch_parity(ours, theirs, [np.random.default_rng(0).standard_normal((2, 3, 4, 5))])
