"""``torchvision.utils.save_image``: a grid of (B, C, H, W) images in [0, 1] written as a PNG."""
import math

import numpy as np
from PIL import Image


def save_image(tensor, fp, nrow=8, padding=2, **_):
    images = tensor.detach().cpu().numpy()
    if images.ndim == 3:
        images = images[None]
    b, c, h, w = images.shape
    cols = min(nrow, b)
    rows = math.ceil(b / cols)
    grid = np.zeros((c, rows * (h + padding) + padding, cols * (w + padding) + padding), np.float32)
    for i in range(b):
        y, x = padding + (i // cols) * (h + padding), padding + (i % cols) * (w + padding)
        grid[:, y:y + h, x:x + w] = images[i]
    pixels = (np.clip(grid, 0, 1) * 255 + 0.5).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(pixels[:, :, 0] if c == 1 else pixels).save(fp)
