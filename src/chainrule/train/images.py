"""Reading user images for ``predict``: PNG/JPEG (Pillow) or NPY, validated, as model input."""
import numpy as np

from .extras import require

MAX_SIDE = 8192  # larger images are refused before decoding (decompression bombs)


class ImageError(ValueError):
    """An image that cannot be used; the message names the file and the problem."""


def load_image(path, size, invert=None):
    """The image at ``path`` as float32 of shape (1, H, W) in [0, 1], for ``size=(H, W)``.

    PNG, JPEG and whatever else Pillow reads are converted to grayscale; ``.npy`` files hold
    a 2-D array (or (1, H, W)): integers in 0..255, or floats in [0, 1] (or 0..255). Other
    sizes are resized. Digits datasets are light on dark: ``invert=None`` inverts images
    whose border is mostly light (a dark digit on white paper); True/False force it.
    Raises ``ImageError`` for anything that cannot be read or is not an image.
    """
    path = str(path)
    pixels = _read_npy(path) if path.lower().endswith(".npy") else _read_picture(path)
    if pixels.shape != tuple(size):
        pixels = _resize(pixels, size)
    if invert is None:
        invert = _border(pixels).mean() > 0.5
    return (1.0 - pixels if invert else pixels)[None].astype(np.float32)


def _read_picture(path):
    image_module = require("PIL.Image", "reading images")
    try:
        with image_module.open(path) as image:
            if max(image.size) > MAX_SIDE:
                raise ImageError(f"{path}: image of {image.size[0]}x{image.size[1]} pixels is too "
                                 f"large (at most {MAX_SIDE} on a side)")
            gray = image.convert("L")
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{path}: is a directory, not an image") from None
    except (OSError, ValueError, image_module.DecompressionBombError) as exc:
        raise ImageError(f"{path}: not a readable image ({exc})") from None
    return np.asarray(gray, dtype=np.float32) / 255.0


def _read_npy(path):
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except (OSError, ValueError, EOFError) as exc:
        raise ImageError(f"{path}: not a readable .npy array ({exc})") from None
    if not isinstance(array, np.ndarray):
        raise ImageError(f"{path}: expected one array, found an archive of several")
    if array.ndim == 3 and 1 in (array.shape[0], array.shape[-1]):
        array = array.reshape(array.shape[:2] if array.shape[-1] == 1 else array.shape[1:])
    if array.ndim != 2 or min(array.shape) < 1 or max(array.shape) > MAX_SIDE:
        raise ImageError(f"{path}: expected a grayscale image array of shape (H, W) or (1, H, W), "
                         f"got shape {array.shape}")
    if array.dtype.kind not in "uif":
        raise ImageError(f"{path}: expected integer or float pixels, got dtype {array.dtype}")
    pixels = array.astype(np.float32)
    if not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 255:
        raise ImageError(f"{path}: pixel values must be finite and in [0, 1] or 0..255")
    integer_range = array.dtype.kind in "ui" or pixels.max() > 1
    return pixels / 255.0 if integer_range else pixels


def _resize(pixels, size):
    image_module = require("PIL.Image", "resizing images")
    image = image_module.fromarray(pixels.astype(np.float32))
    resized = image.resize((size[1], size[0]), image_module.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _border(pixels):
    return np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
