"""Small HTML tables for a notebook's rich display of core objects (``Tensor``, ``Summary``).

Core code only: NumPy and the standard library (the explain package draws pictures; the
core must not depend on it).
"""
from html import escape

import numpy as np

from .pictures import heatmap_png, png_data_uri

_STYLE = "font-family: DejaVu Sans Mono, monospace; font-size: 12px; border-collapse: collapse"
_CELL = "padding: 1px 10px 1px 0; vertical-align: top; white-space: pre"
MAX_SHOWN = 64  # a tensor with at most this many elements shows every value
PICTURE_SCALE = 3  # each pixel of a notebook's heatmap is shown 3x3


def html_table(header, rows, caption=None, right=()):
    """A table: ``header`` cells, then ``rows`` of cells (any values, shown by ``str`` and
    escaped); columns whose index is in ``right`` are right-aligned (numbers)."""
    def cells(row, tag):
        return "".join(f'<{tag} style="{_CELL}; text-align: {"right" if i in right else "left"}">'
                       f"{escape(str(c))}</{tag}>" for i, c in enumerate(row))
    head = f"<tr>{cells(header, 'th')}</tr>" if header else ""
    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    title = f'<caption style="text-align: left; font-weight: bold">{escape(caption)}</caption>' if caption else ""
    return f'<table style="{_STYLE}">{title}{head}{body}</table>'


def array_rows(a):
    """(field, text) rows describing an array: its values when small, else min, max,
    mean, mean |.| and the share of zeros (NaN and inf counted, not hidden)."""
    a = np.asarray(a)
    if a.size <= MAX_SHOWN:
        return [("values", np.array2string(a, precision=4, separator=", ", threshold=MAX_SHOWN))]
    if a.dtype.kind == "b":
        return [("share True", f"{np.mean(a):.4g}")]
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    rows = []
    if finite.size:
        rows += [("min", f"{finite.min():.4g}"), ("max", f"{finite.max():.4g}"),
                 ("mean", f"{finite.mean():.4g}"), ("mean |.|", f"{np.abs(finite).mean():.4g}")]
    rows.append(("zeros", f"{np.mean(a == 0):.1%}"))
    if finite.size < a.size:
        rows.append(("non-finite", f"{a.size - finite.size:,} (NaN {int(np.isnan(a).sum()):,})"))
    return rows


def array_picture(a, title):
    """An ``<img>`` of a large array's heatmap (``chainrule.pictures``), or "" when it is
    small enough to list or has no picture; ``title`` says what it shows."""
    a = np.asarray(a)
    png = heatmap_png(a, PICTURE_SCALE) if a.size > MAX_SHOWN and a.dtype.kind in "biuf" else None
    if png is None:
        return ""
    return (f'<div style="font-size: 11px">{escape(title)}</div>'
            f'<img style="border: 1px solid #999999" alt="{escape(title)}" src="{png_data_uri(png)}"/>')
