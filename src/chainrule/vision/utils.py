"""``torchvision.utils``' ``make_grid`` and ``save_image``: a batch of images as one picture."""
import math

import numpy as np

from ..tensor import Tensor
from .transforms import pil_image_module


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, pad_value=0.0):
    """(B, C, H, W) or (C, H, W) images -> one (3 or C, rows*(H+padding)+padding,
    cols*(W+padding)+padding) Tensor, ``nrow`` images per row, as torchvision lays it out (a
    one-channel batch becomes three equal channels; ``normalize`` maps ``value_range``, or
    the batch's min and max, to [0, 1])."""
    images = np.asarray(tensor.detach().numpy() if isinstance(tensor, Tensor) else tensor, dtype=np.float32)
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"make_grid: expected images of shape (B, C, H, W), got shape {images.shape}")
    if images.shape[1] == 1:
        images = np.repeat(images, 3, axis=1)
    if normalize:
        low, high = value_range if value_range is not None else (images.min(), images.max())
        images = (np.clip(images, low, high) - low) / max(high - low, 1e-5)
    b, c, h, w = images.shape
    cols = min(nrow, b)
    rows = math.ceil(b / cols)
    grid = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value, np.float32)
    for i in range(b):
        y, x = padding + (i // cols) * (h + padding), padding + (i % cols) * (w + padding)
        grid[:, y:y + h, x:x + w] = images[i]
    return Tensor._make(grid, False, None)


def save_image(tensor, fp, nrow=8, padding=2, normalize=False, value_range=None, pad_value=0.0, format=None):
    """Write ``make_grid(tensor, ...)`` to ``fp`` (a path or file object) as an image (PNG for a
    .png name), each value v in [0, 1] stored as the byte round(255 v) as torchvision does."""
    grid = make_grid(tensor, nrow=nrow, padding=padding, normalize=normalize, value_range=value_range,
                     pad_value=pad_value).numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    pil_image_module().fromarray(pixels).save(fp, format=format)
