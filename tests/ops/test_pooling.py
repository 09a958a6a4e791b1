import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.autograd.function import ShapeError
from chainrule.ops.pooling import (ReLUMaxPool2d, adaptive_avg_pool2d, avg_pool2d, max_pool2d, relu_max_pool2d,
                                   relu_max_pool2d_composed)

# (input shape, pooling arguments): non-overlapping and overlapping windows, padding, ceil_mode,
# dilation, non-square kernels, odd sizes, unbatched input.
MAX_GRID = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 2, 7, 9), dict(kernel_size=2)),  # disjoint windows that leave the last row and column out
    ((1, 1, 7, 9), dict(kernel_size=2, ceil_mode=True)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 2, 7, 9), dict(kernel_size=(3, 2), stride=(2, 1), ceil_mode=True)),
    ((1, 2, 10, 9), dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    ((1, 2, 6, 5), dict(kernel_size=3, stride=1)),
    ((3, 6, 5), dict(kernel_size=2, stride=1, padding=1)),
]


def _ties(shape, seed=0):
    """Small integers: almost every window holds its maximum twice or more."""
    return np.random.default_rng(seed).integers(0, 3, shape).astype(np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, params", MAX_GRID)
def test_max_pool2d_routes_ties_like_torch(check_torch_parity, dtype, shape, params):
    import torch.nn.functional as F

    check_torch_parity(lambda x: max_pool2d(x, **params), lambda x: F.max_pool2d(x, **params), [_ties(shape)], dtype)


@pytest.mark.parametrize("shape, params", MAX_GRID)
def test_max_pool2d_indices_match_torch(shape, params):
    torch = pytest.importorskip("torch")
    x = _ties(shape, seed=1)
    values, indices = max_pool2d(cr.tensor(x, requires_grad=True), return_indices=True, **params)
    expected_values, expected_indices = torch.nn.functional.max_pool2d(
        torch.tensor(x), return_indices=True, **params)
    np.testing.assert_array_equal(values.data, expected_values.numpy())
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.data, expected_indices.numpy())
    # the same indices without a graph
    np.testing.assert_array_equal(max_pool2d(cr.tensor(x), return_indices=True, **params)[1].data, indices.data)


def test_max_pool2d_gives_a_tied_window_gradient_to_its_first_maximum():
    x = cr.tensor([[[[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]], requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 0, 0, 1], [0, 0, 0, 0]])


def test_overlapping_max_windows_add_up():
    x = cr.tensor([[[[0.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]]], requires_grad=True)
    max_pool2d(x, 2, stride=1).sum().backward()  # the centre is the maximum of all four windows
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 0, 0], [0, 4, 0], [0, 0, 0]])


def test_max_pool2d_propagates_nan_like_torch():
    x = cr.tensor([[[[1.0, np.nan], [3.0, 2.0]]]])
    assert np.isnan(max_pool2d(x, 2).item())


def _backward(pool, x, params, upstream):
    leaf = cr.tensor(x, requires_grad=True)
    out = pool(leaf, **params)
    out.backward(cr.tensor(upstream))
    return out, leaf.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, params", MAX_GRID)
def test_fused_relu_max_pool2d_equals_relu_then_max_pool2d(dtype, shape, params):
    """Exactly, ties and windows whose maximum is 0 or negative included (values in -2..2)."""
    x = (_ties(shape, seed=2) * 2 - 2).astype(dtype)
    upstream = np.random.default_rng(3).standard_normal(max_pool2d(cr.tensor(x), **params).shape).astype(dtype)
    fused, composed = (_backward(pool, x, params, upstream) for pool in (relu_max_pool2d, relu_max_pool2d_composed))
    assert isinstance(fused[0].grad_fn, ReLUMaxPool2d)
    np.testing.assert_array_equal(fused[0].data, composed[0].data)
    np.testing.assert_array_equal(fused[1], composed[1])


def test_fused_relu_max_pool2d_closes_windows_without_a_positive_value():
    x = np.array([[[[-1.0, -1.0, 0.0, 0.0], [-3.0, -2.0, 0.0, 0.0]]]])
    out, grad = _backward(relu_max_pool2d, x, {"kernel_size": 2}, np.array([[[[5.0, 7.0]]]]))
    np.testing.assert_array_equal(out.data, [[[[0.0, 0.0]]]])
    np.testing.assert_array_equal(grad, np.zeros_like(x))


def test_fused_relu_max_pool2d_propagates_nan_and_routes_nothing_there():
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]], [[1.0, 4.0], [3.0, 4.0]]]])
    out, grad = _backward(relu_max_pool2d, x, {"kernel_size": 2}, np.ones((1, 2, 1, 1)))
    composed = _backward(relu_max_pool2d_composed, x, {"kernel_size": 2}, np.ones((1, 2, 1, 1)))
    assert np.isnan(out.detach().numpy()[0, 0, 0, 0]) and out.detach().numpy()[0, 1, 0, 0] == 4.0
    np.testing.assert_array_equal(grad, composed[1])
    np.testing.assert_array_equal(grad[0, 1], [[0, 1], [0, 0]])


def test_fused_relu_max_pool2d_in_the_convolution_layout():
    """The (C, H, W, N) memory a convolution returns, as LeNet-5 feeds it."""
    memory = _ties((6, 28, 28, 4), seed=4).astype(np.float32) - 1
    x = memory.transpose(3, 0, 1, 2)
    upstream = np.random.default_rng(5).standard_normal((4, 6, 14, 14)).astype(np.float32)
    fused, composed = (_backward(pool, x, {"kernel_size": 2}, upstream)
                       for pool in (relu_max_pool2d, relu_max_pool2d_composed))
    np.testing.assert_array_equal(fused[0].data, composed[0].data)
    np.testing.assert_array_equal(fused[1], composed[1])


AVG_GRID = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((1, 2, 8, 7), dict(kernel_size=(3, 2), stride=1, padding=(1, 0), divisor_override=5)),
    ((3, 5, 6), dict(kernel_size=2, ceil_mode=True)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, params", AVG_GRID)
def test_avg_pool2d_matches_torch(check_torch_parity, dtype, shape, params):
    import torch.nn.functional as F

    x = np.random.default_rng(0).standard_normal(shape)
    check_torch_parity(lambda x: avg_pool2d(x, **params), lambda x: F.avg_pool2d(x, **params), [x], dtype)


@pytest.mark.parametrize("shape, output_size", [((2, 3, 7, 9), 1), ((2, 3, 7, 9), (3, 4)), ((3, 7, 9), (None, 5))])
def test_adaptive_avg_pool2d_matches_torch(check_torch_parity, shape, output_size):
    import torch.nn.functional as F

    x = np.random.default_rng(0).standard_normal(shape)
    check_torch_parity(lambda x: adaptive_avg_pool2d(x, output_size),
                       lambda x: F.adaptive_avg_pool2d(x, output_size), [x])


def _distinct(shape, seed=3):
    """Values 0.1 apart (far beyond gradcheck's step): every window has one maximum."""
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 10.0


@pytest.mark.parametrize("fn, shape, params", [(max_pool2d, *case) for case in MAX_GRID] + [
    (avg_pool2d, *case) for case in AVG_GRID] + [
    (adaptive_avg_pool2d, (2, 3, 7, 9), dict(output_size=1)),
    (adaptive_avg_pool2d, (1, 2, 5, 5), dict(output_size=(2, 3))),
    (adaptive_avg_pool2d, (3, 7, 9), dict(output_size=(None, 5))),
])
def test_pooling_gradcheck(fn, shape, params):
    gradcheck(lambda x: fn(x, **params), [_distinct(shape)])


def test_avg_pool2d_spreads_the_gradient_evenly():
    x = cr.zeros(1, 1, 4, 4, dtype="float64", requires_grad=True)
    avg_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 4, 4), 0.25))


@pytest.mark.parametrize("fn, shape, params, error, message", [
    (max_pool2d, (1, 1, 2, 2), dict(kernel_size=3), ShapeError,
     "max_pool2d: input of shape (1, 1, 2, 2) with padding (0, 0) is smaller than the dilated kernel (3, 3)"),
    (max_pool2d, (1, 1, 4, 4), dict(kernel_size=2, padding=2), ValueError,
     "max_pool2d: padding (2, 2) must be at most half of kernel_size (2, 2)"),
    (avg_pool2d, (4, 4), dict(kernel_size=2), ShapeError,
     "avg_pool2d: expected an input (N, C, H, W) or (C, H, W), got shape (4, 4)"),
    (avg_pool2d, (1, 1, 4, 4), dict(kernel_size=0), ValueError,
     "avg_pool2d: kernel_size must be at least 1, got 0"),
    (adaptive_avg_pool2d, (1, 4, 4), dict(output_size=0), ValueError,
     "adaptive_avg_pool2d: output_size must be at least 1, got (0, 0)"),
])
def test_pooling_errors(fn, shape, params, error, message):
    with pytest.raises(error, match=re.escape(message)):
        fn(cr.zeros(*shape), **params)


def test_a_cached_geometry_is_the_one_the_arguments_give():
    """Geometries are cached per call signature: a bool that equals a cached int is still
    refused, and a geometry taken from the cache equals a freshly computed one."""
    from chainrule.ops.pooling import PoolGeometry, pool_geometry

    x = cr.zeros(1, 1, 4, 4)
    max_pool2d(x, 1)
    with pytest.raises(ValueError, match="kernel_size must be an int or 2 ints, got True"):
        max_pool2d(x, True)
    args = ("max_pool2d", (2, 3, 7, 9), 3, 2, 1, 1, True)
    cached, fresh = pool_geometry(*args), PoolGeometry(*args)
    assert pool_geometry(*args) is cached
    assert repr(cached) == repr(fresh) and (cached.pads, cached.slices) == (fresh.pads, fresh.slices)
