import numpy as np
import pytest

from chainrule.playground import datasets


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_shapes_balance_and_range(name):
    x, y = datasets.make(name, 301, 0.0, np.random.default_rng(0))
    assert x.shape == (301, 2) and y.shape == (301,) and x.dtype == y.dtype == np.float64
    assert set(np.unique(y)) == {0.0, 1.0}
    assert abs(y.mean() - 0.5) < 0.1
    assert np.abs(x).max() <= 1.2


def test_labels_follow_the_shape_without_noise():
    rng = np.random.default_rng(1)
    x, y = datasets.make("xor", 500, 0.0, rng)
    np.testing.assert_array_equal(y, x[:, 0] * x[:, 1] > 0)
    assert np.abs(x).min() >= 0.05  # the gap along the axes
    x, y = datasets.make("circle", 500, 0.0, rng)
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius[y == 1].max() <= 0.45 < 0.65 <= radius[y == 0].min()


def test_noise_is_gaussian_jitter_of_that_size():
    clean, _ = datasets.make("gauss", 2000, 0.0, np.random.default_rng(2))
    noisy, _ = datasets.make("gauss", 2000, 0.3, np.random.default_rng(2))
    assert np.std(noisy - clean) == pytest.approx(0.3, rel=0.05)
