"""Arrays as small pictures: an image, a vector, a weight matrix or a CNN tensor's channels.

``tiles(a)`` cuts an array into the 2-D pictures a reader recognises (a 784-vector is a
28x28 image, a (30, 784) weight matrix 30 images, an (N, C, H, W) tensor the C channels
of its first example); ``heatmap_png(a)`` draws them side by side on one colour scale as
PNG bytes: grey from white (0) to black (the maximum) for values that are never negative,
else a diverging purple (negative) - white (0) - orange (positive) scale symmetric around
zero, so a gradient's sign and size read at a glance. NumPy and zlib only: a Tensor's
notebook view uses it, and so do the explain package's diagrams and ``heatmap``.
"""
import base64
import struct
import zlib

import numpy as np

MAX_TILES = 8
TILE_PIXELS = 28  # each tile is drawn at most this many pixels on a side
MATRIX_PIXELS, STRIP_HEIGHT = (42, 84), 6  # one tile fits 42x84 pixels; a vector is a strip 6 high
_NEGATIVE, _POSITIVE = np.array([84, 39, 136]), np.array([230, 97, 1])


def _square_side(n):
    side = int(round(np.sqrt(n)))
    return side if side * side == n and side >= 4 else None


def tiles(a):
    """The 2-D pictures of ``a`` (a list, empty when the array has none)."""
    a = np.asarray(a, dtype=np.float64)
    while a.ndim > 1 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 1:
        side = _square_side(a.size)
        return [a.reshape(side, side)] if side else ([a.reshape(1, -1)] if a.size > 1 else [])
    if a.ndim == 2:
        side = _square_side(a.shape[1])
        if side and a.shape[0] > 1:  # one row per unit, each row an image (a weight matrix)
            return [row.reshape(side, side) for row in a[:MAX_TILES]]
        return [a]
    if a.ndim == 3:
        return list(a[:MAX_TILES])
    if a.ndim == 4:
        return list(a[0, :MAX_TILES])
    return []


def _fit(tile, max_h, max_w):
    """A tile block-averaged down to fit max_h x max_w pixels, then its pixels repeated to
    fill about that (a vector's one-row strip is STRIP_HEIGHT pixels high)."""
    h, w = tile.shape
    factor = int(np.ceil(max(h / max_h, w / max_w)))
    if factor > 1:
        fh = 1 if h == 1 else factor
        padded = np.pad(tile, ((0, -h % fh), (0, -w % factor)), mode="edge")
        tile = padded.reshape(padded.shape[0] // fh, fh, padded.shape[1] // factor, factor).mean(axis=(1, 3))
    repeat = max(1, int(max_w / tile.shape[1] if h == 1 else min(max_h / tile.shape[0], max_w / tile.shape[1])))
    return np.repeat(np.repeat(tile, STRIP_HEIGHT if h == 1 else repeat, axis=0), repeat, axis=1)


def colours(values, scale, diverging):
    """RGB uint8 of ``values`` on the scale [-scale, scale] (diverging) or [0, scale]."""
    t = np.clip(np.nan_to_num(values) / scale, -1.0, 1.0) if scale > 0 else np.zeros_like(values)
    white = np.array([255.0, 255.0, 255.0])
    if diverging:
        end = np.where(t[..., None] < 0, _NEGATIVE, _POSITIVE)
        rgb = white + np.abs(t)[..., None] * (end - white)
    else:
        rgb = white * (1.0 - t)[..., None]
    return rgb.round().astype(np.uint8)


def heatmap_png(a, scale=1):
    """PNG bytes of ``a``'s tiles side by side, each pixel repeated ``scale`` times (None
    when ``a`` has no picture)."""
    pieces = tiles(a)
    if not pieces:
        return None
    values = np.asarray(a, dtype=np.float64)
    finite = values[np.isfinite(values)]
    diverging = finite.size > 0 and finite.min() < 0
    limit = float(np.abs(finite).max()) if finite.size else 0.0
    limits = (TILE_PIXELS, TILE_PIXELS) if len(pieces) > 1 else MATRIX_PIXELS
    fitted = [_fit(t, *(limits if t.shape[0] > 1 else (1, MATRIX_PIXELS[1]))) for t in pieces]
    height = max(t.shape[0] for t in fitted)
    gap = np.full((height, 2), np.nan)
    row = [np.pad(t, ((0, height - t.shape[0]), (0, 0)), constant_values=np.nan) for t in fitted]
    canvas = np.concatenate([p for t in row for p in (t, gap)][:-1], axis=1)
    rgb = colours(canvas, limit, diverging)
    rgb[np.isnan(canvas)] = 255
    return png_bytes(np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1))


def png_bytes(rgb):
    """A PNG file of an (H, W, 3) uint8 array."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[i].tobytes() for i in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def png_size(png):
    """(width, height) of PNG bytes, from the header."""
    return struct.unpack(">II", png[16:24])


def png_data_uri(png):
    """PNG bytes as a ``data:`` URI, for an ``<img>`` or an SVG ``<image>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
