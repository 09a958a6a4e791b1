import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import ShapeError, gradcheck
from chainrule.ops.conv_transpose import conv_transpose2d

# (input shape, weight shape, stride, padding, output_padding, groups, dilation)
GRID = [
    ((2, 3, 4, 5), (3, 2, 3, 3), 1, 0, 0, 1, 1),
    ((1, 2, 3, 3), (2, 4, 3, 3), 2, 1, 1, 1, 1),
    ((2, 4, 3, 4), (4, 3, 2, 3), (2, 3), (0, 1), (1, 2), 2, 1),
    ((1, 2, 4, 4), (2, 1, 3, 2), 2, 2, 0, 2, 2),
    ((1, 1, 2, 2), (1, 1, 4, 4), 2, 1, 0, 1, 1),  # a DCGAN upsampling block
    ((3, 5, 5), (3, 2, 3, 3), 1, 2, 0, 1, 1),  # unbatched
    ((1, 2, 5, 5), (2, 2, 3, 3), 2, 3, 1, 1, 1),  # padding beyond dilation (k - 1): the spread input is cropped
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, output_padding, groups, dilation", GRID)
def test_conv_transpose2d_matches_torch(check_torch_parity, dtype, x_shape, w_shape, stride, padding,
                                        output_padding, groups, dilation):
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[1] * groups)]
    params = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    check_torch_parity(lambda x, w, b: conv_transpose2d(x, w, b, **params),
                       lambda x, w, b: F.conv_transpose2d(x, w, b, **params), arrays, dtype)


def test_conv_transpose2d_gradcheck():
    rng = np.random.default_rng(1)
    gradcheck(lambda x, w: conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
              (rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 3, 3))))


def test_conv_transpose2d_errors():
    with pytest.raises(ShapeError, match=r"conv_transpose2d: input of shape \(1, 3, 4, 4\) has 3 channels, but weight"):
        conv_transpose2d(cr.zeros(1, 3, 4, 4), cr.zeros(2, 1, 3, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(2, 2\) must be smaller than stride"):
        conv_transpose2d(cr.zeros(1, 2, 4, 4), cr.zeros(2, 1, 3, 3), stride=2, output_padding=2)
