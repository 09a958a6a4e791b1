"""``heatmap(t)``: a tensor or array as a picture for a notebook, larger than the diagrams'
(the drawing is ``chainrule.pictures.heatmap_png``)."""
import numpy as np

from ..pictures import heatmap_png


class Heatmap:
    """The picture of an array for a notebook (``_repr_png_``) or a file (``save``)."""

    def __init__(self, png, scale):
        self.png = png
        self.scale = scale  # how many times each pixel is repeated

    def _repr_png_(self):
        return self.png

    def save(self, path):
        from ..io import atomic_write_bytes

        atomic_write_bytes(path, self.png)
        return path


def heatmap(values, scale=4):
    """``values`` (a Tensor or an array) as a ``Heatmap``: its tiles side by side (see
    ``tiles``), each pixel shown ``scale`` times as large. A gradient's colours are
    symmetric around zero; an array that is never negative is drawn in grey."""
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 32:
        raise ValueError(f"heatmap: scale must be an integer from 1 to 32, got {scale!r}")
    array = np.asarray(values.detach() if hasattr(values, "detach") else values, dtype=np.float64)
    png = heatmap_png(array, scale)
    if png is None:
        raise ValueError(f"heatmap: an array of shape {array.shape} has no picture (1 to 4 dimensions)")
    return Heatmap(png, scale)
