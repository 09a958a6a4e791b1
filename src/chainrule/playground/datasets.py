"""The 2-D toy datasets of the network view, points in [-1, 1]^2 with labels 0 and 1.

``make(name, points, noise, rng)`` returns ``x`` (points, 2) float64 and ``y`` (points,)
float64; ``noise`` is the standard deviation of the Gaussian jitter added to every point.
"""
import numpy as np

DATASETS = ("circle", "xor", "gauss", "spiral")


def _circle(n, rng):
    inner = rng.permutation(n) < n // 2
    radius = np.where(inner, rng.uniform(0, 0.45, n), rng.uniform(0.65, 0.95, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1), inner.astype(np.float64)


def _xor(n, rng):
    x = rng.uniform(-0.95, 0.95, (n, 2))
    x += np.sign(x) * 0.05  # a small gap along the axes, as in TensorFlow Playground
    return x, (x[:, 0] * x[:, 1] > 0).astype(np.float64)


def _gauss(n, rng):
    label = (rng.permutation(n) < n // 2).astype(np.float64)
    centre = np.where(label[:, None] == 1, 0.45, -0.45)
    return centre + rng.normal(0, 0.18, (n, 2)), label


def _spiral(n, rng):
    label = (rng.permutation(n) < n // 2).astype(np.float64)
    t = rng.uniform(0, 1, n)
    angle = 1.75 * t * 2 * np.pi + np.pi * label
    radius = 0.9 * t + 0.05
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1), label


_MAKERS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral}


def make(name, points, noise, rng):
    """``points`` examples of dataset ``name`` (one of ``DATASETS``) with jitter ``noise``."""
    x, y = _MAKERS[name](points, rng)
    return x + rng.normal(0, noise, x.shape) if noise else x, y
