"""backend: sum_to_shape (a broadcast operand's gradient is summed over the broadcast axes) and
zeros_along_innermost."""
import numpy as np
import pytest

from chainrule.backend import sum_to_shape, zeros_along_innermost


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4), (4,), (1, 4), (3, 1), (2, 1, 1), (), (1,), (1, 1, 1)])
def test_sum_to_shape_matches_the_broadcast(shape):
    grad = np.random.default_rng(0).standard_normal((2, 3, 4))
    out = sum_to_shape(grad, shape)
    assert out.shape == shape
    # the adjoint of broadcasting: <sum_to_shape(g), v> == <g, broadcast(v)>
    v = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_allclose(np.sum(out * v), np.sum(grad * np.broadcast_to(v, grad.shape)), rtol=1e-12)


def test_same_shape_is_returned_as_is():
    grad = np.ones((2, 3))
    assert sum_to_shape(grad, (2, 3)) is grad


def test_zeros_along_innermost_follow_the_memory_layout():
    c_order = np.ones((4, 3), dtype=np.float32)
    assert zeros_along_innermost(c_order).shape == (1, 3)
    assert zeros_along_innermost(np.asfortranarray(c_order)).shape == (4, 1)
    batch_inner = np.ones((6, 5, 5, 8)).transpose(3, 0, 1, 2)  # NCHW view of (C, H, W, N) memory
    zeros = zeros_along_innermost(batch_inner)
    assert zeros.shape == (8, 1, 1, 1) and zeros.dtype == np.float64 and not zeros.any()
    assert zeros_along_innermost(2.5).shape == ()

