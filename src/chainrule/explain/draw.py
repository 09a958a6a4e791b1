"""``draw(output)``: the computational graph as a circuit diagram (SVG, PNG or DOT).

Values are boxes showing their name, forward value (blue) and gradient (red); ops are
round gates. SVG comes from Graphviz's ``dot`` when it is on PATH, otherwise from the
small layered renderer below (no dependency). PNG needs ``dot``; without it the DOT
source is written instead, with the command that renders it.
"""
import os
import shutil
import re
import subprocess
import tempfile
import warnings
from xml.sax.saxutils import escape

from ..io import atomic_write_bytes, atomic_write_text
from . import layout
from .graph import DIGITS, check_digits, given_names
from ..pictures import png_data_uri, png_size
from .circuit import GRAD_COLOR, NAME_COLOR, ROUTE_COLOR, VALUE_COLOR, circuit
from .trace import Account, ensure_backpropagated

_FORMATS = ("svg", "png", "dot")
FORMAT_OF_SUFFIX = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}
_FILL = {"value": "#eef4fb", "const": "#f2f2f2", "gate": "#fff3c4"}
_WIRE_COLOR, _ROLE_COLOR = "#555555", "#7a5c00"


class Drawing(str):
    """SVG text that Jupyter displays inline."""

    def _repr_svg_(self):
        return str(self)


def _html_rows(lines):
    return "<br/>".join(
        f'<font color="{color}">{"<b>" if bold else ""}{escape(text)}{"</b>" if bold else ""}</font>'
        for text, color, bold in lines
    )


def to_dot(nodes, wires, picture_dir=None):
    """Graphviz DOT source of the circuit: left to right, the same boxes, gates and labels.
    With ``picture_dir``, each box's heatmaps are written there as PNG files that the
    source's labels show (for rendering; the source then names those files)."""
    out = [
        "digraph chainrule {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        f'  edge [color="{_WIRE_COLOR}", arrowsize=0.7, fontname="Helvetica", fontsize=10];',
    ]
    for n in nodes:
        if n.kind == "gate":
            out.append(f'  {n.key} [shape=circle, style=filled, fillcolor="{_FILL["gate"]}", '
                       f'label="{_dot_escape(n.lines[0][0])}"];')
        else:
            out.append(f'  {n.key} [shape=box, style="rounded,filled", fillcolor="{_FILL[n.kind]}", '
                       f'label=<{_box_label(n, picture_dir)}>];')
    for w in wires:
        rows = []
        if w.source_label is not None:
            value, grad = w.source_label
            rows += [(value, VALUE_COLOR, False)] + ([(grad, GRAD_COLOR, False)] if grad else [])
        attributes = [f"label=<{_html_rows(rows)}>"] if rows else []
        if w.target_label is not None:
            share, role = w.target_label
            if share:
                attributes.append(f'headlabel=<<font color="{GRAD_COLOR}">{escape(share)}</font>>')
            if role:
                attributes.append(f'xlabel=<<font color="{_ROLE_COLOR}">{escape(role)}</font>>')
        out.append(f"  {w.src} -> {w.dst}" + (f" [{', '.join(attributes)}]" if attributes else "") + ";")
    route_item = f'   <font color="{ROUTE_COLOR}">routes: windows sending gradient there</font>' if _has_routes(nodes) else ""
    out.append(f'  legend [shape=plaintext, label=<<font color="{VALUE_COLOR}">value</font>   '
               f'<font color="{GRAD_COLOR}">gradient</font>{route_item}>];')
    out.append("}")
    return "\n".join(out) + "\n"


def _box_label(node, picture_dir):
    """A box's HTML-like label: its lines, and below them its pictures when they are drawn."""
    if picture_dir is None or not node.pictures:
        return _html_rows(node.lines)
    cells = []
    for i, (png, color) in enumerate(node.pictures):
        path = _picture_path(picture_dir, node, i)
        with open(path, "wb") as file:
            file.write(png)
        w, h = png_size(png)  # a pixel a point, as in the built-in SVG: scaled with the dpi
        cells.append(f'<TD BORDER="1" COLOR="{color}" CELLPADDING="0" FIXEDSIZE="TRUE" WIDTH="{w}" '
                     f'HEIGHT="{h}"><IMG SCALE="BOTH" SRC="{escape(path)}"/></TD>')
    pictures = f'<TABLE BORDER="0" CELLSPACING="4"><TR>{"".join(cells)}</TR></TABLE>'
    return (f'<TABLE BORDER="0" CELLSPACING="0"><TR><TD>{_html_rows(node.lines)}</TD></TR>'
            f'<TR><TD>{pictures}</TD></TR></TABLE>')


def _picture_path(picture_dir, node, index):
    return os.path.join(picture_dir, f"{node.key}-{index}.png")


def _has_routes(nodes):
    """Whether a box shows a max pooling's routing mask (the legend then says what grey is)."""
    return any(color == ROUTE_COLOR for n in nodes for _, color, _ in n.lines)


def _rendered(nodes, wires, fmt, dpi=None):
    """Graphviz's rendering (bytes) of the circuit with its heatmaps, as the built-in renderer
    draws them; in an SVG, the picture files it names are replaced by their data (standalone)."""
    with tempfile.TemporaryDirectory(prefix="chainrule-draw-") as picture_dir:
        out = _graphviz(to_dot(nodes, wires, picture_dir), fmt, dpi)
    if fmt != "svg":
        return out
    pngs = {_picture_path(picture_dir, n, i): png for n in nodes for i, (png, _) in enumerate(n.pictures)}
    pattern = r'(xlink:href=")(' + re.escape(picture_dir) + r'[^"]*)'
    return re.sub(pattern, lambda m: m.group(1) + png_data_uri(pngs[m.group(2)]), out.decode()).encode()


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _path(points):
    """SVG path data: straight runs, and curves with horizontal ends across the gaps."""
    (x, y), parts = points[0], [f"M {points[0][0]:.1f} {points[0][1]:.1f}"]
    for nx, ny in points[1:]:
        if abs(ny - y) < 0.05:
            parts.append(f"L {nx:.1f} {ny:.1f}")
        else:
            mid = (x + nx) / 2
            parts.append(f"C {mid:.1f} {y:.1f}, {mid:.1f} {ny:.1f}, {nx:.1f} {ny:.1f}")
        x, y = nx, ny
    return " ".join(parts)


def _text(x, y, text, color, anchor="start", extra=""):
    return (f'<text x="{x:.1f}" y="{y:.1f}" fill="{color}" text-anchor="{anchor}"{extra}>'
            f"{escape(text)}</text>")


def _wire_svg(w, by_key):
    out = [f'<path class="wire" data-from="{w.src}" data-to="{w.dst}" d="{_path(w.route)}" '
           f'fill="none" stroke="{_WIRE_COLOR}" marker-end="url(#arrow)"/>']
    if w.source_label is not None:
        (x, y), (value, grad) = w.route[1], w.source_label
        out.append(_text(x + 4, y - 4, value, VALUE_COLOR))
        if grad:
            out.append(_text(x + 4, y + 12, grad, GRAD_COLOR))
    if w.target_label is not None:
        share, role = w.target_label
        x, y = w.route[-2]
        dst = by_key[w.dst]
        below = dst.ports > 1 and w.port == dst.ports - 1
        if role:
            out.append(_text(x - 3, y - 3, role, _ROLE_COLOR, "end", ' font-size="10" font-style="italic"'))
            x -= layout.text_width(role, 6) + 4
        if share:
            out.append(_text(x - 3, y + 12 if below else y - 4, share, GRAD_COLOR, "end"))
    return out


def _node_svg(n):
    out = [f'<g class="{n.kind}" id="{n.key}"><title>{escape(n.lines[0][0])}</title>']
    if n.kind == "gate":
        cx, cy = n.x + n.w / 2, n.y + n.h / 2
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{n.w / 2:.1f}" fill="{_FILL["gate"]}" stroke="#333333"/>')
        out.append(_text(cx, cy + 4, n.lines[0][0], NAME_COLOR, "middle", ' font-weight="bold"'))
    else:
        out.append(f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.w:.1f}" height="{n.h:.1f}" '
                   f'rx="6" fill="{_FILL[n.kind]}" stroke="#333333"/>')
        for i, (text, color, bold) in enumerate(n.lines):
            out.append(_text(n.x + layout.PAD, n.y + layout.PAD + 10 + i * layout.LINE_H, text, color,
                             extra=' font-weight="bold"' if bold else ""))
        x, y = n.x + layout.PAD, n.y + layout.PAD - 4 + len(n.lines) * layout.LINE_H + layout.PICTURE_GAP
        for png, color in n.pictures:
            w, h = png_size(png)
            out.append(f'<image x="{x:.1f}" y="{y:.1f}" width="{w}" height="{h}" '
                       f'xlink:href="{png_data_uri(png)}"/>')
            out.append(f'<rect x="{x - 0.5:.1f}" y="{y - 0.5:.1f}" width="{w + 1}" height="{h + 1}" '
                       f'fill="none" stroke="{color}" stroke-width="1"/>')
            x += w + layout.PICTURE_GAP
    out.append("</g>")
    return out


def _legend(y, roles, routes):
    items = [("value", VALUE_COLOR), ("gradient", GRAD_COLOR)]
    if roles:
        items.append(("a, b: operand", _ROLE_COLOR))
    if routes:
        items.append(("routes: windows sending gradient there", ROUTE_COLOR))
    out, x = ['<g class="legend">'], float(layout.MARGIN)
    for text, color in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>')
        out.append(_text(x + 14, y, text, color))
        x += 14 + layout.text_width(text) + 18
    out.append("</g>")
    return out, x


def to_svg(nodes, wires):
    """A standalone SVG of the circuit, without Graphviz: wires first, boxes on top (the
    layout routes every wire around the boxes it does not connect), a legend below."""
    width, height = layout.layout(nodes, wires)
    roles = any(w.target_label is not None and w.target_label[1] for w in wires)
    legend, legend_width = _legend(height + 6, roles, _has_routes(nodes))
    width, height = max(width, legend_width), height + 18
    by_key = {n.key: n for n in nodes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, monospace" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        f'fill="{_WIRE_COLOR}"/></marker></defs>',
        f'<rect width="100%" height="100%" fill="white"/>',
    ]
    for w in wires:
        out += _wire_svg(w, by_key)
    for n in nodes:
        out += _node_svg(n)
    out += legend
    out.append("</svg>")
    return "\n".join(out) + "\n"


class DrawError(RuntimeError):
    """Graphviz failed; the message says how."""


class GraphvizTimeout(DrawError):
    """Graphviz did not finish within ``GRAPHVIZ_TIMEOUT_S``."""


MAX_DRAWN_NODES = 100  # values and gates; the largest worked example has 22: more is unreadable
GRAPHVIZ_TIMEOUT_S = 20  # dot's layout time explodes on some shapes (a long x**x**...: minutes)


def _graphviz(dot_source, fmt, dpi=None):
    """The output of ``dot -T<fmt>`` as bytes (the caller writes it atomically)."""
    options = [f"-Gdpi={dpi:g}"] if dpi is not None else []
    try:
        done = subprocess.run([shutil.which("dot"), f"-T{fmt}", *options], input=dot_source.encode(),
                              capture_output=True, timeout=GRAPHVIZ_TIMEOUT_S)
    except subprocess.TimeoutExpired:  # run() has killed dot
        raise GraphvizTimeout(f"draw: Graphviz dot did not finish within {GRAPHVIZ_TIMEOUT_S} s") from None
    if done.returncode != 0:
        raise DrawError(f"draw: Graphviz dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


PNG_DPI = 144  # twice Graphviz's 72: a PNG a reader can read


def draw(output, path=None, format="svg", digits=DIGITS, names=None, dpi=PNG_DPI,
         max_nodes=MAX_DRAWN_NODES):
    """The circuit diagram of ``output``'s graph, every value with its value and gradient
    (numbers rounded to ``digits`` significant digits; None: every digit). ``names``: a
    Module or a mapping from names to Tensors, as for ``trace``. ``dpi``: the PNG's
    resolution (Graphviz's default is 72).

    ``format``: "svg" (returns the SVG text, displayed inline by Jupyter), "dot" (returns
    the Graphviz source) or "png" (writes ``path``, returns the DOT source; needs Graphviz).
    Backpropagates (or replays a graph already backpropagated) first when needed, like
    ``trace``. Writes the result to ``path`` if given (atomically: a crash leaves the
    previous file whole).

    A graph of more than ``max_nodes`` nodes, values and gates (None: no bound), raises
    ``ValueError`` and draws nothing. Graphviz gets ``GRAPHVIZ_TIMEOUT_S`` seconds: an SVG it does not finish in time
    comes from the built-in renderer (with a warning), a PNG raises ``DrawError``.
    """
    if format not in _FORMATS:
        raise ValueError(f"draw: unknown format {format!r}; use one of {', '.join(_FORMATS)}")
    if path is not None:
        suffix = os.path.splitext(os.fspath(path))[1].lower()
        if suffix in FORMAT_OF_SUFFIX and FORMAT_OF_SUFFIX[suffix] != format:
            raise ValueError(f"draw: {os.fspath(path)!r} ends in {suffix} but format={format!r}; "
                             f"pass format={FORMAT_OF_SUFFIX[suffix]!r}")
    elif format == "png":
        raise ValueError("draw: format='png' needs a path to write the image to")
    check_digits(digits, "draw")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 1200:
        raise ValueError(f"draw: dpi must be a number from 10 to 1200, got {dpi!r}")
    given = given_names(names, "draw")
    ensure_backpropagated(output, "draw")
    nodes, wires = circuit(Account(output, digits, given))
    if max_nodes is not None and len(nodes) > max_nodes:
        raise ValueError(f"draw: the graph has {len(nodes)} nodes, more than the {max_nodes} that "
                         "are drawn; nothing was drawn")
    has_dot = shutil.which("dot") is not None
    if format != "svg":
        dot_source = to_dot(nodes, wires)
    if format == "png":
        if has_dot:
            atomic_write_bytes(path, _rendered(nodes, wires, "png", dpi))
        else:
            dot_path = os.path.splitext(os.fspath(path))[0] + ".dot"
            atomic_write_text(dot_path, dot_source)
            warnings.warn(
                f"draw: Graphviz 'dot' is not installed, so no PNG was made; wrote {dot_path}. "
                f"Install Graphviz (apt install graphviz, brew install graphviz) and run "
                f"`dot -Tpng -Gdpi={dpi:g} {dot_path} -o {os.fspath(path)}`, or use format='svg'",
                stacklevel=2,
            )
        return dot_source
    if format == "dot":
        text = dot_source
    else:
        text = Drawing(_svg(nodes, wires) if has_dot else to_svg(nodes, wires))
    if path is not None:
        atomic_write_text(path, text)
    return text



def _svg(nodes, wires):
    """Graphviz's SVG, or the built-in renderer's when dot does not finish in time."""
    try:
        return _rendered(nodes, wires, "svg").decode()
    except GraphvizTimeout as exc:
        warnings.warn(f"{exc} on this graph of {len(nodes)} nodes; drew it with the built-in renderer",
                      stacklevel=3)
        return to_svg(nodes, wires)
