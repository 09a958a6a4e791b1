"""``draw(output)``: the computational graph as a circuit diagram (SVG, PNG or DOT).

Values are boxes showing their name, forward value (blue) and gradient (red); ops are
round gates. SVG comes from Graphviz's ``dot`` when it is on PATH, otherwise from the
small layered renderer below (no dependency). PNG needs ``dot``; without it the DOT
source is written instead, with the command that renders it.
"""
import os
import shutil
import subprocess
import warnings
from xml.sax.saxutils import escape

from ..io import atomic_write_bytes, atomic_write_text
from ..tensor import Tensor
from .graph import constant_text, format_value
from .rules import rule_for
from .trace import Account, ensure_backpropagated

VALUE_COLOR, GRAD_COLOR, NAME_COLOR, CONST_COLOR = "#1f4e9e", "#c62828", "#111111", "#666666"
_FORMATS = ("svg", "png", "dot")
FORMAT_OF_SUFFIX = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


class Drawing(str):
    """SVG text that Jupyter displays inline."""

    def _repr_svg_(self):
        return str(self)


class _Node:
    __slots__ = ("key", "kind", "lines", "inputs", "layer", "x", "y", "w", "h")

    def __init__(self, key, kind, lines, inputs=()):
        self.key, self.kind, self.lines, self.inputs = key, kind, lines, list(inputs)
        self.layer = self.x = self.y = self.w = self.h = 0


def _circuit(account):
    """The diagram's nodes in forward order: values, gates and constant operands.

    Each node's ``lines`` are (text, color, bold); ``inputs`` are the keys of its
    predecessors.
    """
    nodes, keys = [], {}
    for t in account.values:
        name = account.name(t)
        lines = [(name, NAME_COLOR, True), (format_value(t._data), VALUE_COLOR, False)]
        grad = account.grads.get(id(t))
        if grad is not None:
            lines.append(("grad " + format_value(grad), GRAD_COLOR, False))
        node = t.grad_fn
        if node is not None:
            gate_inputs = []
            for i, inp in enumerate(node.inputs):
                if isinstance(inp, Tensor):
                    gate_inputs.append(keys[id(inp)])
                else:
                    const = _Node(f"k{len(nodes)}", "const", [(constant_text(inp), CONST_COLOR, False)])
                    nodes.append(const)
                    gate_inputs.append(const.key)
            gate = _Node(f"g{len(nodes)}", "gate", [(rule_for(node.op_name()).symbol, NAME_COLOR, True)],
                         gate_inputs)
            nodes.append(gate)
            value_inputs = [gate.key]
        else:
            value_inputs = []
        kind = "value" if t.requires_grad else "const"
        value = _Node(f"v{len(nodes)}", kind, lines, value_inputs)
        keys[id(t)] = value.key
        nodes.append(value)
    return nodes


def to_dot(nodes):
    """Graphviz DOT source of the circuit: left to right, gradients in red."""
    out = [
        "digraph chainrule {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555", arrowsize=0.7];',
    ]
    for n in nodes:
        if n.kind == "gate":
            out.append(f'  {n.key} [shape=circle, style=filled, fillcolor="#fff3c4", '
                       f'label="{_dot_escape(n.lines[0][0])}"];')
            continue
        rows = "<br/>".join(
            f'<font color="{color}">{"<b>" if bold else ""}{escape(text)}{"</b>" if bold else ""}</font>'
            for text, color, bold in n.lines
        )
        fill = "#eef4fb" if n.kind == "value" else "#f2f2f2"
        out.append(f'  {n.key} [shape=box, style="rounded,filled", fillcolor="{fill}", label=<{rows}>];')
    for n in nodes:
        out.extend(f"  {src} -> {n.key};" for src in n.inputs)
    out.append("}")
    return "\n".join(out) + "\n"


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


# ---- built-in SVG renderer: layers by depth, columns left to right -------------------
_CHAR_W, _LINE_H, _PAD, _GATE_R, _COL_GAP, _ROW_GAP = 7.2, 15, 8, 17, 46, 18


def _layout(nodes):
    """Place the nodes: columns by depth, rows ordered near their inputs; returns the size."""
    by_key = {n.key: n for n in nodes}
    users = {n.key: [] for n in nodes}
    for n in nodes:  # forward order: a node's column is one past its deepest input
        for k in n.inputs:
            users[k].append(n)
        n.layer = max((by_key[k].layer for k in n.inputs), default=-1) + 1
    for n in reversed(nodes):  # then as late as possible: short edges (inputs stay left)
        if users[n.key] and (n.inputs or n.kind == "const"):
            n.layer = min(u.layer for u in users[n.key]) - 1
    for n in nodes:
        if n.kind == "gate":
            n.w = n.h = 2 * max(_GATE_R, _CHAR_W * len(n.lines[0][0]) / 2 + 6)
        else:
            n.w = max(len(text) for text, _, _ in n.lines) * _CHAR_W + 2 * _PAD
            n.h = len(n.lines) * _LINE_H + 2 * _PAD - 4
    columns = {}
    for n in nodes:
        columns.setdefault(n.layer, []).append(n)
    x, rows = 10.0, {}
    for layer in sorted(columns):
        column = columns[layer]
        width = max(n.w for n in column)
        for n in column:
            n.x = x + (width - n.w) / 2
        x += width + _COL_GAP
        # barycentre ordering: a node sits near the mean row of its inputs
        position = {n.key: i for i, n in enumerate(column)}
        column.sort(key=lambda n: _row_key(n, rows, position))
        rows.update((n.key, i) for i, n in enumerate(column))
    height = max(sum(n.h for n in c) + _ROW_GAP * (len(c) - 1) for c in columns.values())
    for column in columns.values():
        y = 10 + (height - sum(n.h for n in column) - _ROW_GAP * (len(column) - 1)) / 2
        for n in column:
            n.y = y
            y += n.h + _ROW_GAP
    return x - _COL_GAP + 10, height + 20


def _row_key(node, rows, position):
    placed = [rows[k] for k in node.inputs if k in rows]
    return sum(placed) / len(placed) if placed else position[node.key]


def to_svg(nodes):
    """A standalone SVG of the circuit, without Graphviz."""
    width, height = _layout(nodes)
    by_key = {n.key: n for n in nodes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, monospace" font-size="12">',
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
        "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
        "fill=\"#555555\"/></marker></defs>",
    ]
    for n in nodes:
        for k in n.inputs:
            src = by_key[k]
            x1, y1, x2, y2 = src.x + src.w, src.y + src.h / 2, n.x, n.y + n.h / 2
            bend = (x2 - x1) / 2
            out.append(f'<path d="M {x1:.1f} {y1:.1f} C {x1 + bend:.1f} {y1:.1f}, {x2 - bend:.1f} '
                       f'{y2:.1f}, {x2:.1f} {y2:.1f}" fill="none" stroke="#555555" '
                       'marker-end="url(#arrow)"/>')
    for n in nodes:
        out.append(f'<g class="{n.kind}" id="{n.key}"><title>{escape(n.lines[0][0])}</title>')
        if n.kind == "gate":
            cx, cy = n.x + n.w / 2, n.y + n.h / 2
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{n.w / 2:.1f}" fill="#fff3c4" stroke="#333333"/>')
            out.append(f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle" '
                       f'font-weight="bold">{escape(n.lines[0][0])}</text>')
        else:
            fill = "#eef4fb" if n.kind == "value" else "#f2f2f2"
            out.append(f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.w:.1f}" height="{n.h:.1f}" '
                       f'rx="6" fill="{fill}" stroke="#333333"/>')
            for i, (text, color, bold) in enumerate(n.lines):
                weight = ' font-weight="bold"' if bold else ""
                out.append(f'<text x="{n.x + _PAD:.1f}" y="{n.y + _PAD + 11 + i * _LINE_H:.1f}" '
                           f'fill="{color}"{weight}>{escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _graphviz(dot_source, fmt):
    """The output of ``dot -T<fmt>`` as bytes (the caller writes it atomically)."""
    done = subprocess.run([shutil.which("dot"), f"-T{fmt}"], input=dot_source.encode(),
                          capture_output=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"draw: Graphviz dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def draw(output, path=None, format="svg"):
    """The circuit diagram of ``output``'s graph, every value with its value and gradient.

    ``format``: "svg" (returns the SVG text, displayed inline by Jupyter), "dot" (returns
    the Graphviz source) or "png" (writes ``path``, returns the DOT source; needs Graphviz).
    Backpropagates (or replays a graph already backpropagated) first when needed, like
    ``trace``. Writes the result to ``path`` if given (atomically: a crash leaves the
    previous file whole).
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
    ensure_backpropagated(output, "draw")
    nodes = _circuit(Account(output))
    dot_source = to_dot(nodes)
    has_dot = shutil.which("dot") is not None
    if format == "png":
        if has_dot:
            atomic_write_bytes(path, _graphviz(dot_source, "png"))
        else:
            dot_path = os.path.splitext(os.fspath(path))[0] + ".dot"
            atomic_write_text(dot_path, dot_source)
            warnings.warn(
                f"draw: Graphviz 'dot' is not installed, so no PNG was made; wrote {dot_path}. "
                f"Install Graphviz (apt install graphviz, brew install graphviz) and run "
                f"`dot -Tpng {dot_path} -o {os.fspath(path)}`, or use format='svg'",
                stacklevel=2,
            )
        return dot_source
    if format == "dot":
        text = dot_source
    else:
        text = Drawing(_graphviz(dot_source, "svg").decode() if has_dot else to_svg(nodes))
    if path is not None:
        atomic_write_text(path, text)
    return text

