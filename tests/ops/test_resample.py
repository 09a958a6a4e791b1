"""Nearest interpolation's source indices against PyTorch's over many size pairs (its float32
arithmetic decides ties such as 6 * (1/3)), and padding beyond the registry's samples."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import functional as F

SIZES = [(n, m) for n in (1, 2, 3, 5, 7, 10) for m in (1, 2, 3, 4, 6, 9, 13, 20)]


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_indices_match_torch_for_sizes_and_scale_factors(mode):
    torch = pytest.importorskip("torch")
    for n, m in SIZES:
        x = np.arange(n, dtype=np.float64).reshape(1, 1, n)
        ours = F.interpolate(cr.tensor(x), size=m, mode=mode)
        np.testing.assert_array_equal(ours.data, torch.nn.functional.interpolate(
            torch.from_numpy(x), size=m, mode=mode).numpy(), err_msg=f"{n} -> {m}")
    for n in (3, 5, 7):
        for factor in (0.5, 1.5, 2.0, 2.5, 1 / 3, 3.0):
            x = np.arange(n, dtype=np.float64).reshape(1, 1, n)
            for recompute in (None, True):
                ours = F.interpolate(cr.tensor(x), scale_factor=factor, mode=mode, recompute_scale_factor=recompute)
                theirs = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=factor, mode=mode,
                                                         recompute_scale_factor=recompute)
                np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=f"{n} * {factor}")


def test_upsampled_gradient_sums_the_copies():
    x = cr.tensor(np.arange(4.0).reshape(1, 1, 2, 2), requires_grad=True)
    F.interpolate(x, scale_factor=2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 2, 2), 4.0))


def test_reflect_pad_of_a_row():
    x = cr.tensor(np.array([[[0.0, 1.0, 2.0, 3.0]]]), requires_grad=True)
    out = F.pad(x, (3, 3), mode="reflect")
    np.testing.assert_array_equal(out.data[0, 0], [3, 2, 1, 0, 1, 2, 3, 2, 1, 0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [2, 3, 3, 2])


def test_constant_pad_keeps_dtype_and_fills_value():
    x = cr.zeros(2, 2, dtype=cr.float32)
    out = F.pad(x, (0, 1, 1, 0), value=7.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [[7, 7, 7], [0, 0, 7], [0, 0, 7]])
    with pytest.raises(ValueError, match="pad: padding mode 'replicate' doesn't take in value argument"):
        F.pad(cr.zeros(1, 1, 2), (1, 1), mode="replicate", value=1.0)
