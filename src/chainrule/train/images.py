"""Reading user images for ``predict``: PNG/JPEG (Pillow) or NPY, validated, as model input.

Nothing is decoded before its size is checked: a small file may declare a huge image (a
decompression bomb), so the dimensions in a PNG/JPEG header or an NPY header are checked
first, and NPY files are read with ``allow_pickle=False``.
"""
import contextlib
import warnings

import numpy as np

from ..data import DataError
from ..io import open_regular
from .extras import require

MAX_SIDE = 8192  # larger images are refused before decoding (decompression bombs)
MAX_PIXELS = 1 << 24  # 16.8 megapixels (4096 x 4096; a 12-megapixel photo fits)
# Pillow's decoders tried, no others: EPS would run Ghostscript on the file
PICTURE_FORMATS = ("PNG", "JPEG", "BMP", "GIF")


class ImageError(DataError):
    """An image that cannot be used; the message names the file and the problem. A
    ``chainrule.data.DataError`` (so a ``ValueError``), like every bad input file."""


def load_image(path, size, invert=None):
    """The image at ``path`` as float32 of shape (1, H, W) in [0, 1], for ``size=(H, W)``.

    PNG, JPEG, BMP and GIF are converted to grayscale; ``.npy`` files hold a 2-D array
    (or (1, H, W) or (H, W, 1)): integers in 0..255, or floats in [0, 1] (or 0..255). Other
    sizes are resized. Digits datasets are light on dark: ``invert=None`` inverts images
    whose border is mostly light (a dark digit on white paper); True/False force it.
    Raises ``ImageError`` for anything that cannot be read, is not an image, or is larger
    than ``MAX_SIDE`` on a side or ``MAX_PIXELS`` in all.
    """
    path = str(path)
    pixels = _read_npy(path) if path.lower().endswith(".npy") else _read_picture(path)
    if pixels.shape != tuple(size):
        pixels = _resize(pixels, size)
    if invert is None:
        invert = _border(pixels).mean() > 0.5
    return (1.0 - pixels if invert else pixels)[None].astype(np.float32)


def _check_size(path, height, width):
    if max(height, width) > MAX_SIDE or height * width > MAX_PIXELS:
        raise ImageError(f"{path}: image of {width}x{height} pixels is too large (at most "
                         f"{MAX_SIDE} on a side and {MAX_PIXELS} pixels in all)")


@contextlib.contextmanager
def _reading(path, what):
    """Turn any failure while reading ``path`` into one ImageError naming the file."""
    try:
        yield
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{path}: is a directory, not an image") from None
    except Exception as exc:  # noqa: BLE001  (Pillow's decoders and NumPy's header parser raise many types)
        raise ImageError(f"{path}: not a readable {what} ({type(exc).__name__}: {exc})") from None


def _read_picture(path):
    image_module = require("PIL.Image", "reading images")
    with _reading(path, "image"), warnings.catch_warnings():
        warnings.simplefilter("error", image_module.DecompressionBombWarning)
        try:
            with open_regular(path) as file, image_module.open(file, formats=PICTURE_FORMATS) as image:
                _check_size(path, image.height, image.width)
                return _grayscale(image)
        except image_module.UnidentifiedImageError:
            raise ImageError(f"{path}: not a readable image (not recognised as "
                             f"{', '.join(PICTURE_FORMATS[:-1])} or {PICTURE_FORMATS[-1]})") from None
        except (image_module.DecompressionBombWarning, image_module.DecompressionBombError) as exc:
            raise ImageError(f"{path}: image too large ({exc})") from None


SIXTEEN_BIT_MODES = ("I", "I;16", "I;16B", "I;16L")  # how Pillow opens a 16-bit grayscale PNG


def _grayscale(image):
    """A decoded picture as float32 (H, W) in [0, 1], by its real depth and mode: 16-bit
    grayscale is scaled by 65535 (not clipped at 255); a transparent image is composited over
    the background that contrasts with what is drawn, so a digit drawn only in the alpha
    channel is not blank."""
    if image.mode in SIXTEEN_BIT_MODES:
        return np.clip(np.asarray(image, dtype=np.float32) / 65535.0, 0.0, 1.0)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        luminance = np.asarray(rgba.convert("L"), dtype=np.float32) / 255.0
        alpha = np.asarray(rgba, dtype=np.float32)[..., 3] / 255.0
        drawn = (luminance * alpha).sum() / max(alpha.sum(), 1e-12)  # mean shade of what is drawn
        background = 0.0 if drawn > 0.5 else 1.0
        return luminance * alpha + background * (1.0 - alpha)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _read_npy(path):
    with _reading(path, ".npy array"), open_regular(path) as file:
        shape, dtype = _npy_header(file)
        _check_npy_header(path, shape, dtype)  # before a byte of data is read
        file.seek(0)
        array = np.load(file, allow_pickle=False)
    pixels = array.reshape(_grayscale_shape(array.shape)).astype(np.float32)
    if not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 255:
        raise ImageError(f"{path}: pixel values must be finite and in [0, 1] or 0..255")
    integer_range = array.dtype.kind in "ui" or pixels.max() > 1
    return pixels / 255.0 if integer_range else pixels


def _npy_header(file):
    """(shape, dtype) from the header of an open .npy file (ValueError if it is not one)."""
    version = np.lib.format.read_magic(file)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(file)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(file)
    else:
        raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
    return shape, dtype


def _check_npy_header(path, shape, dtype):
    if dtype.kind not in "uif":
        raise ImageError(f"{path}: expected integer or float pixels, got dtype {dtype}")
    gray = _grayscale_shape(shape)
    if gray is None or min(gray) < 1:
        raise ImageError(f"{path}: expected a grayscale image array of shape (H, W), (1, H, W) "
                         f"or (H, W, 1), got shape {shape}")
    _check_size(path, *gray)


def _grayscale_shape(shape):
    """(H, W) of an array of shape (H, W), (H, W, 1) or (1, H, W); None for other shapes."""
    if len(shape) == 3 and shape[-1] == 1:
        return shape[:2]
    if len(shape) == 3 and shape[0] == 1:
        return shape[1:]
    return shape if len(shape) == 2 else None


def _resize(pixels, size):
    image_module = require("PIL.Image", "resizing images")
    image = image_module.fromarray(pixels.astype(np.float32))
    resized = image.resize((size[1], size[0]), image_module.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _border(pixels):
    return np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
