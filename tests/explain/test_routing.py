"""Max pooling's routing mask: exact counts with ties (first maximum in row-major window
order, as PyTorch), PyTorch's gradient of ones, and the picture."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import heatmap, routing_mask
from chainrule.nn import functional as F
from tests.test_pictures import decode

# ties everywhere: 3 three times in the top-left window, 5 three times below
X = np.array([[3, 3, 1, 0],
              [3, 2, 1, 1],
              [0, 5, 5, 2],
              [5, 1, 2, 2]], dtype=np.float64).reshape(1, 1, 4, 4)


@pytest.mark.parametrize("kernel, stride, expected", [
    (2, 2, [[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]),  # disjoint windows: one 1 each
    (2, 1, [[1, 1, 1, 0], [0, 0, 0, 0], [0, 4, 2, 0], [0, 0, 0, 0]]),  # overlapping windows add
    (3, 1, [[0, 0, 0, 0], [0, 0, 0, 0], [0, 4, 0, 0], [0, 0, 0, 0]]),
])
def test_routing_mask_counts_the_windows_routed_to_each_position(kernel, stride, expected):
    x = cr.tensor(X, requires_grad=True)
    mask = routing_mask(F.max_pool2d(x, kernel, stride=stride))
    assert mask.dtype == np.int64
    np.testing.assert_array_equal(mask[0, 0], expected)


@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (2, 1, 0), (3, 2, 1)])
def test_routing_mask_is_pytorchs_gradient_of_ones(kernel, stride, padding):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    values = rng.integers(0, 3, (2, 3, 6, 6)).astype(np.float64)  # few levels: many ties
    mask = routing_mask(F.max_pool2d(cr.tensor(values, requires_grad=True), kernel, stride, padding))
    reference = torch.tensor(values, requires_grad=True)
    torch.nn.functional.max_pool2d(reference, kernel, stride, padding).sum().backward()
    np.testing.assert_array_equal(mask, reference.grad.numpy())


def test_routing_mask_leaves_the_graph_alone_and_names_bad_input():
    x = cr.tensor(X, requires_grad=True)
    pooled = F.max_pool2d(x, 2)
    routing_mask(pooled)
    assert x.grad is None
    with pytest.raises(TypeError, match="routing_mask: expected the output of max_pool2d .* grad_fn ReLU"):
        routing_mask(cr.relu(x))
    with pytest.raises(TypeError, match="a Tensor with no graph"):
        routing_mask(F.max_pool2d(cr.tensor(X), 2))


def test_the_mask_as_a_picture():
    mask = routing_mask(F.max_pool2d(cr.tensor(X, requires_grad=True), 2, stride=1))
    picture = decode(heatmap(mask, scale=1).png)
    assert picture.shape[:2] == (40, 40)  # a 4x4 tile repeated to fit 42x84 pixels
    grey = picture[::10, ::10, 0]  # one pixel per position: white 0, black the most windows
    np.testing.assert_array_equal(grey, (255 * (1 - mask[0, 0] / 4)).round())


def test_the_fused_relu_max_pool_routes_only_windows_whose_maximum_passes_relu():
    from chainrule.ops.pooling import relu_max_pool2d
    x = cr.tensor(np.array([[[[0.13, -0.13, 0.64, 0.1], [-0.54, 0.36, 1.3, 0.95],
                                [-0.7, -1.27, -0.62, 0.04], [-2.33, -0.22, -1.25, -0.73]]]]),
                  requires_grad=True)
    expected = [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert routing_mask(relu_max_pool2d(x, 2))[0, 0].tolist() == expected
