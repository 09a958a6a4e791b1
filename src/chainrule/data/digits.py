"""The embedded default data set: scikit-learn's bundled 8x8 handwritten digits (no network)."""
import numpy as np

from .dataset import ImageDataset

TEST_EVERY = 5  # within each class, in file order, every 5th image is a test image


def split_mask(targets):
    """True for test images: the 5th, 10th, 15th, ... image of each class, in file order.

    A fixed, stratified 80/20 split that needs no random numbers, so it is the same on every
    machine and NumPy version.
    """
    test = np.zeros(len(targets), dtype=bool)
    for label in np.unique(targets):
        test[np.flatnonzero(targets == label)[TEST_EVERY - 1::TEST_EVERY]] = True
    return test


class Digits(ImageDataset):
    """scikit-learn's handwritten digits: 1,797 grayscale 8x8 images of the digits 0-9.

    A fixed split (``split_mask``): 1,442 training and 355 test images, each class split
    80/20. Items are ``(image, label)``: float32 images of shape (1, 8, 8) scaled to [0, 1]
    (the stored values 0..16 divided by 16) and int labels; arrays ``data`` (N, 8, 8) uint8
    (0..16) and ``targets`` (N,) int64, as in ``IDXDataset``. Needs scikit-learn.
    """

    classes = [str(digit) for digit in range(10)]

    def __init__(self, train=True, transform=None):
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError(
                "the digits data set comes with scikit-learn: pip install 'chainrule[cli]'"
            ) from None
        bunch = load_digits()
        keep = split_mask(bunch.target) != bool(train)
        self.train = bool(train)
        pixels = bunch.images.astype(np.uint8)  # integers 0..16 stored as float64
        super().__init__(pixels[keep], bunch.target[keep], scale=16, transform=transform)
