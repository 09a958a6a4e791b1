import zlib

import numpy as np
import pytest

from chainrule.explain.examples import synthetic_digit
from chainrule.pictures import colours, heatmap_png, png_size, tiles


def decode(png):
    """(H, W, 3) uint8 of a PNG written by png_bytes (one IDAT, filter 0 on every row)."""
    width, height = png_size(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    start = png.index(b"IDAT") + 4
    length = int.from_bytes(png[start - 8:start - 4], "big")
    raw = zlib.decompress(png[start:start + length])
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + 3 * width)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


@pytest.mark.parametrize("shape, tile_shapes", [
    ((784,), [(28, 28)]),                 # a flattened MNIST digit is an image
    ((30,), [(1, 30)]),                   # a vector is a strip
    ((30, 784), [(28, 28)] * 8),          # a weight matrix on images: its first rows as images
    ((10, 30), [(10, 30)]),
    ((1, 6, 12, 12), [(12, 12)] * 6),     # a CNN tensor: the channels of its first example
    ((2, 3, 4, 4), [(4, 4)] * 3),
    ((1, 1, 5, 5), [(5, 5)]),
    ((2, 2, 2, 2, 2), []),
])
def test_tiles(shape, tile_shapes):
    assert [t.shape for t in tiles(np.zeros(shape))] == tile_shapes


def test_a_digit_is_drawn_in_grey_and_a_gradient_symmetric_around_zero():
    digit = synthetic_digit()
    picture = decode(heatmap_png(digit))
    assert picture.shape == (28, 28, 3)
    np.testing.assert_array_equal(picture[..., 0], (255 * (1 - digit / digit.max())).round().reshape(28, 28))
    grad = np.array([[-2.0, 0.0, 1.0, 2.0]])  # a (1, 4) strip, 6 pixels high
    picture = decode(heatmap_png(grad))
    assert picture.shape[0] == 6 and picture.shape[1] % 4 == 0
    step = picture.shape[1] // 4
    left, zero, half, right = (picture[0, i * step] for i in range(4))
    np.testing.assert_array_equal(left, [84, 39, 136])    # -max: full purple
    np.testing.assert_array_equal(zero, [255, 255, 255])  # 0: white
    np.testing.assert_array_equal(right, [230, 97, 1])    # +max: full orange
    np.testing.assert_array_equal(half, colours(np.array(0.5), 1.0, True))


def test_large_arrays_are_averaged_down():
    matrix = np.arange(100 * 300, dtype=np.float64).reshape(100, 300)
    width, height = png_size(heatmap_png(matrix))
    assert width <= 84 and height <= 42
    assert heatmap_png(np.zeros((2, 2, 2, 2, 2))) is None


def test_heatmap_helper_for_notebooks(tmp_path):
    import chainrule as cr
    from chainrule.explain import heatmap

    digit = cr.tensor(synthetic_digit(), requires_grad=True)
    picture = heatmap(digit)  # a Tensor that requires grad is fine: only its values are read
    assert png_size(picture._repr_png_()) == (112, 112)  # 28x28, each pixel 4x4
    np.testing.assert_array_equal(decode(picture.png)[::4, ::4], decode(heatmap_png(synthetic_digit())))
    assert picture.save(tmp_path / "digit.png").read_bytes() == picture.png
    with pytest.raises(ValueError, match="heatmap: an array of shape \\(2, 2, 2, 2, 2\\) has no picture"):
        heatmap(np.zeros((2, 2, 2, 2, 2)))
    with pytest.raises(ValueError, match="heatmap: scale must be an integer"):
        heatmap(synthetic_digit(), scale=0)
