"""make_grid lays images out as torchvision does; save_image writes those bytes."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.vision.utils import make_grid, save_image


def test_make_grid_places_each_image_with_padding():
    images = cr.tensor(np.arange(5 * 1 * 2 * 3, dtype=np.float32).reshape(5, 1, 2, 3))
    grid = make_grid(images, nrow=2, padding=1, pad_value=-1.0).numpy()
    assert grid.shape == (3, 3 * 3 + 1, 2 * 4 + 1)  # one channel becomes three; 3 rows of 2
    for i in range(5):
        y, x = 1 + (i // 2) * 3, 1 + (i % 2) * 4
        for channel in range(3):
            np.testing.assert_array_equal(grid[channel, y:y + 2, x:x + 3], images.numpy()[i, 0])
    assert (grid[:, 7:9, 5:8] == -1).all()  # the sixth cell is padding
    assert (grid[:, 0, :] == -1).all()


def test_make_grid_normalize_maps_the_range_to_unit():
    grid = make_grid(cr.tensor([[[[2.0, 4.0]]]]), padding=0, normalize=True).numpy()
    np.testing.assert_array_equal(grid[0], [[0.0, 1.0]])


def test_make_grid_rejects_a_flat_vector():
    with pytest.raises(ValueError, match=r"make_grid: expected images of shape \(B, C, H, W\)"):
        make_grid(cr.zeros(2, 2, 2, 2, 2))


def test_save_image_writes_the_rounded_bytes(tmp_path):
    image = pytest.importorskip("PIL.Image")
    values = cr.tensor([[[[0.0, 0.5, 1.0, 0.2]]]])
    save_image(values, tmp_path / "x.png", padding=0)
    with image.open(tmp_path / "x.png") as picture:
        pixels = np.asarray(picture)
    assert pixels.shape == (1, 4, 3)
    np.testing.assert_array_equal(pixels[0, :, 0], [0, 128, 255, 51])


def test_make_grid_matches_torchvision_layout_when_available():
    torchvision = pytest.importorskip("torchvision", reason="torchvision is not installable beside torch 2.13 here")
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((7, 3, 4, 5)).astype(np.float32)
    expected = torchvision.utils.make_grid(torch.from_numpy(x), nrow=3, padding=2).numpy()
    np.testing.assert_array_equal(make_grid(cr.tensor(x), nrow=3, padding=2).numpy(), expected)
