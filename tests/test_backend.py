"""backend.sum_to_shape: a broadcast operand's gradient is summed over the broadcast axes."""
import numpy as np
import pytest

from chainrule.backend import sum_to_shape


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
