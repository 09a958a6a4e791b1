import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from chainrule.autograd.function import ShapeError
from chainrule.ops.conv import conv1d, conv2d, conv2d_composed, k_chunked_matmul

# (input shape, weight shape, stride, padding, dilation, groups): every value the issue names
# appears at least once, next to non-square kernels, odd image sizes, batch 1 and 1 or 3 channels.
CONV2D_GRID = [
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0, 1, 1),
    ((1, 1, 5, 5), (2, 1, 3, 3), 1, 1, 1, 1),
    ((2, 3, 8, 7), (2, 3, 3, 3), 2, 1, 1, 1),
    ((2, 3, 9, 9), (4, 3, 3, 3), 1, "same", 1, 1),
    ((1, 3, 6, 7), (2, 3, 2, 4), 1, "same", 1, 1),
    ((1, 1, 7, 7), (3, 1, 3, 3), 1, "same", 2, 1),
    ((2, 4, 9, 8), (6, 2, 3, 3), 2, 1, 2, 2),
    ((2, 2, 7, 7), (2, 1, 3, 3), 1, "same", 2, 2),
    ((1, 3, 11, 9), (2, 3, 3, 2), (2, 1), (1, 0), (2, 1), 1),
    ((2, 3, 5, 5), (2, 3, 5, 5), 1, 0, 1, 1),
    ((2, 3, 5, 4), (4, 3, 1, 1), 2, 0, 1, 1),
    ((1, 2, 7, 5), (4, 1, 3, 1), 2, "valid", 1, 2),
]
# LeNet-5's two layers: patch matrices of 25 and of 150 rows take the two orders of the
# weight-gradient product (ops.conv.WIDE_PATCHES)
LENET_LAYERS = [
    ((3, 1, 28, 28), (6, 1, 5, 5), 1, 2, 1, 1),
    ((3, 6, 14, 14), (16, 6, 5, 5), 1, 0, 1, 1),
]


def _arrays(x_shape, w_shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own padding copy
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups", CONV2D_GRID + LENET_LAYERS)
def test_conv2d_matches_torch(check_torch_parity, dtype, x_shape, w_shape, stride, padding, dilation, groups):
    import torch.nn.functional as F

    params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    check_torch_parity(
        lambda x, w, b: conv2d(x, w, b, **params),
        lambda x, w, b: F.conv2d(x, w, b, **params),
        _arrays(x_shape, w_shape), dtype,
    )


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups", [
    ((2, 3, 9), (4, 3, 3), 2, 1, 1, 1),
    ((1, 4, 10), (2, 2, 4), 1, "same", 2, 2),
    ((3, 8), (2, 3, 2), 1, 0, 1, 1),  # unbatched
])
def test_conv1d_matches_torch(check_torch_parity, x_shape, w_shape, stride, padding, dilation, groups):
    import torch.nn.functional as F

    params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    check_torch_parity(
        lambda x, w, b: conv1d(x, w, b, **params),
        lambda x, w, b: F.conv1d(x, w, b, **params),
        _arrays(x_shape, w_shape),
    )


def test_unbatched_conv2d_matches_torch(check_torch_parity):
    import torch.nn.functional as F

    check_torch_parity(
        lambda x, w, b: conv2d(x, w, b, padding=1),
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
        _arrays((3, 6, 5), (2, 3, 3, 3)),
    )


@pytest.fixture
def two_threads():
    cr.settings._num_threads[0] = 2  # chainrule's count only: BLAS is left alone
    yield
    cr.settings._num_threads[0] = None


@pytest.mark.parametrize("threads", [1, 2])
def test_weight_gradient_in_chunks_equals_one_product(threads):
    # (6 x 25) outputs as in LeNet's first layer: chunks of 3,495 columns, two and a remainder
    rng = np.random.default_rng(0)
    dy, patches = rng.standard_normal((2, 6, 7090)), rng.standard_normal((2, 25, 7090))
    cr.settings._num_threads[0] = threads
    try:
        weight_grad = k_chunked_matmul(dy, patches.transpose(0, 2, 1))
    finally:
        cr.settings._num_threads[0] = None
    np.testing.assert_allclose(weight_grad, dy @ patches.transpose(0, 2, 1), rtol=1e-12, atol=1e-12)
    if threads == 1:  # one product, as it was
        assert np.array_equal(weight_grad, dy @ patches.transpose(0, 2, 1))


def test_first_lenet_layer_in_chunks_matches_torch(check_torch_parity, two_threads):
    import torch.nn.functional as F

    check_torch_parity(
        lambda x, w, b: conv2d(x, w, b, padding=2),
        lambda x, w, b: F.conv2d(x, w, b, padding=2),
        _arrays((10, 1, 28, 28), (6, 1, 5, 5)), np.float32,  # 7,840 columns: two chunks and a remainder
    )


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups", CONV2D_GRID + [
    ((1, 2, 5, 4), (2, 2, 3, 2), 1, 1, 1, 1),
    ((2, 2, 6, 5), (2, 1, 2, 3), 2, "valid", (1, 2), 2),
])
def test_conv2d_gradcheck(x_shape, w_shape, stride, padding, dilation, groups):
    params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gradcheck(lambda x, w, b: conv2d(x, w, b, **params), _arrays(x_shape, w_shape))  # input, weight, bias


def test_conv_output_is_an_nchw_view_of_batch_inner_memory():
    x, w, b = _arrays((2, 3, 6, 6), (4, 3, 3, 3))
    out = conv2d(cr.tensor(x), cr.tensor(w), cr.tensor(b)).detach().numpy()
    assert out.shape == (2, 4, 4, 4)
    assert out.transpose(1, 2, 3, 0).flags.c_contiguous  # (C, H, W, N): the next op reads it without a copy


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_fused_bias_matches_composed_reference(dtype, tol):
    arrays = [a.astype(dtype) for a in _arrays((2, 4, 7, 6), (6, 2, 3, 2))]
    params = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    results = []
    for fn in (conv2d, conv2d_composed):
        leaves = [cr.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*leaves, **params)
        out.backward(np.random.default_rng(2).standard_normal(out.shape).astype(dtype))
        results.append([out.detach().numpy()] + [leaf.grad for leaf in leaves])
    for fused, composed in zip(*results):
        np.testing.assert_allclose(fused, composed, rtol=tol, atol=tol)


def test_fused_bias_is_one_node():
    x, w, b = (cr.tensor(a, requires_grad=True) for a in _arrays((1, 2, 5, 5), (3, 2, 3, 3)))
    assert conv2d(x, w, b).grad_fn.inputs == (x, w, b)
    assert conv2d_composed(x, w, b).grad_fn.op_name() == "add"


def test_no_input_gradient_when_only_the_weights_learn():
    x, w, b = _arrays((2, 1, 6, 6), (2, 1, 3, 3))
    weight = cr.tensor(w, requires_grad=True)
    conv2d(cr.tensor(x), weight, cr.tensor(b)).sum().backward()
    assert weight.grad.shape == w.shape


def test_overlapping_windows_add_up_in_the_input_gradient():
    # 3x3 kernel of ones over a 4x4 image (stride 1): each pixel's gradient counts its windows.
    x = cr.zeros(1, 1, 4, 4, dtype="float64", requires_grad=True)
    conv2d(x, cr.ones(1, 1, 3, 3, dtype="float64")).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


@pytest.mark.parametrize("x_shape, w_shape, params, message", [
    ((1, 3, 4, 4), (2, 3, 5, 5), {},
     "conv2d: input of shape (1, 3, 4, 4) with padding (0, 0) is smaller than the dilated kernel (5, 5)"),
    ((1, 3, 6, 6), (2, 3, 3, 3), dict(dilation=3),
     "conv2d: input of shape (1, 3, 6, 6) with padding (0, 0) is smaller than the dilated kernel (7, 7)"),
    ((1, 3, 6, 6), (4, 1, 3, 3), dict(groups=2),
     "conv2d: in_channels 3 (input of shape (1, 3, 6, 6)) and out_channels 4 (weight of shape "
     "(4, 1, 3, 3)) must both be divisible by groups=2"),
    ((1, 3, 6, 6), (4, 2, 3, 3), {},
     "conv2d: input of shape (1, 3, 6, 6) has 3 channels, but weight of shape (4, 2, 3, 3) with "
     "groups=1 expects 2"),
    ((6, 6), (4, 1, 3, 3), {},
     "conv2d: expected an input (N, C, H, W) or (C, H, W) and a 4-d weight (C_out, C/groups, "
     "*kernel), got input of shape (6, 6) and weight of shape (4, 1, 3, 3)"),
    ((1, 2, 3), (4, 2, 5), {},
     "conv1d: input of shape (1, 2, 3) with padding (0,) is smaller than the dilated kernel (5,)"),
])
def test_impossible_configurations_name_the_op_and_shapes(x_shape, w_shape, params, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        (conv1d if len(w_shape) == 3 else conv2d)(cr.zeros(*x_shape), cr.zeros(*w_shape), **params)


@pytest.mark.parametrize("params, message", [
    (dict(stride=0), "conv2d: stride must be at least 1, got 0"),
    (dict(padding=-1), "conv2d: padding must be at least 0, got -1"),
    (dict(padding="full"), "conv2d: padding must be an int, a tuple, 'valid' or 'same', got 'full'"),
    (dict(padding="same", stride=2), "conv2d: padding='same' is not supported for strided convolutions"),
    (dict(groups=0), "conv2d: groups must be a positive int, got 0"),
])
def test_bad_arguments(params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        conv2d(cr.zeros(1, 2, 5, 5), cr.zeros(2, 2, 3, 3), **params)


def test_bias_shape_and_dtype_errors():
    with pytest.raises(ShapeError, match=re.escape("conv2d: bias of shape (3,) does not match out_channels; expected (2,)")):
        conv2d(cr.zeros(1, 2, 5, 5), cr.zeros(2, 2, 3, 3), cr.zeros(3))
    with pytest.raises(TypeError, match="conv2d: input is float32 but the parameters are float64"):
        conv2d(cr.zeros(1, 2, 5, 5), cr.zeros(2, 2, 3, 3, dtype="float64"))
